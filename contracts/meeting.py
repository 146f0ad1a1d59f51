"""The models that cross the Temporal boundary for a meeting: the workflow's input, its
update, the update's result and the workflow's result.

They keep the domain's strictness (``DomainModel``), as they did when they lived in it:
a meeting's start and commands are validated by the same rules wherever they arrive.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from domain.audit import AuditEntry
from domain.forum import ForumSettings
from domain.meeting.commands import AnyMeetingCommand, MeetingTransition
from domain.meeting.models import (
    AgendaItem,
    CalendarMoment,
    MeetingAction,
    MeetingStage,
)
from domain.people import Actor, Membership
from domain.values import DomainModel, MeetingId, Text


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
    recorded_after_the_event: bool = Field(
        default=False,
        description="a meeting already held, entered so that its decisions are on the record",
    )

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
    audit_entry: AuditEntry[MeetingStage]


class MeetingMessage(DomainModel):
    """A command another workflow sends a meeting (a request putting itself on the agenda,
    a minute logging its actions), under an Update id fixed by the sender, so a retry has
    one effect."""

    meeting_id: MeetingId
    update: MeetingUpdate
    update_id: Text


class MeetingReply(DomainModel):
    """What the meeting did with a :class:`MeetingMessage`: accepted, or refused and why."""

    accepted: bool
    rule: str | None = Field(default=None, description="the refusal's rule code, if refused")
    message: Text


class MeetingOutcome(DomainModel):
    """How a meeting's workflow ended."""

    meeting_id: MeetingId
    stage: MeetingStage
    held: bool
    next_meeting_id: MeetingId | None
    carried_forward: bool
    notice_keys: tuple[str, ...]
