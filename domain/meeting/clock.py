"""What forumflow itself does to a meeting, with no one asking: the clock and the flags.

The clock's effects are pure functions: :func:`on_clock` closes the papers at the papers
deadline (5pm London on the last publication day) and records a meeting that was never
opened by the end of its day as not held; :func:`next_clock_instant` says when the next
of those is due, so a workflow can sleep until then. Whenever a meeting ends, every open
action due at it is flagged to the chair (:func:`flag_open_actions`). Each is recorded
in the audit trail as forumflow's, with no role.
"""

from __future__ import annotations

from datetime import datetime

from domain.audit import AuditEntry
from domain.calendar import format_uk_date, require_aware
from domain.meeting.models import MeetingStage, MeetingState
from domain.meeting.rules import unreached
from domain.values import evolve


def noted(
    state: MeetingState, now: datetime, transition: str, to: MeetingStage, summary: str
) -> AuditEntry[MeetingStage]:
    """An audit entry for what forumflow did to ``state`` at ``now``, ending at stage ``to``."""
    return AuditEntry[MeetingStage].by_forumflow(now, transition, state.stage, to, summary)


def with_note(state: MeetingState, now: datetime, transition: str, summary: str) -> MeetingState:
    """The meeting with one more audit entry from forumflow itself (e.g. a notice sent)."""
    require_aware(now)
    entry = noted(state, now, transition, state.stage, summary)
    return evolve(state, audit=(*state.audit, entry))


def next_clock_instant(state: MeetingState) -> datetime | None:
    """When the clock next changes the meeting (papers close, or not held), or None."""
    if state.recorded_after_the_event:
        return None
    instants = []
    if state.papers_closed_at is None and not state.stage.is_final:
        instants.append(state.papers_close_at)
    if state.stage is MeetingStage.scheduled:
        instants.append(state.not_held_after)
    return min(instants, default=None)


def on_clock(state: MeetingState, now: datetime) -> MeetingState:
    """The meeting once the clock reads ``now``: papers closed, or the meeting not held."""
    require_aware(now)
    if state.recorded_after_the_event:
        return state
    if state.papers_closed_at is None and not state.stage.is_final and now >= state.papers_close_at:
        entry = noted(
            state,
            now,
            "close_papers",
            state.stage,
            f"Papers closed at 5pm on {format_uk_date(state.papers_deadline)}; later items "
            "need the chair's reason.",
        )
        state = evolve(state, papers_closed_at=state.papers_close_at, audit=(*state.audit, entry))
    if state.stage is MeetingStage.scheduled and now >= state.not_held_after:
        entry = noted(
            state,
            now,
            "not_held",
            MeetingStage.closed,
            f"{state.meeting_id} was not opened on {format_uk_date(state.meeting_day)}: "
            "recorded as not held; every item is not reached.",
        )
        state = evolve(
            state,
            stage=MeetingStage.closed,
            ended_at=now,
            agenda=unreached(state),
            audit=(*state.audit, entry),
        )
        state = flag_open_actions(state, now)
    return state


def flag_open_actions(state: MeetingState, now: datetime) -> MeetingState:
    """Carry the open actions due here to the next meeting, and note each flag to the chair."""
    chair = state.settings.contacts.chair
    entries = []
    actions = list(state.actions)
    for index, action in enumerate(actions):
        if action.done or action.due_meeting_id != state.meeting_id:
            continue
        actions[index] = action.model_copy(update={"carried_to": state.next_meeting_id})
        where = (
            f"carried forward to {state.next_meeting_id}"
            if state.next_meeting_id
            else "no next meeting is named, so it is not carried forward"
        )
        told = (
            f"flagged to the chair, {chair.name} ({chair.email})"
            if chair
            else "flagged to the chair"
        )
        entries.append(
            noted(
                state,
                now,
                "flag_action",
                state.stage,
                f"Action '{action.action_id}' on {action.request_ref} ({action.owner}) was not "
                f"done by {state.meeting_id}; {where}; {told}.",
            )
        )
    return evolve(state, actions=tuple(actions), audit=(*state.audit, *entries))
