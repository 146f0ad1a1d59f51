"""What the API answers about forum meetings, and the body that schedules one.

Agenda items, actions, membership and settings are also sent (a meeting's start carries
them), so they keep the body's models; the rest is shaped here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.base import Answer
from clients.meetings import ListedMeeting
from contracts.meeting import MeetingStart as StartPayload
from domain.forum import ForumSettings
from domain.meeting.commands import MeetingTransition
from domain.meeting.models import (
    AgendaItem,
    CalendarMoment,
    MeetingAction,
    MeetingStage,
)
from domain.people import Membership, Role
from domain.values import MeetingId, Text


class MeetingStart(BaseModel):
    """A meeting to schedule, with what an earlier meeting carried to it."""

    # Strict like the domain's models: an instant is an ISO string with its offset.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    meeting_id: MeetingId
    starts_at: CalendarMoment = Field(description="Europe/London wall time, with its offset")
    location: Text
    membership: Membership
    settings: ForumSettings = ForumSettings()
    previous_meeting_id: MeetingId | None = None
    carried_items: tuple[AgendaItem, ...] = ()
    carried_actions: tuple[MeetingAction, ...] = ()
    recorded_after_the_event: bool = Field(
        default=False,
        description=(
            "a meeting already held, entered so that its decisions are on the record: "
            "its papers never close and it is never recorded as not held"
        ),
    )

    @model_validator(mode="after")
    def _carried_from_previous(self) -> Self:
        # The workflow's start refuses this too; refused here, the 422 names the body's field.
        if (self.carried_items or self.carried_actions) and self.previous_meeting_id is None:
            raise ValueError(
                "previous_meeting_id: carried items and actions come from the previous meeting"
            )
        return self

    def payload(self) -> StartPayload:
        """The meeting workflow's start for this body."""
        return StartPayload.model_validate(dict(self))


class MeetingAuditEntry(Answer):
    """One accepted change to a meeting: who (None as role: forumflow's clock), when, what."""

    at: datetime
    actor_id: str
    actor_name: str
    role: Role | None
    transition: str
    from_stage: MeetingStage | None
    to_stage: MeetingStage
    summary: str
    reason: str | None


class MeetingState(Answer):
    """Everything known about one meeting: agenda, attendance, action log, audit trail."""

    meeting_id: str
    starts_at: datetime
    location: str
    stage: MeetingStage
    membership: Membership
    settings: ForumSettings
    agenda: tuple[AgendaItem, ...]
    present_member_ids: tuple[str, ...]
    previous_meeting_id: str | None
    previous_minutes_confirmed_at: datetime | None
    next_meeting_id: str | None
    next_meeting_date: date | None
    actions: tuple[MeetingAction, ...]
    audit: tuple[MeetingAuditEntry, ...]
    moved_from: tuple[datetime, ...]
    papers_closed_at: datetime | None
    notices_sent: tuple[str, ...] = Field(
        default=(), description="keys of the owners' reminders and the chair's notices sent"
    )
    opened_at: datetime | None
    ended_at: datetime | None
    published_at: datetime | None = Field(
        default=None, description="when the agenda and papers were last published"
    )
    recorded_after_the_event: bool = Field(
        default=False, description="a meeting entered into the record after it was held"
    )


class MeetingAgenda(Answer):
    """The agenda as published: when and where, the papers deadline, and the items."""

    meeting_id: str
    starts_at: datetime
    location: str
    stage: MeetingStage
    papers_deadline: date
    papers_closed: bool
    items: tuple[AgendaItem, ...]
    actions: tuple[MeetingAction, ...] = Field(
        default=(), description="the actions due at this meeting that are still open"
    )
    published_at: datetime | None = Field(
        default=None, description="when the agenda and papers were last published"
    )


class MeetingTransitionResult(Answer):
    """What an accepted meeting transition did."""

    transition: MeetingTransition
    stage: MeetingStage
    audit_entry: MeetingAuditEntry


class MeetingSummary(Answer):
    """One meeting in a listing, from its search attributes."""

    meeting_id: str
    stage: MeetingStage | None
    meeting_date: date | None = Field(description="the meeting's day in Europe/London")
    papers_close_at: datetime | None = Field(
        description="when the papers close (5pm London time), while they are still open"
    )
    workflow_status: str = Field(description="running, completed, terminated, ...")
    scheduled_at: datetime | None = Field(description="when the meeting was scheduled")

    @classmethod
    def listed(cls, meeting: ListedMeeting) -> MeetingSummary:
        """The row of one listed meeting."""
        return cls(
            meeting_id=meeting.meeting_id,
            stage=meeting.stage,
            meeting_date=meeting.meeting_date,
            papers_close_at=meeting.papers_close_at,
            workflow_status=meeting.status.name.lower() if meeting.status else "unknown",
            scheduled_at=meeting.scheduled_at,
        )


class MeetingList(Answer):
    """Meetings of this forum, the latest meeting day first."""

    meetings: tuple[MeetingSummary, ...]

    @classmethod
    def listed(cls, found: tuple[ListedMeeting, ...]) -> MeetingList:
        """The listing of the meetings ``found``."""
        return cls(meetings=tuple(MeetingSummary.listed(meeting) for meeting in found))
