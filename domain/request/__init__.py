"""A funding request's values, commands, refusals, rules and state machine
(``domain.request.lifecycle.apply`` is its entry point).

May import the shared ``domain`` modules, pydantic and the standard library, never
``domain.meeting`` or anything outside the domain. Re-exports nothing.
"""
