"""The `forum` command: a client of the forumflow HTTP API."""
