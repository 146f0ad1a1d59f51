"""A meeting's rules as pure functions: each either returns a fact or raises the refusal.

The steps (``domain.meeting.steps``) call these before they build the next state, so a
refused command leaves no trace. Who may be recorded present, and the quorum, are shared
with a request's vote (``domain.attendance``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.calendar import format_uk_date, to_london
from domain.meeting.commands import AddItem, CloseMeeting, MoveMeeting
from domain.meeting.errors import (
    ActionAlreadyDone,
    AgendaPositionInvalid,
    DuplicateAgendaItem,
    DuplicateMeetingAction,
    MeetingMovedIntoPast,
    MeetingTimeUnchanged,
    NextMeetingInvalid,
    NoPreviousMeeting,
    PapersDeadlinePassed,
    PreviousMinutesAlreadyConfirmed,
    UnknownAgendaItem,
    UnknownMeetingAction,
)
from domain.meeting.models import AgendaItem, MeetingAction, MeetingState
from domain.values import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY, PLANNABLE_RULE, quote_ids

_ID_DATE = re.compile(r"^meeting-(\d{4})-(\d{2})-(\d{2})")


# --- the agenda ----------------------------------------------------------------------


def is_late(state: MeetingState, command: AddItem, now: datetime) -> bool:
    """Whether an item added at ``now`` is late; refuse it if it is, and the chair gave no
    reason for taking it, or if the request is already on the agenda."""
    if state.item(command.request_ref) is not None:
        raise DuplicateAgendaItem(
            f"Cannot add {command.request_ref} to the agenda of {state.meeting_id}: it is "
            "already on it (request_ref).",
            field="request_ref",
        )
    # A meeting entered after it was held had its papers before anyone recorded them.
    late = not state.recorded_after_the_event and now >= state.papers_close_at
    if late and command.late_reason is None:
        raise PapersDeadlinePassed(
            f"Cannot add {command.request_ref} to the agenda of {state.meeting_id}: the "
            f"papers deadline was 5pm on {format_uk_date(state.papers_deadline)} "
            f"({state.settings.papers_clear_working_days} clear working days before the "
            f"meeting on {format_uk_date(state.meeting_day)}). A late item needs the chair's "
            "reason for taking it (late_reason).",
            field="late_reason",
        )
    return late


def check_position(state: MeetingState, request_ref: str, position: int) -> AgendaItem:
    """The item to move; refused when it is not on the agenda or ``position`` is past
    the agenda's end."""
    item = require_item(state, request_ref)
    if position > len(state.agenda):
        raise AgendaPositionInvalid(
            f"Cannot move {request_ref} to place {position} on the agenda of "
            f"{state.meeting_id}: the agenda has {len(state.agenda)} items (position).",
            field="position",
        )
    return item


def require_item(state: MeetingState, request_ref: str) -> AgendaItem:
    """The agenda item for ``request_ref``; refused when the request is not on the agenda."""
    item = state.item(request_ref)
    if item is None:
        raise UnknownAgendaItem(
            f"{request_ref} is not on the agenda of {state.meeting_id} (request_ref); the "
            f"agenda has {quote_ids(i.request_ref for i in state.agenda) or 'no items'}.",
            field="request_ref",
        )
    return item


def items_to_carry(state: MeetingState) -> tuple[AgendaItem, ...]:
    """The items the meeting did not reach."""
    return tuple(i for i in state.agenda if i.status == "not_reached")


def unreached(state: MeetingState) -> tuple[AgendaItem, ...]:
    """The agenda once the meeting has ended: every item still pending was not reached."""
    return tuple(
        i.model_copy(update={"status": "not_reached"}) if i.status == "pending" else i
        for i in state.agenda
    )


# --- moving the meeting --------------------------------------------------------------


def check_move(state: MeetingState, command: MoveMeeting, now: datetime) -> datetime:
    """The new start on the London clock; refused when it has passed or does not change."""
    new = to_london(command.new_starts_at)
    if new <= now:
        raise MeetingMovedIntoPast(
            f"Cannot move {state.meeting_id} to {new.isoformat()}: that time has passed "
            "(new_starts_at).",
            field="new_starts_at",
        )
    if new == state.starts_at:
        raise MeetingTimeUnchanged(
            f"Cannot move {state.meeting_id}: it already starts at {new.isoformat()} "
            "(new_starts_at).",
            field="new_starts_at",
        )
    return new


# --- the action log ------------------------------------------------------------------


def check_new_action(state: MeetingState, action_id: str) -> None:
    """Refuse an action whose id is already in the log."""
    if state.action(action_id) is not None:
        raise DuplicateMeetingAction(
            f"Cannot add action '{action_id}' to {state.meeting_id}: an action with "
            "that id is already in its log (action_id).",
            field="action_id",
        )


def require_open_action(state: MeetingState, action_id: str) -> MeetingAction:
    """The action with ``action_id``; refused when it is not in the log or already done."""
    action = state.action(action_id)
    if action is None:
        raise UnknownMeetingAction(
            f"Cannot complete action '{action_id}': it is not in the action log of "
            f"{state.meeting_id} (action_id).",
            field="action_id",
        )
    if action.done:
        raise ActionAlreadyDone(
            f"Cannot complete action '{action.action_id}': it is already done (action_id).",
            field="action_id",
        )
    return action


def open_actions_due(state: MeetingState) -> tuple[MeetingAction, ...]:
    """The actions due at this meeting that are not done."""
    return tuple(a for a in state.actions if not a.done and a.due_meeting_id == state.meeting_id)


# --- minutes and the next meeting ----------------------------------------------------


def check_previous_minutes(state: MeetingState) -> str:
    """The previous meeting's id; refused when there is none or its minutes are confirmed."""
    if state.previous_meeting_id is None:
        raise NoPreviousMeeting(
            f"Cannot confirm previous minutes at {state.meeting_id}: it has no previous "
            "meeting (previous_meeting_id).",
            field="previous_meeting_id",
        )
    if state.previous_minutes_confirmed_at is not None:
        raise PreviousMinutesAlreadyConfirmed(
            f"Cannot confirm the minutes of {state.previous_meeting_id} again: they were "
            f"confirmed at {state.previous_minutes_confirmed_at.isoformat()}.",
            field="previous_minutes_confirmed_at",
        )
    return state.previous_meeting_id


def _date_in_id(meeting_id: str) -> date | None:
    found = _ID_DATE.match(meeting_id)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def next_meeting_day(state: MeetingState, command: CloseMeeting) -> date | None:
    """The next meeting's day (given, or read from a "meeting-YYYY-MM-DD" id); refused when
    the next meeting is this one or is not after it."""
    next_id = command.next_meeting_id
    next_day = command.next_meeting_date or (_date_in_id(next_id) if next_id else None)
    if next_id == state.meeting_id:
        raise NextMeetingInvalid(
            f"Cannot close {state.meeting_id}: the next meeting cannot be this meeting "
            "(next_meeting_id).",
            field="next_meeting_id",
        )
    if next_day is not None and not FIRST_PLANNABLE_DAY <= next_day <= LAST_PLANNABLE_DAY:
        # A day read from the id is not validated as a field is, and the items carried
        # there would take it to their requests.
        raise NextMeetingInvalid(
            f"Cannot close {state.meeting_id}: the next meeting's day must be "
            f"{PLANNABLE_RULE.removeprefix('plannable-date: ')}, not {format_uk_date(next_day)} "
            "(next_meeting_id).",
            field="next_meeting_id",
        )
    if next_day is not None and next_day <= state.meeting_day:
        raise NextMeetingInvalid(
            f"Cannot close {state.meeting_id}: the next meeting ({format_uk_date(next_day)}) "
            f"must be after this one ({format_uk_date(state.meeting_day)}) (next_meeting_date).",
            field="next_meeting_date",
        )
    return next_day
