"""Temporal client facades for requests, meetings and the yearly Schedule; imports contracts,
config and the domain, never workflow code.
"""
