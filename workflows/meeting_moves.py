"""The meeting workflow's messenger for moves: after an accepted move to another day, it
asks each request pending on the agenda to follow the meeting, so the request's papers
deadline and reminders move with it.

The meeting passes its moves on from a backlog of their own (workflows.background), so
a request that is slow to answer never holds up the meeting's clock (its papers
deadline, its end of day). Kept out of the workflow class so the class stays about the
meeting's own clock and transitions; it runs inside the workflow sandbox.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from contracts import names
from contracts.meeting import MeetingUpdate
from domain.meeting.carry import follow_move_of, follow_report_summary
from domain.meeting.commands import MoveMeeting
from domain.meeting.models import FollowMove, FollowReport, MeetingState

FOLLOW_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


def why(error: ActivityError) -> str:
    """The reason an activity failed, as its ApplicationError put it."""
    return error.cause.message if isinstance(error.cause, ApplicationError) else str(error)


def move_to_pass_on(
    before: MeetingState, after: MeetingState, update: MeetingUpdate
) -> FollowMove | None:
    """The move ``update`` made, if it took the meeting to another day and the agenda has
    requests pending; else None."""
    if not isinstance(update.command, MoveMeeting):
        return None
    return follow_move_of(before, after, update.command, update.actor)


async def pass_on(move: FollowMove) -> tuple[str, str]:
    """Ask the requests to follow ``move``; the meeting's audit note of what became of it,
    as (transition, summary)."""
    try:
        report = await workflow.execute_activity(
            names.PASS_ON_MOVE_ACTIVITY,
            move,
            result_type=FollowReport,
            start_to_close_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=timedelta(days=1),
            retry_policy=FOLLOW_RETRY,
        )
    except ActivityError as error:
        return "follow_move_failed", f"Could not move {', '.join(move.request_refs)}: {why(error)}"
    return "follow_move", follow_report_summary(report)
