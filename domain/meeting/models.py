"""One meeting of the forum as values: its stage, agenda, action log and state, and what it
passes to the next meeting and to the requests on its agenda.

Every model is a frozen, strict domain value (``domain.values.DomainModel``); the state's
validator holds what each stage relies on.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from domain.attendance import quorum_required
from domain.audit import AuditEntry
from domain.calendar import (
    LONDON,
    at_close_of_business,
    papers_deadline,
    to_london,
)
from domain.forum import ForumSettings
from domain.people import Actor, Membership
from domain.values import (
    DomainModel,
    MeetingId,
    PlannableMoment,
    Reference,
    Text,
    require_unique,
)

ItemStatus = Literal["pending", "decided", "deferred", "not_reached", "withdrawn"]

# A meeting not opened by this London wall time on its day was not held.
NOT_HELD_AFTER = time(23, 59)


CalendarMoment = PlannableMoment
"""An instant whose London day is plannable (domain.values.PlannableMoment): the papers
deadline counts working days back from it over the bank holiday calendar."""


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
    owner_id: Text | None = Field(
        default=None, description="the owner's user or member id, for reminders and attendance"
    )
    due_meeting_id: MeetingId
    done: bool = False
    carried_from: tuple[MeetingId, ...] = Field(
        default=(), description="earlier meetings it was due at, oldest first"
    )
    carried_to: MeetingId | None = Field(
        default=None, description="the meeting it was carried forward to when still open"
    )


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
    audit: tuple[AuditEntry[MeetingStage], ...] = ()
    moved_from: tuple[AwareDatetime, ...] = ()
    papers_closed_at: AwareDatetime | None = None
    notices_sent: tuple[Text, ...] = Field(
        default=(), description="keys of the owners' reminders and the chair's notices sent"
    )
    opened_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = Field(
        default=None, description="when the agenda and papers were last published"
    )
    recorded_after_the_event: bool = Field(
        default=False,
        description="a meeting held before it was entered here: the clock leaves it alone",
    )

    @model_validator(mode="after")
    def _invariants(self) -> Self:
        require_unique((i.request_ref for i in self.agenda), "agenda: request_ref")
        require_unique((a.action_id for a in self.actions), "actions: action_id")
        require_unique(self.present_member_ids, "present_member_ids")
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
    from_day: date | None = Field(
        default=None, description="the day of that meeting, which its requests were tabled for"
    )
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
    from_meeting_id: MeetingId | None = Field(
        default=None,
        description="set when the requests are carried here unreached from that meeting",
    )

    def idempotency_key(self, request_ref: str) -> str:
        """The update id for one request, the same on every retry of this move."""
        if self.from_meeting_id is not None:
            return f"{self.meeting_id}/carried-from/{self.from_meeting_id}/{request_ref}"
        return f"{self.meeting_id}/move/{self.move_number}/{request_ref}"


class LeaveAgendaMessage(DomainModel):
    """Requests that are no longer on the agenda (an item removed, or the meeting
    cancelled): each is sent back to option listing with the reason."""

    meeting_id: MeetingId
    sequence: int = Field(ge=0, description="the meeting's audit entry that removed them")
    reason: Text
    actor: Actor = Field(description="who removed the item or cancelled the meeting")
    request_refs: tuple[Reference, ...] = Field(min_length=1)

    def idempotency_key(self, request_ref: str) -> str:
        """The update id for one request, the same on every retry."""
        return f"{self.meeting_id}/leave/{self.sequence}/{request_ref}"


class ForwardPlanChange(DomainModel):
    """A meeting was scheduled or moved (``day``) or cancelled (``day`` None): the open
    requests hear the forum's meeting days as they now stand."""

    meeting_id: MeetingId
    day: date | None


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
    actions: tuple[MeetingAction, ...] = Field(
        default=(), description="the actions due at this meeting that are still open"
    )
    published_at: AwareDatetime | None = Field(
        default=None, description="when the agenda and papers were last published"
    )
