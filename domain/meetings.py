r"""One meeting of the forum: its agenda, attendance, action log and what it carries forward.

Pure like the rest of ``domain``: no Temporal, no clock (``now`` is always a parameter),
no I/O. ``apply_meeting(state, command, actor, now)`` is the only way a meeting changes
at someone's request; it checks, in this order, the actor's role (RoleNotPermitted), the
meeting's stage (TransitionNotAllowedInStage) and then the step's own rules, and appends
one audit entry. Calling it and discarding the result is how a workflow's Update
validator refuses a command before anything is written.

The clock's own effects are pure functions too: :func:`on_clock` closes the papers at
the papers deadline (5pm London on the last publication day) and records a meeting
that was never opened by the end of its day as not held; :func:`next_clock_instant`
says when the next of those is due, so a workflow can sleep until then.

The stages (closed and cancelled are final)::

    scheduled --open_meeting--> in_session --close_meeting--> closed
        |   \--(end of the meeting day, never opened: not held)---^
        +--cancel_meeting--> cancelled

When a meeting moves to another day, every request pending on its agenda is told to
follow it (:func:`follow_move_of`), so the request's own papers deadline moves too.

Whenever a meeting ends (closed, not held or cancelled), agenda items still pending
become ``not_reached`` and every open action due at it is flagged to the chair and,
when the chair named the next meeting, carried forward to it (:func:`carry_forward_of`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from domain.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    LONDON,
    format_uk_date,
    papers_deadline,
    to_london,
)
from domain.deadlines import at_close_of_business
from domain.errors import (
    InquorateMeeting,
    NotAMember,
    RoleNotPermitted,
    RuleViolation,
    TransitionNotAllowedInStage,
)
from domain.models import (
    Actor,
    DomainModel,
    ForumSettings,
    Membership,
    Reference,
    Role,
    Summary,
    Text,
    quote_ids,
    require_aware,
    roles_text,
)
from domain.notices import Notice, Recipient, action_carried_forward_notice
from domain.voting import is_quorate, quorum_required

MeetingId = Annotated[str, Field(pattern=r"^meeting-[a-z0-9][a-z0-9-]{1,60}$")]
"""A meeting's id, which is also its workflow id, e.g. "meeting-2018-07-04"."""

ItemStatus = Literal["pending", "decided", "deferred", "not_reached", "withdrawn"]

SYSTEM_ID = "forumflow"
"""The actor id the audit records for what the clock (not a person) did."""

# A meeting not opened by this London wall time on its day was not held.
NOT_HELD_AFTER = time(23, 59)

_ID_DATE = re.compile(r"^meeting-(\d{4})-(\d{2})-(\d{2})")


# --- refusals ------------------------------------------------------------------------


class PapersDeadlinePassed(RuleViolation):
    """An item added after the papers deadline without the chair's reason for a late item."""

    rule = "agenda-papers-deadline-passed"


class DuplicateAgendaItem(RuleViolation):
    """The request is already on this meeting's agenda."""

    rule = "agenda-duplicate-item"


class UnknownAgendaItem(RuleViolation):
    """The request named is not on this meeting's agenda."""

    rule = "agenda-unknown-item"


class MeetingMovedIntoPast(RuleViolation):
    """A meeting can only be moved to a time that has not yet come."""

    rule = "meeting-move-into-past"


class MeetingTimeUnchanged(RuleViolation):
    """A move must change the meeting's start time."""

    rule = "meeting-move-same-time"


class DuplicateMeetingAction(RuleViolation):
    """An action with this action_id is already in the meeting's action log."""

    rule = "action-duplicate"


class UnknownMeetingAction(RuleViolation):
    """The action named is not in this meeting's action log."""

    rule = "action-unknown"


class ActionAlreadyDone(RuleViolation):
    """The action was already recorded as done."""

    rule = "action-already-done"


class NoPreviousMeeting(RuleViolation):
    """There are no previous minutes to confirm: the meeting has no previous meeting."""

    rule = "minutes-no-previous-meeting"


class PreviousMinutesAlreadyConfirmed(RuleViolation):
    """The previous meeting's minutes were confirmed earlier at this meeting."""

    rule = "minutes-already-confirmed"


class NextMeetingInvalid(RuleViolation):
    """The next meeting named on closing is this meeting, or is not after it."""

    rule = "next-meeting-invalid"


# --- values --------------------------------------------------------------------------


class MeetingStage(StrEnum):
    """Where a meeting is; closed and cancelled are final."""

    scheduled = "scheduled"
    in_session = "in_session"
    closed = "closed"
    cancelled = "cancelled"

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen at the meeting."""
        return self in (MeetingStage.closed, MeetingStage.cancelled)


class AgendaItem(DomainModel):
    """One request on the agenda; a late item carries the chair's reason for taking it."""

    request_ref: Reference
    title: Text
    tabled_at: AwareDatetime
    late: bool = False
    late_reason: str | None = None
    status: ItemStatus = "pending"
    carried_from: MeetingId | None = Field(
        default=None, description="the meeting that did not reach it and carried it here"
    )

    @model_validator(mode="after")
    def _late_with_reason(self) -> Self:
        if self.late != bool((self.late_reason or "").strip()):
            raise ValueError("late_reason: a late item has the chair's reason, and only it")
        return self


class MeetingAction(DomainModel):
    """One entry in the action log: something owed to this meeting, and where it went."""

    action_id: Text
    request_ref: Reference
    description: Text
    owner: Text
    due_meeting_id: MeetingId
    done: bool = False
    carried_from: tuple[MeetingId, ...] = Field(
        default=(), description="earlier meetings it was due at, oldest first"
    )
    carried_to: MeetingId | None = Field(
        default=None, description="the meeting it was carried forward to when still open"
    )


class MeetingAuditEntry(DomainModel):
    """One accepted change to a meeting: who (None as role: forumflow's clock), when, what."""

    at: AwareDatetime
    actor_id: Text
    actor_name: Text
    role: Role | None
    transition: Text
    from_stage: MeetingStage | None
    to_stage: MeetingStage
    summary: Summary
    reason: str | None = None


def _repeated(values: Iterable[str]) -> list[str]:
    listed = list(values)
    return sorted({v for v in listed if listed.count(v) > 1})


class MeetingState(DomainModel):
    """Everything known about one meeting; the validator holds what each stage relies on."""

    meeting_id: MeetingId
    starts_at: AwareDatetime
    location: Text
    stage: MeetingStage = MeetingStage.scheduled
    membership: Membership
    settings: ForumSettings = ForumSettings()
    agenda: tuple[AgendaItem, ...] = ()
    present_member_ids: tuple[Text, ...] = ()
    previous_meeting_id: MeetingId | None = None
    previous_minutes_confirmed_at: AwareDatetime | None = None
    next_meeting_id: MeetingId | None = None
    next_meeting_date: date | None = None
    actions: tuple[MeetingAction, ...] = ()
    audit: tuple[MeetingAuditEntry, ...] = ()
    moved_from: tuple[AwareDatetime, ...] = ()
    papers_closed_at: AwareDatetime | None = None
    opened_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _invariants(self) -> Self:
        for values, what in (
            ((i.request_ref for i in self.agenda), "agenda: request_ref"),
            ((a.action_id for a in self.actions), "actions: action_id"),
            (self.present_member_ids, "present_member_ids"),
        ):
            if repeated := _repeated(values):
                raise ValueError(f"{what} must be unique; repeated: {', '.join(repeated)}")
        if self.previous_minutes_confirmed_at and self.previous_meeting_id is None:
            raise ValueError("previous_minutes_confirmed_at: there is no previous meeting")
        if self.stage.is_final and any(i.status == "pending" for i in self.agenda):
            raise ValueError(f"agenda: a {self.stage} meeting has no pending items")
        if self.stage is MeetingStage.in_session and self.opened_at is None:
            raise ValueError("opened_at: a meeting in session was opened")
        return self

    @property
    def meeting_day(self) -> date:
        """The day of the meeting on the London calendar."""
        return to_london(self.starts_at).date()

    @property
    def papers_deadline(self) -> date:
        """The last working day the papers can be published for this meeting."""
        return papers_deadline(self.meeting_day, self.settings.papers_clear_working_days)

    @property
    def papers_close_at(self) -> datetime:
        """The instant the papers close: 5pm London time on the papers deadline."""
        return at_close_of_business(self.papers_deadline)

    @property
    def not_held_after(self) -> datetime:
        """If not opened by this instant (23:59 London on the day), the meeting was not held."""
        return datetime.combine(self.meeting_day, NOT_HELD_AFTER, tzinfo=LONDON)

    @property
    def quorum_required(self) -> int:
        """Members who must be present for the meeting to open."""
        s = self.settings
        return quorum_required(self.membership.total, s.quorum_numerator, s.quorum_denominator)

    @property
    def held(self) -> bool:
        """Whether the meeting was opened."""
        return self.opened_at is not None

    def item(self, request_ref: str) -> AgendaItem | None:
        """The agenda item for that request, or None."""
        return next((i for i in self.agenda if i.request_ref == request_ref), None)

    def action(self, action_id: str) -> MeetingAction | None:
        """The action with that id, or None."""
        return next((a for a in self.actions if a.action_id == action_id), None)


class CarriedIn(DomainModel):
    """Agenda items and open actions a meeting passes on to the next one."""

    from_meeting_id: MeetingId
    items: tuple[AgendaItem, ...] = ()
    actions: tuple[MeetingAction, ...] = ()


class CarryForward(DomainModel):
    """What to carry, and which meeting to carry it to."""

    next_meeting_id: MeetingId
    carried: CarriedIn


class FollowMove(DomainModel):
    """A move to pass on: each request on the agenda is asked to follow the meeting."""

    meeting_id: MeetingId
    move_number: int = Field(ge=1, description="1 for the meeting's first move, and so on")
    from_day: date
    to_day: date
    reason: Text
    actor: Actor = Field(description="who moved the meeting: the requests record it as theirs")
    request_refs: tuple[Reference, ...] = Field(min_length=1)

    def idempotency_key(self, request_ref: str) -> str:
        """The update id for one request, the same on every retry of this move."""
        return f"{self.meeting_id}/move/{self.move_number}/{request_ref}"


class FollowOutcome(DomainModel):
    """What one request on the agenda did with a move."""

    request_ref: Reference
    followed: bool
    detail: Text


class FollowReport(DomainModel):
    """What each request on the agenda did with a move."""

    outcomes: tuple[FollowOutcome, ...]


class MeetingAgenda(DomainModel):
    """The agenda as published: when and where, the papers deadline, and the items."""

    meeting_id: MeetingId
    starts_at: AwareDatetime
    location: Text
    stage: MeetingStage
    papers_deadline: date
    papers_closed: bool
    items: tuple[AgendaItem, ...]


# --- commands ------------------------------------------------------------------------


class MeetingTransition(StrEnum):
    """Every change people can make to a meeting, named as the audit records it."""

    add_item = "add_item"
    remove_item = "remove_item"
    move_meeting = "move_meeting"
    record_attendance = "record_attendance"
    open_meeting = "open_meeting"
    mark_item = "mark_item"
    add_action = "add_action"
    complete_action = "complete_action"
    confirm_previous_minutes = "confirm_previous_minutes"
    close_meeting = "close_meeting"
    cancel_meeting = "cancel_meeting"


class MeetingCommand(DomainModel):
    """Base of every meeting command; each has a ``kind`` naming its transition."""


class AddItem(MeetingCommand):
    """The chair puts a request on the agenda; after the papers deadline only with a reason."""

    kind: Literal["add_item"] = "add_item"
    request_ref: Reference
    title: Text
    late_reason: Text | None = None


class RemoveItem(MeetingCommand):
    """The chair takes a request off the agenda before the meeting."""

    kind: Literal["remove_item"] = "remove_item"
    request_ref: Reference
    reason: Text


def _within_calendar(moment: datetime) -> datetime:
    # The papers deadline counts working days back over the bank holiday calendar, which
    # spans these years; a meeting outside them would fail every workflow task.
    year = to_london(moment).year
    if not DEFAULT_FIRST_YEAR < year < DEFAULT_LAST_YEAR:
        raise ValueError(
            f"the working-day calendar covers meetings from {DEFAULT_FIRST_YEAR + 1} to "
            f"{DEFAULT_LAST_YEAR - 1}, not {year}"
        )
    return moment


CalendarMoment = Annotated[AwareDatetime, AfterValidator(_within_calendar)]
"""An instant in a year the working-day calendar covers."""


class MoveMeeting(MeetingCommand):
    """The chair moves the meeting to another time (its id stays the same)."""

    kind: Literal["move_meeting"] = "move_meeting"
    new_starts_at: CalendarMoment
    reason: Text


class RecordMeetingAttendance(MeetingCommand):
    """The clerk records who is present; replaces any earlier attendance."""

    kind: Literal["record_attendance"] = "record_attendance"
    present_member_ids: tuple[Text, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if _repeated(self.present_member_ids):
            raise ValueError("present_member_ids: a member is listed more than once")
        return self


class OpenMeeting(MeetingCommand):
    """The chair opens a quorate meeting."""

    kind: Literal["open_meeting"] = "open_meeting"


class MarkItem(MeetingCommand):
    """The clerk records what became of an agenda item."""

    kind: Literal["mark_item"] = "mark_item"
    request_ref: Reference
    status: ItemStatus


class AddAction(MeetingCommand):
    """The clerk logs an action due at this meeting (from a minute, or carried forward)."""

    kind: Literal["add_action"] = "add_action"
    action_id: Text
    request_ref: Reference
    description: Text
    owner: Text
    carried_from: tuple[MeetingId, ...] = ()


class CompleteAction(MeetingCommand):
    """The action was done."""

    kind: Literal["complete_action"] = "complete_action"
    action_id: Text


class ConfirmPreviousMinutes(MeetingCommand):
    """The chair confirms the previous meeting's minutes at this one."""

    kind: Literal["confirm_previous_minutes"] = "confirm_previous_minutes"


class CloseMeeting(MeetingCommand):
    """The chair closes the meeting, naming the next one to carry unfinished business to.

    ``next_meeting_date`` is the next meeting's day for the notices; when omitted, the
    date in a "meeting-YYYY-MM-DD..." id is used.
    """

    kind: Literal["close_meeting"] = "close_meeting"
    next_meeting_id: MeetingId | None = None
    next_meeting_date: date | None = None

    @model_validator(mode="after")
    def _date_with_id(self) -> Self:
        if self.next_meeting_date is not None and self.next_meeting_id is None:
            raise ValueError("next_meeting_date: give it with the next_meeting_id")
        return self


class CancelMeeting(MeetingCommand):
    """The chair cancels a meeting that has not opened."""

    kind: Literal["cancel_meeting"] = "cancel_meeting"
    reason: Text


AnyMeetingCommand = Annotated[
    AddItem
    | RemoveItem
    | MoveMeeting
    | RecordMeetingAttendance
    | OpenMeeting
    | MarkItem
    | AddAction
    | CompleteAction
    | ConfirmPreviousMinutes
    | CloseMeeting
    | CancelMeeting,
    Field(discriminator="kind"),
]
"""Any meeting command, told apart by its ``kind``."""

_T = MeetingTransition
_S = MeetingStage
_CHAIR = frozenset({Role.chair})
_CLERK = frozenset({Role.clerk})
_BEFORE = frozenset({_S.scheduled})
_OPEN = frozenset({_S.scheduled, _S.in_session})
_SITTING = frozenset({_S.in_session})

MEETING_RULES: Mapping[MeetingTransition, tuple[frozenset[Role], frozenset[MeetingStage], str]] = (
    MappingProxyType(
        {
            _T.add_item: (_CHAIR, _OPEN, "add an item to the agenda of"),
            _T.remove_item: (_CHAIR, _BEFORE, "remove an item from the agenda of"),
            _T.move_meeting: (_CHAIR, _BEFORE, "move"),
            _T.record_attendance: (_CLERK, _OPEN, "record attendance at"),
            _T.open_meeting: (_CHAIR, _BEFORE, "open"),
            _T.mark_item: (_CLERK, _SITTING, "mark an agenda item of"),
            _T.add_action: (_CLERK, _OPEN, "add an action to the action log of"),
            _T.complete_action: (
                frozenset({Role.clerk, Role.officer}),
                _OPEN,
                "complete an action of",
            ),
            _T.confirm_previous_minutes: (_CHAIR, _SITTING, "confirm the previous minutes at"),
            _T.close_meeting: (_CHAIR, _SITTING, "close"),
            _T.cancel_meeting: (_CHAIR, _BEFORE, "cancel"),
        }
    )
)
"""For each transition: the roles that may take it, the stages it starts from, and how
a refusal words it ("Cannot <doing> <meeting id>")."""


MEETING_COMMAND_TRANSITION: Mapping[type[MeetingCommand], MeetingTransition] = MappingProxyType(
    {
        AddItem: _T.add_item,
        RemoveItem: _T.remove_item,
        MoveMeeting: _T.move_meeting,
        RecordMeetingAttendance: _T.record_attendance,
        OpenMeeting: _T.open_meeting,
        MarkItem: _T.mark_item,
        AddAction: _T.add_action,
        CompleteAction: _T.complete_action,
        ConfirmPreviousMinutes: _T.confirm_previous_minutes,
        CloseMeeting: _T.close_meeting,
        CancelMeeting: _T.cancel_meeting,
    }
)
"""Which transition each command asks for."""


def transition_of(command: MeetingCommand) -> MeetingTransition:
    """The transition ``command`` asks for."""
    try:
        return MEETING_COMMAND_TRANSITION[type(command)]
    except KeyError:
        raise TypeError(f"{type(command).__name__} is not a meeting command") from None


# --- the state machine ---------------------------------------------------------------


class _Step(NamedTuple):
    changes: dict[str, Any]
    summary: str
    reason: str | None = None


def _evolve(state: MeetingState, **changes: Any) -> MeetingState:
    return MeetingState.model_validate({**dict(state), **changes})


def _system_entry(
    state: MeetingState, now: datetime, transition: str, to: MeetingStage, summary: str
) -> MeetingAuditEntry:
    return MeetingAuditEntry(
        at=now,
        actor_id=SYSTEM_ID,
        actor_name=SYSTEM_ID,
        role=None,
        transition=transition,
        from_stage=state.stage,
        to_stage=to,
        summary=summary,
    )


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
) -> MeetingState:
    """A scheduled meeting, with what an earlier meeting carried to it."""
    require_aware(now)
    state = MeetingState(
        meeting_id=meeting_id,
        starts_at=to_london(starts_at),
        location=location,
        membership=membership,
        settings=settings,
        previous_meeting_id=previous_meeting_id,
    )
    entry = _system_entry(
        state,
        now,
        "schedule",
        _S.scheduled,
        f"Scheduled {meeting_id} for {format_uk_date(state.meeting_day)} at {location}; "
        f"papers by {format_uk_date(state.papers_deadline)}.",
    )
    state = _evolve(state, audit=(entry,))
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


def apply_meeting(
    state: MeetingState, command: MeetingCommand, actor: Actor, now: datetime
) -> MeetingState:
    """The meeting after ``actor`` gives ``command`` at ``now``, or a RuleViolation.

    Role first, then stage, then the step's rules; one audit entry is appended (and,
    when the meeting ends, one more per open action flagged to the chair).
    """
    require_aware(now)
    transition = transition_of(command)
    roles, stages, doing = MEETING_RULES[transition]
    role = next((r for r in Role if r in roles and r in actor.roles), None)
    if role is None:
        raise RoleNotPermitted(
            f"Cannot {doing} {state.meeting_id}: that needs {roles_text(roles)}, and "
            f"{actor.name} ({actor.user_id}) holds {roles_text(actor.roles)} (actor.roles).",
            field="actor.roles",
        )
    if state.stage not in stages:
        raise TransitionNotAllowedInStage(
            f"Cannot {doing} {state.meeting_id}: it is at stage '{state.stage}', and that is "
            f"only possible at stage {' or '.join(repr(str(s)) for s in _S if s in stages)} "
            "(stage).",
            field="stage",
        )
    step = _run_step(state, command, now)
    after = _evolve(state, **step.changes)
    entry = MeetingAuditEntry(
        at=now,
        actor_id=actor.user_id,
        actor_name=actor.name,
        role=role,
        transition=transition.value,
        from_stage=state.stage,
        to_stage=after.stage,
        summary=step.summary,
        reason=step.reason,
    )
    after = _evolve(after, audit=(*state.audit, entry))
    if after.stage.is_final:
        after = _flag_open_actions(after, now)
    return after


def _run_step(state: MeetingState, command: MeetingCommand, now: datetime) -> _Step:
    match command:
        case AddItem():
            return _add_item(state, command, now)
        case RemoveItem():
            _require_item(state, command.request_ref)
            items = tuple(i for i in state.agenda if i.request_ref != command.request_ref)
            return _Step(
                {"agenda": items}, f"Removed {command.request_ref} from the agenda.", command.reason
            )
        case MoveMeeting():
            return _move(state, command, now)
        case RecordMeetingAttendance():
            return _record_attendance(state, command)
        case OpenMeeting():
            return _open(state, now)
        case MarkItem():
            item = _require_item(state, command.request_ref)
            items = _replace_item(state, item.model_copy(update={"status": command.status}))
            return _Step({"agenda": items}, f"Marked {item.request_ref} {command.status}.")
        case AddAction():
            return _add_action(state, command)
        case CompleteAction():
            return _complete_action(state, command)
        case ConfirmPreviousMinutes():
            return _confirm_previous(state, now)
        case CloseMeeting():
            return _close(state, command, now)
        case CancelMeeting():
            changes = {"stage": _S.cancelled, "ended_at": now, "agenda": _unreached(state)}
            return _Step(changes, f"Cancelled {state.meeting_id}.", command.reason)
    raise TypeError(f"no step for meeting command {type(command).__name__}")


def _require_item(state: MeetingState, request_ref: str) -> AgendaItem:
    item = state.item(request_ref)
    if item is None:
        raise UnknownAgendaItem(
            f"{request_ref} is not on the agenda of {state.meeting_id} (request_ref); the "
            f"agenda has {quote_ids(i.request_ref for i in state.agenda) or 'no items'}.",
            field="request_ref",
        )
    return item


def _replace_item(state: MeetingState, item: AgendaItem) -> tuple[AgendaItem, ...]:
    return tuple(item if i.request_ref == item.request_ref else i for i in state.agenda)


def _unreached(state: MeetingState) -> tuple[AgendaItem, ...]:
    return tuple(
        i.model_copy(update={"status": "not_reached"}) if i.status == "pending" else i
        for i in state.agenda
    )


def _add_item(state: MeetingState, command: AddItem, now: datetime) -> _Step:
    if state.item(command.request_ref) is not None:
        raise DuplicateAgendaItem(
            f"Cannot add {command.request_ref} to the agenda of {state.meeting_id}: it is "
            "already on it (request_ref).",
            field="request_ref",
        )
    late = now >= state.papers_close_at
    if late and command.late_reason is None:
        raise PapersDeadlinePassed(
            f"Cannot add {command.request_ref} to the agenda of {state.meeting_id}: the "
            f"papers deadline was 5pm on {format_uk_date(state.papers_deadline)} "
            f"({state.settings.papers_clear_working_days} clear working days before the "
            f"meeting on {format_uk_date(state.meeting_day)}). A late item needs the chair's "
            "reason for taking it (late_reason).",
            field="late_reason",
        )
    item = AgendaItem(
        request_ref=command.request_ref,
        title=command.title,
        tabled_at=now,
        late=late,
        late_reason=command.late_reason if late else None,
    )
    summary = f"Added {item.request_ref} ({item.title}) to the agenda"
    summary += " as a late item." if late else "."
    return _Step({"agenda": (*state.agenda, item)}, summary, item.late_reason)


def _move(state: MeetingState, command: MoveMeeting, now: datetime) -> _Step:
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
    moved = _evolve(state, starts_at=new)
    papers_open = now < moved.papers_close_at
    changes = {
        "starts_at": new,
        "moved_from": (*state.moved_from, state.starts_at),
        "papers_closed_at": None if papers_open else state.papers_closed_at,
    }
    summary = (
        f"Moved {state.meeting_id} from {format_uk_date(state.meeting_day)} to "
        f"{format_uk_date(moved.meeting_day)} {new:%H:%M}; papers now due by 5pm on "
        f"{format_uk_date(moved.papers_deadline)}."
    )
    return _Step(changes, summary, command.reason)


def _record_attendance(state: MeetingState, command: RecordMeetingAttendance) -> _Step:
    strangers = [i for i in command.present_member_ids if state.membership.get(i) is None]
    if strangers:
        raise NotAMember(
            f"Cannot record attendance at {state.meeting_id}: {quote_ids(strangers)} "
            "not on the forum's membership (present_member_ids).",
            field="present_member_ids",
        )
    present = len(command.present_member_ids)
    return _Step(
        {"present_member_ids": command.present_member_ids},
        f"Recorded {present} of {state.membership.total} members present "
        f"(quorum {state.quorum_required}).",
    )


def _open(state: MeetingState, now: datetime) -> _Step:
    s = state.settings
    if not is_quorate(
        state.membership, state.present_member_ids, s.quorum_numerator, s.quorum_denominator
    ):
        raise InquorateMeeting(
            f"Cannot open {state.meeting_id}: {len(state.present_member_ids)} of "
            f"{state.membership.total} members are recorded present, and the quorum is "
            f"{state.quorum_required} ({s.quorum_numerator}/{s.quorum_denominator} of the "
            "membership, rounded up) (present_member_ids). An inquorate meeting cannot decide.",
            field="present_member_ids",
        )
    return _Step(
        {"stage": _S.in_session, "opened_at": now},
        f"Opened {state.meeting_id} with {len(state.present_member_ids)} members present.",
    )


def _add_action(state: MeetingState, command: AddAction) -> _Step:
    if state.action(command.action_id) is not None:
        raise DuplicateMeetingAction(
            f"Cannot add action '{command.action_id}' to {state.meeting_id}: an action with "
            "that id is already in its log (action_id).",
            field="action_id",
        )
    action = MeetingAction(
        action_id=command.action_id,
        request_ref=command.request_ref,
        description=command.description,
        owner=command.owner,
        due_meeting_id=state.meeting_id,
        carried_from=command.carried_from,
    )
    carried = f", carried from {', '.join(action.carried_from)}" if action.carried_from else ""
    return _Step(
        {"actions": (*state.actions, action)},
        f"Logged action '{action.action_id}' on {action.request_ref} for {action.owner}"
        f"{carried}: {action.description}",
    )


def _complete_action(state: MeetingState, command: CompleteAction) -> _Step:
    action = state.action(command.action_id)
    if action is None:
        raise UnknownMeetingAction(
            f"Cannot complete action '{command.action_id}': it is not in the action log of "
            f"{state.meeting_id} (action_id).",
            field="action_id",
        )
    if action.done:
        raise ActionAlreadyDone(
            f"Cannot complete action '{action.action_id}': it is already done (action_id).",
            field="action_id",
        )
    done = action.model_copy(update={"done": True})
    actions = tuple(done if a.action_id == done.action_id else a for a in state.actions)
    return _Step({"actions": actions}, f"Completed action '{action.action_id}'.")


def _confirm_previous(state: MeetingState, now: datetime) -> _Step:
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
    return _Step(
        {"previous_minutes_confirmed_at": now},
        f"Confirmed the minutes of {state.previous_meeting_id}.",
    )


def _date_in_id(meeting_id: str) -> date | None:
    found = _ID_DATE.match(meeting_id)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _close(state: MeetingState, command: CloseMeeting, now: datetime) -> _Step:
    next_id = command.next_meeting_id
    next_day = command.next_meeting_date or (_date_in_id(next_id) if next_id else None)
    if next_id == state.meeting_id:
        raise NextMeetingInvalid(
            f"Cannot close {state.meeting_id}: the next meeting cannot be this meeting "
            "(next_meeting_id).",
            field="next_meeting_id",
        )
    if next_day is not None and next_day <= state.meeting_day:
        raise NextMeetingInvalid(
            f"Cannot close {state.meeting_id}: the next meeting ({format_uk_date(next_day)}) "
            f"must be after this one ({format_uk_date(state.meeting_day)}) (next_meeting_date).",
            field="next_meeting_date",
        )
    agenda = _unreached(state)
    unreached = [i.request_ref for i in agenda if i.status == "not_reached"]
    summary = f"Closed {state.meeting_id}"
    if unreached:
        summary += f"; not reached: {', '.join(unreached)}"
    summary += f"; next meeting {next_id}." if next_id else "."
    changes = {
        "stage": _S.closed,
        "ended_at": now,
        "agenda": agenda,
        "next_meeting_id": next_id,
        "next_meeting_date": next_day,
    }
    return _Step(changes, summary)


def _flag_open_actions(state: MeetingState, now: datetime) -> MeetingState:
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
            else ("flagged to the chair")
        )
        entries.append(
            _system_entry(
                state,
                now,
                "flag_action",
                state.stage,
                f"Action '{action.action_id}' on {action.request_ref} ({action.owner}) was not "
                f"done by {state.meeting_id}; {where}; {told}.",
            )
        )
    return _evolve(state, actions=tuple(actions), audit=(*state.audit, *entries))


# --- the clock -----------------------------------------------------------------------


def next_clock_instant(state: MeetingState) -> datetime | None:
    """When the clock next changes the meeting (papers close, or not held), or None."""
    instants = []
    if state.papers_closed_at is None and not state.stage.is_final:
        instants.append(state.papers_close_at)
    if state.stage is _S.scheduled:
        instants.append(state.not_held_after)
    return min(instants, default=None)


def on_clock(state: MeetingState, now: datetime) -> MeetingState:
    """The meeting once the clock reads ``now``: papers closed, or the meeting not held."""
    require_aware(now)
    if state.papers_closed_at is None and not state.stage.is_final and now >= state.papers_close_at:
        entry = _system_entry(
            state,
            now,
            "close_papers",
            state.stage,
            f"Papers closed at 5pm on {format_uk_date(state.papers_deadline)}; later items "
            "need the chair's reason.",
        )
        state = _evolve(state, papers_closed_at=state.papers_close_at, audit=(*state.audit, entry))
    if state.stage is _S.scheduled and now >= state.not_held_after:
        entry = _system_entry(
            state,
            now,
            "not_held",
            _S.closed,
            f"{state.meeting_id} was not opened on {format_uk_date(state.meeting_day)}: "
            "recorded as not held; every item is not reached.",
        )
        state = _evolve(
            state,
            stage=_S.closed,
            ended_at=now,
            agenda=_unreached(state),
            audit=(*state.audit, entry),
        )
        state = _flag_open_actions(state, now)
    return state


def with_note(state: MeetingState, now: datetime, transition: str, summary: str) -> MeetingState:
    """The meeting with one more audit entry from forumflow itself (e.g. a notice sent)."""
    require_aware(now)
    entry = _system_entry(state, now, transition, state.stage, summary)
    return _evolve(state, audit=(*state.audit, entry))


# --- carrying forward ----------------------------------------------------------------


def items_to_carry(state: MeetingState) -> tuple[AgendaItem, ...]:
    """The items the meeting did not reach."""
    return tuple(i for i in state.agenda if i.status == "not_reached")


def open_actions_due(state: MeetingState) -> tuple[MeetingAction, ...]:
    """The actions due at this meeting that are not done."""
    return tuple(a for a in state.actions if not a.done and a.due_meeting_id == state.meeting_id)


def carry_forward_of(state: MeetingState) -> CarryForward | None:
    """What an ended meeting passes to the next one it named, or None."""
    if not state.stage.is_final or state.next_meeting_id is None:
        return None
    items, actions = items_to_carry(state), open_actions_due(state)
    if not items and not actions:
        return None
    return CarryForward(
        next_meeting_id=state.next_meeting_id,
        carried=CarriedIn(from_meeting_id=state.meeting_id, items=items, actions=actions),
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
        entry = _system_entry(state, now, "carry_in_refused", state.stage, summary)
        return _evolve(state, audit=(*state.audit, entry))
    what = [i.request_ref for i in items] + [f"action '{a.action_id}'" for a in actions]
    entry = _system_entry(
        state, now, "carry_in", state.stage, f"Carried in from {source}: {', '.join(what)}."
    )
    return _evolve(
        state,
        agenda=(*state.agenda, *items),
        actions=(*state.actions, *actions),
        audit=(*state.audit, entry),
    )


def carried_forward_notices(
    state: MeetingState, *, to_role_holders: bool = True
) -> tuple[Notice, ...]:
    """A notice to the chair for each open action an ended meeting flagged.

    Without a chair contact in the forum's settings the notice is addressed to the chair
    as an office, which delivery resolves to the users holding the role.
    (``to_role_holders=False``: the earlier rule, under which no notice went without a
    contact; the flag is in the audit trail either way.)
    """
    contact = state.settings.contacts.chair
    if not state.stage.is_final or (contact is None and not to_role_holders):
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


# --- moving the requests with the meeting ----------------------------------------------


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


# --- views ---------------------------------------------------------------------------


def allowed_meeting_transitions(
    state: MeetingState, roles: Iterable[Role]
) -> tuple[MeetingTransition, ...]:
    """The transitions ``roles`` may take now, judged by role and stage only."""
    held = frozenset(roles)
    return tuple(
        t
        for t, (needed, stages, _) in MEETING_RULES.items()
        if state.stage in stages and held & needed
    )


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
    )


# --- what crosses the workflow boundary ----------------------------------------------


class MeetingStart(DomainModel):
    """Schedules a meeting, with what an earlier meeting carried to it."""

    meeting_id: MeetingId
    starts_at: CalendarMoment = Field(description="Europe/London wall time, with its offset")
    location: Text
    membership: Membership
    settings: ForumSettings = ForumSettings()
    previous_meeting_id: MeetingId | None = None
    carried_items: tuple[AgendaItem, ...] = ()
    carried_actions: tuple[MeetingAction, ...] = ()

    @model_validator(mode="after")
    def _carried_from_previous(self) -> Self:
        if (self.carried_items or self.carried_actions) and self.previous_meeting_id is None:
            raise ValueError(
                "previous_meeting_id: carried items and actions come from the previous meeting"
            )
        return self


class MeetingUpdate(DomainModel):
    """A meeting transition asked for by an actor; ``command.kind`` names the update."""

    actor: Actor
    command: AnyMeetingCommand


class MeetingTransitionResult(DomainModel):
    """What an accepted meeting transition did."""

    transition: MeetingTransition
    stage: MeetingStage
    audit_entry: MeetingAuditEntry


class MeetingOutcome(DomainModel):
    """How a meeting's workflow ended."""

    meeting_id: MeetingId
    stage: MeetingStage
    held: bool
    next_meeting_id: MeetingId | None
    carried_forward: bool
    notice_keys: tuple[str, ...]
