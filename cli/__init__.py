"""The `forum` command: an HTTP client of the forumflow API that imports none of the
product's code (it owns its vocabulary in ``cli.vocabulary``).
"""
