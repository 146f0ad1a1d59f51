"""What a meeting passes on: unfinished business to the next meeting, and a move to the
requests on its agenda.

Whenever a meeting ends (closed, not held or cancelled), agenda items still pending are
``not_reached`` and every open action due at it was flagged; :func:`carry_forward_of`
says what goes to the next meeting the chair named, :func:`carry_in` takes it there
(each thing once), and :func:`carried_forward_notices` tells the chair. When a meeting
moves to another day, every request pending on its agenda is told to follow it
(:func:`follow_move_of`), so the request's own papers deadline moves too.
"""

from __future__ import annotations

from datetime import datetime

from domain.audit import SYSTEM_ID
from domain.calendar import require_aware
from domain.meeting.clock import noted
from domain.meeting.commands import CancelMeeting, MeetingCommand, MoveMeeting, RemoveItem
from domain.meeting.models import (
    CarriedIn,
    CarryForward,
    FollowMove,
    FollowReport,
    LeaveAgendaMessage,
    MeetingState,
)
from domain.meeting.rules import items_to_carry, open_actions_due
from domain.notices import Notice, Recipient, action_carried_forward_notice
from domain.people import Actor, Role
from domain.values import evolve


def carry_forward_of(state: MeetingState) -> CarryForward | None:
    """What an ended meeting passes to the next one it named, or None."""
    if not state.stage.is_final or state.next_meeting_id is None:
        return None
    items, actions = items_to_carry(state), open_actions_due(state)
    if not items and not actions:
        return None
    return CarryForward(
        next_meeting_id=state.next_meeting_id,
        carried=CarriedIn(
            from_meeting_id=state.meeting_id,
            from_day=state.meeting_day,
            items=items,
            actions=actions,
        ),
    )


def carry_in(state: MeetingState, carried: CarriedIn, now: datetime) -> MeetingState:
    """The meeting with items and actions carried from another, each taken once.

    Items already on the agenda (by request) and actions already logged (by id) are
    skipped, so carrying the same thing twice changes nothing. A meeting that has
    ended takes nothing, and says so in its audit trail.
    """
    require_aware(now)
    source = carried.from_meeting_id
    items = tuple(
        i.model_copy(update={"status": "pending", "carried_from": source})
        for i in carried.items
        if state.item(i.request_ref) is None
    )
    actions = tuple(
        a.model_copy(
            update={
                "due_meeting_id": state.meeting_id,
                "carried_from": (*a.carried_from, source),
                "carried_to": None,
                "done": False,
            }
        )
        for a in carried.actions
        if state.action(a.action_id) is None
    )
    if not items and not actions:
        return state
    if state.stage.is_final:
        summary = f"Could not take business carried from {source}: the meeting has ended."
        entry = noted(state, now, "carry_in_refused", state.stage, summary)
        return evolve(state, audit=(*state.audit, entry))
    what = [i.request_ref for i in items] + [f"action '{a.action_id}'" for a in actions]
    entry = noted(
        state, now, "carry_in", state.stage, f"Carried in from {source}: {', '.join(what)}."
    )
    return evolve(
        state,
        agenda=(*state.agenda, *items),
        actions=(*state.actions, *actions),
        audit=(*state.audit, entry),
    )


def carried_forward_notices(state: MeetingState) -> tuple[Notice, ...]:
    """A notice to the chair for each open action an ended meeting flagged.

    Without a chair contact in the forum's settings the notice is addressed to the chair
    as an office, which delivery resolves to the users holding the role.
    """
    contact = state.settings.contacts.chair
    if not state.stage.is_final:
        return ()
    if contact is None:
        chair = Recipient(name="The chair", email=None, role=Role.chair)
    else:
        chair = Recipient(name=contact.name, email=contact.email, role=Role.chair)
    titles = {i.request_ref: i.title for i in state.agenda}
    return tuple(
        action_carried_forward_notice(
            request_ref=action.request_ref,
            request_title=titles.get(action.request_ref, action.request_ref),
            action_description=action.description,
            owner=action.owner,
            missed_meeting=state.meeting_day,
            next_meeting=state.next_meeting_date if action.carried_to else None,
            chair=chair,
        )
        for action in open_actions_due(state)
    )


# --- moving the requests with the meeting --------------------------------------------


def follow_move_of(
    before: MeetingState, after: MeetingState, command: MoveMeeting, actor: Actor
) -> FollowMove | None:
    """What an accepted move passes on to the requests pending on the agenda; None when
    the meeting stays on the same day or nothing is pending."""
    refs = tuple(i.request_ref for i in after.agenda if i.status == "pending")
    if before.meeting_day == after.meeting_day or not refs:
        return None
    return FollowMove(
        meeting_id=after.meeting_id,
        move_number=len(after.moved_from),
        from_day=before.meeting_day,
        to_day=after.meeting_day,
        reason=command.reason,
        actor=actor,
        request_refs=refs,
    )


def follow_report_summary(report: FollowReport) -> str:
    """The audit note of a move passed on: which requests followed, and why others did not."""
    followed = [o.request_ref for o in report.outcomes if o.followed]
    summary = f"Moved with the meeting: {', '.join(followed) or 'no request'}."
    stayed = [f"{o.request_ref} ({o.detail})" for o in report.outcomes if not o.followed]
    if stayed:
        summary += f" Did not follow: {'; '.join(stayed)}."
    return summary


FORUMFLOW_FOR_THE_CHAIR = Actor(user_id=SYSTEM_ID, name=SYSTEM_ID, roles=frozenset({Role.chair}))
"""Who carries unreached requests to the next meeting: forumflow, on the chair's authority
(the chair named the next meeting when closing this one)."""


def follow_carried_of(
    before: MeetingState, after: MeetingState, carried: CarriedIn
) -> FollowMove | None:
    """The requests carried in unreached, to follow this meeting from the day they were
    tabled for; None when none was taken or the days are the same."""
    refs = tuple(
        i.request_ref
        for i in after.agenda
        if before.item(i.request_ref) is None and i.carried_from == carried.from_meeting_id
    )
    if not refs or carried.from_day is None or carried.from_day == after.meeting_day:
        return None
    return FollowMove(
        meeting_id=after.meeting_id,
        move_number=1,
        from_day=carried.from_day,
        to_day=after.meeting_day,
        reason=f"Not reached at {carried.from_meeting_id}; carried forward to {after.meeting_id}.",
        actor=FORUMFLOW_FOR_THE_CHAIR,
        request_refs=refs,
        from_meeting_id=carried.from_meeting_id,
    )


def leave_agenda_of(
    before: MeetingState, after: MeetingState, command: MeetingCommand, actor: Actor
) -> LeaveAgendaMessage | None:
    """The requests an accepted removal or cancellation takes off the agenda, to be sent
    back to option listing; None for any other command."""
    if isinstance(command, RemoveItem):
        refs: tuple[str, ...] = (command.request_ref,)
        reason = f"Removed from the agenda of {after.meeting_id}: {command.reason}"
    elif isinstance(command, CancelMeeting):
        refs = tuple(i.request_ref for i in before.agenda if i.status == "pending")
        reason = f"{after.meeting_id} was cancelled: {command.reason}"
    else:
        return None
    if not refs:
        return None
    return LeaveAgendaMessage(
        meeting_id=after.meeting_id,
        sequence=len(before.audit),
        reason=reason,
        actor=actor,
        request_refs=refs,
    )
