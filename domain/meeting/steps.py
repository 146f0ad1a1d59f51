"""What each transition does to a meeting, once its role and stage have been checked.

:func:`run_step` dispatches a command to its step. Each step checks the rules that
concern it (``domain.meeting.rules``), then returns the next state (without the audit
entry, which ``domain.meeting.lifecycle`` adds) and a plain-English summary of what
changed, plus the reason when the command gave one.
"""

from __future__ import annotations

from datetime import datetime

from domain.attendance import check_on_membership, check_quorum
from domain.calendar import format_uk_date
from domain.machine import Step
from domain.meeting import rules
from domain.meeting.commands import (
    AddAction,
    AddItem,
    CancelMeeting,
    CloseMeeting,
    CompleteAction,
    ConfirmPreviousMinutes,
    MarkItem,
    MeetingCommand,
    MoveMeeting,
    OpenMeeting,
    OrderItem,
    PublishAgenda,
    RecordMeetingAttendance,
    RemoveItem,
)
from domain.meeting.models import AgendaItem, MeetingAction, MeetingStage, MeetingState
from domain.people import Actor
from domain.values import evolve


def run_step(
    state: MeetingState, command: MeetingCommand, actor: Actor, now: datetime
) -> Step[MeetingState]:
    """Dispatch ``command`` to its step, once its role and stage have been checked."""
    match command:
        case AddItem():
            return _add_item(state, command, now)
        case RemoveItem():
            rules.require_item(state, command.request_ref)
            items = tuple(i for i in state.agenda if i.request_ref != command.request_ref)
            return Step(
                evolve(state, agenda=items),
                f"Removed {command.request_ref} from the agenda.",
                command.reason,
            )
        case MoveMeeting():
            return _move(state, command, now)
        case RecordMeetingAttendance():
            check_on_membership(
                state.membership, command.present_member_ids, f"at {state.meeting_id}"
            )
            return Step(
                evolve(state, present_member_ids=command.present_member_ids),
                f"Recorded {len(command.present_member_ids)} of {state.membership.total} "
                f"members present (quorum {state.quorum_required}).",
            )
        case OpenMeeting():
            check_quorum(
                state.membership,
                state.present_member_ids,
                state.settings,
                f"open {state.meeting_id}",
            )
            return Step(
                evolve(state, stage=MeetingStage.in_session, opened_at=now),
                f"Opened {state.meeting_id} with {len(state.present_member_ids)} members present.",
            )
        case MarkItem():
            item = rules.require_item(state, command.request_ref)
            marked = item.model_copy(update={"status": command.status})
            items = tuple(marked if i.request_ref == item.request_ref else i for i in state.agenda)
            return Step(evolve(state, agenda=items), f"Marked {item.request_ref} {command.status}.")
        case AddAction():
            return _add_action(state, command)
        case CompleteAction():
            action = rules.require_open_action(state, command.action_id)
            done = action.model_copy(update={"done": True})
            actions = tuple(done if a.action_id == done.action_id else a for a in state.actions)
            return Step(evolve(state, actions=actions), f"Completed action '{action.action_id}'.")
        case ConfirmPreviousMinutes():
            previous = rules.check_previous_minutes(state)
            return Step(
                evolve(state, previous_minutes_confirmed_at=now),
                f"Confirmed the minutes of {previous}.",
            )
        case CloseMeeting():
            return _close(state, command, now)
        case CancelMeeting():
            cancelled = evolve(
                state, stage=MeetingStage.cancelled, ended_at=now, agenda=rules.unreached(state)
            )
            return Step(cancelled, f"Cancelled {state.meeting_id}.", command.reason)
        case OrderItem():
            item = rules.check_position(state, command.request_ref, command.position)
            others = [i for i in state.agenda if i.request_ref != item.request_ref]
            others.insert(command.position - 1, item)
            return Step(
                evolve(state, agenda=tuple(others)),
                f"Moved {item.request_ref} to item {command.position} of the agenda.",
            )
        case PublishAgenda():
            again = " again" if state.published_at is not None else ""
            return Step(
                evolve(state, published_at=now),
                f"Published the agenda and papers{again}: {len(state.agenda)} items.",
            )
    raise TypeError(f"no step for meeting command {type(command).__name__}")


def _add_item(state: MeetingState, command: AddItem, now: datetime) -> Step[MeetingState]:
    late = rules.is_late(state, command, now)
    item = AgendaItem(
        request_ref=command.request_ref,
        title=command.title,
        tabled_at=now,
        late=late,
        late_reason=command.late_reason if late else None,
    )
    summary = f"Added {item.request_ref} ({item.title}) to the agenda"
    summary += " as a late item." if late else "."
    return Step(evolve(state, agenda=(*state.agenda, item)), summary, item.late_reason)


def _move(state: MeetingState, command: MoveMeeting, now: datetime) -> Step[MeetingState]:
    new = rules.check_move(state, command, now)
    moved = evolve(state, starts_at=new)
    # Papers closed for the old day reopen when the new day's deadline is still ahead.
    papers_open = now < moved.papers_close_at
    after = evolve(
        moved,
        moved_from=(*state.moved_from, state.starts_at),
        papers_closed_at=None if papers_open else state.papers_closed_at,
    )
    summary = (
        f"Moved {state.meeting_id} from {format_uk_date(state.meeting_day)} to "
        f"{format_uk_date(after.meeting_day)} {new:%H:%M}; papers now due by 5pm on "
        f"{format_uk_date(after.papers_deadline)}."
    )
    return Step(after, summary, command.reason)


def _add_action(state: MeetingState, command: AddAction) -> Step[MeetingState]:
    rules.check_new_action(state, command.action_id)
    action = MeetingAction(
        action_id=command.action_id,
        request_ref=command.request_ref,
        description=command.description,
        owner=command.owner,
        owner_id=command.owner_id,
        due_meeting_id=state.meeting_id,
        carried_from=command.carried_from,
    )
    carried = f", carried from {', '.join(action.carried_from)}" if action.carried_from else ""
    return Step(
        evolve(state, actions=(*state.actions, action)),
        f"Logged action '{action.action_id}' on {action.request_ref} for {action.owner}"
        f"{carried}: {action.description}",
    )


def _close(state: MeetingState, command: CloseMeeting, now: datetime) -> Step[MeetingState]:
    next_day = rules.next_meeting_day(state, command)
    next_id = command.next_meeting_id
    agenda = rules.unreached(state)
    unreached = [i.request_ref for i in agenda if i.status == "not_reached"]
    summary = f"Closed {state.meeting_id}"
    if unreached:
        summary += f"; not reached: {', '.join(unreached)}"
    summary += f"; next meeting {next_id}." if next_id else "."
    closed = evolve(
        state,
        stage=MeetingStage.closed,
        ended_at=now,
        agenda=agenda,
        next_meeting_id=next_id,
        next_meeting_date=next_day,
    )
    return Step(closed, summary)
