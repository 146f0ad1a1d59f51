"""The meeting workflow's messenger for moves: after an accepted move to another day, it
asks each request pending on the agenda to follow the meeting, so the request's papers
deadline and reminders move with it.

The moves are passed on by a task of their own, so a request that is slow to answer
never holds up the meeting's clock (its papers deadline, its end of day). Kept out of
the workflow class so the class stays about the meeting's own clock and transitions;
it runs inside the workflow sandbox.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from activities.meetings import MeetingActivities
from domain.meetings import (
    FollowMove,
    MeetingState,
    MeetingUpdate,
    MoveMeeting,
    follow_move_of,
    follow_report_summary,
)

FOLLOW_MOVES_PATCH = "meeting-moves-requests"
"""Meetings moved before moves reached the agenda's requests replay without passing them on."""

FOLLOW_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


def why(error: ActivityError) -> str:
    """The reason an activity failed, as its ApplicationError put it."""
    return error.cause.message if isinstance(error.cause, ApplicationError) else str(error)


class MovesToPassOn:
    """Accepted moves not yet passed on to the requests on the agenda, oldest first.

    ``note(transition, summary)`` adds what became of each move to the meeting's audit
    trail, on the meeting's state as it is then.
    """

    def __init__(self, note: Callable[[str, str], None]) -> None:
        self._queue: deque[FollowMove] = deque()
        self._note = note
        self._task: asyncio.Task[None] | None = None

    def note_transition(
        self, before: MeetingState, after: MeetingState, update: MeetingUpdate
    ) -> None:
        """Queue the move ``update`` made, if it took the meeting to another day and the
        agenda has requests pending (only in runs that know how to pass moves on)."""
        if not isinstance(update.command, MoveMeeting):
            return
        move = follow_move_of(before, after, update.command, update.actor)
        if move is not None and workflow.patched(FOLLOW_MOVES_PATCH):
            self._queue.append(move)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._pass_on())

    async def finished(self) -> None:
        """Wait until every queued move has been passed on."""
        if self._task is not None:
            await self._task

    async def _pass_on(self) -> None:
        while self._queue:
            move = self._queue[0]
            try:
                report = await workflow.execute_activity_method(
                    MeetingActivities.pass_on_move,
                    move,
                    start_to_close_timeout=timedelta(minutes=2),
                    schedule_to_close_timeout=timedelta(days=1),
                    retry_policy=FOLLOW_RETRY,
                )
            except ActivityError as error:
                self._note(
                    "follow_move_failed",
                    f"Could not move {', '.join(move.request_refs)}: {why(error)}",
                )
            else:
                self._note("follow_move", follow_report_summary(report))
            self._queue.popleft()
