"""A forum meeting's values, commands, refusals, rules and state machine
(``domain.meeting.lifecycle.apply`` is its entry point).

May import the shared ``domain`` modules, pydantic and the standard library, never
``domain.request`` or anything outside the domain. Re-exports nothing.
"""
