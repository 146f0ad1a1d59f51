"""What a request's command says about meetings, checked against the meetings themselves
before it is sent: tabling by meeting id reads the meeting's day and membership and asks
the meeting's own rules whether it would take the item; a minute's actions must be due
at meetings that are scheduled, on the days given.

Checking first is what keeps a refusal out of both histories: the meeting's rules are
pure, so running them here on the meeting's current state refuses exactly what the
meeting would, before the request writes anything.
"""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio.client import Client

from clients.meetings import MEETINGS
from clients.records import NoSuchRecord, TransitionRefused, query
from domain.calendar import format_uk_date
from domain.errors import RuleViolation
from domain.meeting.commands import AddItem
from domain.meeting.lifecycle import apply as apply_to_meeting
from domain.meeting.models import MeetingState
from domain.people import Actor
from domain.request.commands import Command, RecordMinute, TableRequest
from domain.request.errors import MeetingNotScheduled, TabledMeetingDisagrees


async def _meeting(client: Client, meeting_id: str, field: str) -> MeetingState:
    try:
        meeting = await query(
            client, MEETINGS, meeting_id, MEETINGS.state_query, MEETINGS.state_type
        )
    except NoSuchRecord:
        meeting = None
    if meeting is None or meeting.stage.is_final:
        raise TransitionRefused.of(
            MeetingNotScheduled(
                f"No meeting {meeting_id} is scheduled ({field}): schedule it first, or "
                "name one of the forum's scheduled meetings.",
                field=field,
            )
        )
    return meeting


async def resolved(client: Client, reference: str, command: Command, actor: Actor) -> Command:
    """``command`` with what it needs from its meetings filled in, or TransitionRefused."""
    if isinstance(command, TableRequest) and command.meeting_id is not None:
        return await _tabling(client, reference, command, actor)
    if isinstance(command, RecordMinute):
        for index, action in enumerate(command.minute.actions):
            if action.due_meeting_id is None:
                continue
            field = f"minute.actions[{index}].due_meeting_id"
            meeting = await _meeting(client, action.due_meeting_id, field)
            if meeting.meeting_day != action.due_meeting:
                raise TransitionRefused.of(
                    TabledMeetingDisagrees(
                        f"Action '{action.action_id}' is due at {action.due_meeting_id}, which "
                        f"meets on {format_uk_date(meeting.meeting_day)}, not "
                        f"{format_uk_date(action.due_meeting)} (minute.actions[{index}]."
                        "due_meeting).",
                        field=f"minute.actions[{index}].due_meeting",
                    )
                )
    return command


async def _tabling(
    client: Client, reference: str, command: TableRequest, actor: Actor
) -> TableRequest:
    assert command.meeting_id is not None
    meeting = await _meeting(client, command.meeting_id, "meeting_id")
    if command.meeting_date is not None and command.meeting_date != meeting.meeting_day:
        raise TransitionRefused.of(
            TabledMeetingDisagrees(
                f"Cannot table {reference} for {command.meeting_id} on "
                f"{format_uk_date(command.meeting_date)}: that meeting is on "
                f"{format_uk_date(meeting.meeting_day)} (meeting_date). Leave meeting_date "
                "out to use the meeting's own day.",
                field="meeting_date",
            )
        )
    # The meeting's own rules: is it open for items, are its papers closed without the
    # chair's reason for a late item. Already on it, this is a retry (or a repeat, which
    # the request's own stage refuses).
    if meeting.item(reference) is None:
        item = AddItem(request_ref=reference, title=reference, late_reason=command.late_reason)
        try:
            apply_to_meeting(meeting, item, actor, datetime.now(UTC))
        except RuleViolation as violation:
            raise TransitionRefused.of(violation) from None
    return command.model_copy(
        update={"meeting_date": meeting.meeting_day, "membership": meeting.membership}
    )
