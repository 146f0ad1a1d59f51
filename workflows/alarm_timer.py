"""One durable timer for a workflow's next alarm, kept while the alarm's instant stays
the same.

A wait with a timeout starts a timer and cancels it when the wait ends early, so every
Update that wakes the loop would cancel the alarm's timer and start an identical one:
two history events each time for nothing. This timer is only replaced when the instant
it is set for changes. It runs inside the workflow sandbox, where ``asyncio`` tasks are
deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow


class AlarmTimer:
    """Rings at the instant it was last set for, unless set for another one first."""

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def rang(self) -> bool:
        """Whether the timer has gone off since it was set."""
        return self._timer is not None and self._timer.done()

    def set(self, at: datetime | None, now: datetime) -> None:
        """Ring at ``at`` (``None``: not at all), keeping the running timer if it is for
        that instant already; ``at`` must be after ``now``."""
        if at == self._at and self._timer is not None and not self._timer.done():
            return
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._at = at
        self._timer = None if at is None else asyncio.create_task(workflow.sleep(at - now))


async def wait_for_work(
    ready: Callable[[], bool], wake_at: datetime | None, now: datetime, timer: AlarmTimer | None
) -> None:
    """Until ``ready()`` or ``wake_at``, on ``timer``; runs without one (started before it
    was kept) wait with a timeout, as they always did."""
    if timer is None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(ready, timeout=None if wake_at is None else wake_at - now)
        return
    timer.set(wake_at, now)
    await workflow.wait_condition(lambda: ready() or timer.rang)
