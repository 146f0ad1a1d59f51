"""The API's own models: what it answers (and the bodies it alone reads), by concern.

Each answer is built from a workflow payload or a register entry by attribute, so a
payload that gains a field leaves the public API as it was, and one that loses or renames
a field fails the answer loudly rather than changing it silently.
"""
