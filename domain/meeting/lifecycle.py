r"""The state machine of a meeting: who may take which transition, from where.

``apply(state, command, actor, now)`` is the only way a meeting changes at someone's
request. It runs the machine every aggregate shares (``domain.machine``) on this
module's tables: the actor holds a role the transition needs (RoleNotPermitted), the
meeting is in a stage the transition starts from (TransitionNotAllowedInStage), then
the rules of the step itself (``domain.meeting.steps``); one audit entry is appended,
and when the meeting ends, one more per open action flagged to the chair. Calling it
and discarding the result is how a workflow's Update validator refuses a command before
anything is written. What the clock does is in ``domain.meeting.clock``.

The stages (closed and cancelled are final)::

    scheduled --open_meeting--> in_session --close_meeting--> closed
        |   \--(end of the meeting day, never opened: not held)---^
        +--cancel_meeting--> cancelled
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from domain.audit import AuditEntry
from domain.calendar import format_uk_date, require_aware, to_london
from domain.forum import ForumSettings
from domain.machine import Lifecycle
from domain.meeting.carry import carry_in
from domain.meeting.clock import flag_open_actions, noted
from domain.meeting.commands import COMMAND_TRANSITION, MeetingCommand, MeetingTransition
from domain.meeting.models import (
    AgendaItem,
    CarriedIn,
    MeetingAction,
    MeetingAgenda,
    MeetingStage,
    MeetingState,
)
from domain.meeting.steps import run_step
from domain.people import Actor, Membership, Role
from domain.values import evolve

_T = MeetingTransition
_S = MeetingStage
_CHAIR = frozenset({Role.chair})
_CLERK = frozenset({Role.clerk})
_CLERK_OR_CHAIR = frozenset({Role.clerk, Role.chair})
_BEFORE = frozenset({_S.scheduled})
_OPEN = frozenset({_S.scheduled, _S.in_session})
_SITTING = frozenset({_S.in_session})

PERMISSIONS: Mapping[MeetingTransition, frozenset[Role]] = MappingProxyType(
    {
        _T.add_item: _CHAIR,
        _T.remove_item: _CHAIR,
        _T.move_meeting: _CHAIR,
        _T.record_attendance: _CLERK,
        _T.open_meeting: _CHAIR,
        _T.mark_item: _CLERK,
        _T.add_action: _CLERK,
        _T.complete_action: frozenset({Role.clerk, Role.officer}),
        _T.confirm_previous_minutes: _CHAIR,
        _T.close_meeting: _CHAIR,
        _T.cancel_meeting: _CHAIR,
        _T.order_item: _CLERK_OR_CHAIR,
        _T.publish_agenda: _CLERK_OR_CHAIR,
    }
)
"""The roles that may take each transition."""

FROM_STAGES: Mapping[MeetingTransition, frozenset[MeetingStage]] = MappingProxyType(
    {
        _T.add_item: _OPEN,
        _T.remove_item: _BEFORE,
        _T.move_meeting: _BEFORE,
        _T.record_attendance: _OPEN,
        _T.open_meeting: _BEFORE,
        _T.mark_item: _SITTING,
        _T.add_action: _OPEN,
        _T.complete_action: _OPEN,
        _T.confirm_previous_minutes: _SITTING,
        _T.close_meeting: _SITTING,
        _T.cancel_meeting: _BEFORE,
        _T.order_item: _OPEN,
        _T.publish_agenda: _OPEN,
    }
)
"""The stages each transition can be taken from."""

DOING: Mapping[MeetingTransition, str] = MappingProxyType(
    {
        _T.add_item: "add an item to the agenda of",
        _T.remove_item: "remove an item from the agenda of",
        _T.move_meeting: "move",
        _T.record_attendance: "record attendance at",
        _T.open_meeting: "open",
        _T.mark_item: "mark an agenda item of",
        _T.add_action: "add an action to the action log of",
        _T.complete_action: "complete an action of",
        _T.confirm_previous_minutes: "confirm the previous minutes at",
        _T.close_meeting: "close",
        _T.cancel_meeting: "cancel",
        _T.order_item: "reorder the agenda of",
        _T.publish_agenda: "publish the agenda of",
    }
)
"""Each transition worded to follow "Cannot " and precede the meeting's id."""

_LIFECYCLE: Lifecycle[MeetingState, MeetingCommand, MeetingTransition, MeetingStage] = Lifecycle(
    noun="meeting",
    entry=AuditEntry[MeetingStage],
    command_transition=COMMAND_TRANSITION,
    permissions=PERMISSIONS,
    from_stages=FROM_STAGES,
    doing=DOING,
    subject=lambda state: state.meeting_id,
    run_step=run_step,
)


def transition_of(command: MeetingCommand) -> MeetingTransition:
    """The transition ``command`` asks for."""
    return _LIFECYCLE.transition_of(command)


def apply(
    state: MeetingState, command: MeetingCommand, actor: Actor, now: datetime
) -> MeetingState:
    """The meeting after ``actor`` gives ``command`` at ``now``, or a RuleViolation.

    Role first, then stage, then the step's rules; one audit entry is appended (and,
    when the meeting ends, one more per open action flagged to the chair).
    """
    after = _LIFECYCLE.apply(state, command, actor, now)
    return flag_open_actions(after, now) if after.stage.is_final else after


def allowed_transitions(
    state: MeetingState, roles: Iterable[Role]
) -> tuple[MeetingTransition, ...]:
    """The transitions ``roles`` may take now, judged by role and stage only."""
    return _LIFECYCLE.allowed(state, roles)


def new_meeting(
    meeting_id: str,
    starts_at: datetime,
    location: str,
    membership: Membership,
    settings: ForumSettings,
    previous_meeting_id: str | None,
    now: datetime,
    carried_items: tuple[AgendaItem, ...] = (),
    carried_actions: tuple[MeetingAction, ...] = (),
    *,
    recorded_after_the_event: bool = False,
) -> MeetingState:
    """A scheduled meeting, with what an earlier meeting carried to it.

    ``recorded_after_the_event``: a meeting already held, entered so that its decisions
    are on the record; the clock neither closes its papers nor records it as not held.
    """
    require_aware(now)
    state = MeetingState(
        meeting_id=meeting_id,
        starts_at=to_london(starts_at),
        location=location,
        membership=membership,
        settings=settings,
        previous_meeting_id=previous_meeting_id,
        recorded_after_the_event=recorded_after_the_event,
    )
    entry = noted(
        state,
        now,
        "schedule",
        _S.scheduled,
        (
            f"Entered {meeting_id}, held on {format_uk_date(state.meeting_day)} at "
            f"{location}, into the record after the event."
            if recorded_after_the_event
            else f"Scheduled {meeting_id} for {format_uk_date(state.meeting_day)} at "
            f"{location}; papers by {format_uk_date(state.papers_deadline)}."
        ),
    )
    state = evolve(state, audit=(entry,))
    if carried_items or carried_actions:
        source = previous_meeting_id
        if source is None:
            raise ValueError("carried items or actions need the previous_meeting_id")
        state = carry_in(
            state,
            CarriedIn(from_meeting_id=source, items=carried_items, actions=carried_actions),
            now,
        )
    return state


def agenda_of(state: MeetingState) -> MeetingAgenda:
    """The meeting's agenda as published."""
    return MeetingAgenda(
        meeting_id=state.meeting_id,
        starts_at=state.starts_at,
        location=state.location,
        stage=state.stage,
        papers_deadline=state.papers_deadline,
        papers_closed=state.papers_closed_at is not None,
        items=state.agenda,
        actions=tuple(
            a for a in state.actions if not a.done and a.due_meeting_id == state.meeting_id
        ),
        published_at=state.published_at,
    )
