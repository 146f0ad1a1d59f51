"""The pure rules of forumflow's two aggregates, a funding request (``domain.request``) and
a forum meeting (``domain.meeting``), and what both share, each in a module of one concern.

The domain imports nothing outside itself but pydantic, the ``holidays`` calendar data and
the standard library: no temporalio, no I/O after import, no clock (every instant is a
parameter). Shared modules: ``values`` (the base model and scalars), ``people``, ``forum``
(settings), ``errors`` (the base refusal and the shared ones), ``audit``, ``machine``
(the one guarded state machine), ``attendance`` (quorum), ``calendar`` (London time, UK
dates, working days), ``deadlines``, ``alarms`` and ``notices``. This package re-exports
nothing.
"""
