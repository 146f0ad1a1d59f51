"""forumflow's Temporal workflows, one per module, the deterministic shell around the
domain's rules; imports the domain and contracts only (no storage, HTTP, SMTP or activity
code: activities are called by the names in ``contracts.names``).
"""
