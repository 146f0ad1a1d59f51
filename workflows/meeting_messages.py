"""The meeting workflow's messenger: what it passes on to other workflows.

After an accepted move to another day it asks each request pending on the agenda to
follow the meeting; when an item is removed or the meeting cancelled it sends those
requests back to option listing; when unreached requests are carried in it moves them
to this meeting; and whenever its day is set, moved or cancelled it announces the
forum's meeting days to the open requests, whose procurement plans depend on them.

The meeting passes these on from a backlog of their own (workflows.background), so a
request that is slow to answer never holds up the meeting's clock (its papers deadline,
its end of day). Kept out of the workflow class so the class stays about the meeting's
own clock and transitions; it runs inside the workflow sandbox.
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
from domain.meeting.models import (
    FollowMove,
    FollowReport,
    ForwardPlanChange,
    LeaveAgendaMessage,
    MeetingState,
)

FOLLOW_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)

Message = FollowMove | LeaveAgendaMessage | ForwardPlanChange
"""Anything the meeting passes on to other workflows."""


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


async def pass_on(message: Message) -> tuple[str, str] | None:
    """Pass ``message`` on; the meeting's audit note of what became of it, as
    (transition, summary), or None when there is nothing to note."""
    if isinstance(message, ForwardPlanChange):
        await workflow.execute_activity(
            names.ANNOUNCE_FORWARD_PLAN_ACTIVITY,
            message,
            result_type=int,
            start_to_close_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=timedelta(hours=1),
            retry_policy=FOLLOW_RETRY,
        )
        return None
    moving = isinstance(message, FollowMove)
    activity = names.PASS_ON_MOVE_ACTIVITY if moving else names.PASS_ON_LEAVE_ACTIVITY
    try:
        report = await workflow.execute_activity(
            activity,
            message,
            result_type=FollowReport,
            start_to_close_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=timedelta(days=1),
            retry_policy=FOLLOW_RETRY,
        )
    except ActivityError as error:
        refs = ", ".join(message.request_refs)
        if moving:
            return "follow_move_failed", f"Could not move {refs}: {why(error)}"
        return "leave_agenda_failed", f"Could not send {refs} back to option listing: {why(error)}"
    if moving:
        return "follow_move", follow_report_summary(report)
    returned = [o.request_ref for o in report.outcomes if o.followed]
    summary = f"Sent back to option listing: {', '.join(returned) or 'no request'}."
    stayed = [f"{o.request_ref} ({o.detail})" for o in report.outcomes if not o.followed]
    if stayed:
        summary += f" Not sent back: {'; '.join(stayed)}."
    return "leave_agenda", summary
