"""The HTTP API: every action on requests and meetings, behind bearer tokens and roles."""
