"""The pure domain of forumflow: a funding request's models, rules and state machine.

Nothing in this package imports temporalio, does I/O after import or reads the clock:
every instant is a parameter. Modules: ``models`` (the values), ``errors`` (every
refusal), ``rules`` and ``voting`` (the rules as pure functions), ``commands``,
``steps`` and ``lifecycle`` (the state machine; ``lifecycle.apply`` is its entry point)
and ``calendar`` (deadlines). This package re-exports nothing.
"""
