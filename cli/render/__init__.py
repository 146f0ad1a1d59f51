"""How the CLI shows the API's answers to people, one module per concern.

Every renderer takes the API's JSON as parsed (plain dicts and lists: the CLI does not
re-validate what the API already validated) and prints it with rich.
"""
