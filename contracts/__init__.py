"""What crosses the Temporal boundary: one frozen model per workflow input, update, query and
result, and the names of activities, signals and search attributes; imports the domain only.
"""
