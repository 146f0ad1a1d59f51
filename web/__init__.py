"""The pages people use in a browser: server-rendered GOV.UK Frontend pages.

They are served by the same FastAPI application as the HTTP API (``forumflow.serve_api``
composes the two), under paths the API does not use, with the design system's
assets under ``/assets``. People sign in with a one-time link sent to their email
address and keep a server-side session; programs keep using the API's bearer tokens.
Every form is a plain POST that works without JavaScript, and carries a CSRF token.
"""
