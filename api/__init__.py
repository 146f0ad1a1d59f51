"""The HTTP API: every action on requests and meetings behind bearer tokens and roles,
with response schemas of its own; imports clients, storage, adapters, contracts, config
and the domain, never the web pages, the CLI or the worker.
"""
