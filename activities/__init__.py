"""Temporal activities as classes that receive their dependencies (the register, the
mailer, the user directory, a client); imports clients, storage, adapters, contracts,
config and the domain, never workflow code.
"""
