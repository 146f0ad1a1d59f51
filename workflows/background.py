"""Work a workflow hands to a task beside its main loop, so a slow activity never holds up
the loop: a request's notices while the mail server says "try later" would otherwise
hang the register writes that transitions wait on, and a meeting's moves passed on to
slow requests would hold up the meeting's own clock.

It runs inside the workflow sandbox, where ``asyncio`` tasks are deterministic.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Backlog(Generic[T]):
    """Items handled one at a time, oldest first, by a task of their own.

    ``handle`` does one item and records what became of it; it should not raise (an
    error it lets out fails the workflow task when ``finished`` is awaited). ``drained``
    is called each time the backlog empties, so the main loop can wake and plan again.
    """

    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        drained: Callable[[], None] | None = None,
    ) -> None:
        self._handle = handle
        self._drained = drained
        self._queue: deque[T] = deque()
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether items are still being handled."""
        return self._task is not None and not self._task.done()

    def add(self, *items: T) -> None:
        """Queue ``items`` after those already waiting, starting the task if it is idle."""
        self._queue.extend(items)
        if self._queue and not self.busy:
            self._task = asyncio.create_task(self._work())

    async def finished(self) -> None:
        """Wait until every queued item has been handled, so a run does not end mid-way."""
        if self._task is not None:
            await self._task

    async def _work(self) -> None:
        try:
            while self._queue:
                await self._handle(self._queue[0])
                self._queue.popleft()
        finally:
            if self._drained is not None:
                self._drained()
