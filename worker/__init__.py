"""The worker process: every workflow and activity on one task queue
(``python -m worker``); imports the layers below it, never the API, the CLI or the web pages.
"""
