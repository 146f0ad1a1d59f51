"""The application: composes the API and the web pages into one server, adds the first
users, and is ``python -m forumflow``; may import every product package, never devtools.
"""
