"""The forum's local rules and timings, and who speaks for it when no one acting is named."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from domain.values import DomainModel, Email, Text, require_unique


class Contact(DomainModel):
    """Someone forumflow writes to on the forum's behalf."""

    name: Text
    email: Email


class ForumContacts(DomainModel):
    """Who hears about a request when no person acting on it is named."""

    chair: Contact | None = None
    clerk: Contact | None = None


MAX_WORKING_DAYS = 100
"""The most working days a forum's papers or minutes rule may count (20 weeks): with the
plannable days (domain.values) every deadline counted stays in the working calendar."""

MAX_REMINDER_DAYS = 366
"""The earliest a reminder may go: a year (and a day) before its deadline."""

ReminderDays = Annotated[int, Field(ge=0, le=MAX_REMINDER_DAYS)]
"""Whole days before a deadline a reminder goes; 0 is on the day itself."""

SendHour = Annotated[int, Field(ge=0, le=23)]
"""An hour on the London wall clock, 0 (midnight) to 23."""

DEFAULT_REMINDER_DAYS = (28, 7, 1)


def _distinct_soonest_last(offsets: tuple[int, ...], field: str) -> tuple[int, ...]:
    require_unique((str(offset) for offset in offsets), field)
    return tuple(sorted(offsets, reverse=True))


class ReminderTiming(DomainModel):
    """When the reminders for one kind of deadline go (a ``DeadlineKind`` value, such as
    "papers"), instead of the forum's default timing."""

    kind: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,40}$", description="the kind of deadline, e.g. papers"
    )
    offsets_days: tuple[ReminderDays, ...] = Field(
        description="reminders go this many days before the deadline (0: on the day); "
        "empty: none for this kind"
    )
    send_hour: SendHour | None = Field(
        default=None,
        description="the London hour they go at; null: the deadline's own time (5pm)",
    )

    @field_validator("offsets_days")
    @classmethod
    def _distinct_offsets(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        return _distinct_soonest_last(offsets, "offsets_days")


class ForumSettings(DomainModel):
    """The forum's local rules and timings."""

    quorum_numerator: int = Field(default=2, ge=1)
    quorum_denominator: int = Field(default=5, ge=1)
    chair_has_casting_vote: bool = False
    papers_clear_working_days: int = Field(default=5, ge=0, le=MAX_WORKING_DAYS)
    minutes_draft_working_days: int = Field(
        default=10,
        ge=1,
        le=MAX_WORKING_DAYS,
        description="draft minutes are due this many working days after a meeting",
    )
    dsg_decision_month: int = Field(
        default=10, ge=1, le=12, description="month of the annual DSG decision (October)"
    )
    procurement_lead_in_months: int = Field(default=12, ge=0, le=60)
    reminder_offsets_days: tuple[ReminderDays, ...] = Field(
        default=DEFAULT_REMINDER_DAYS,
        description="reminders go this many days before each deadline (0: on the day), "
        "for every kind reminder_timings does not name",
    )
    reminder_send_hour: SendHour | None = Field(
        default=None,
        description="the London hour those reminders go at; null: the deadline's own time (5pm)",
    )
    reminder_timings: tuple[ReminderTiming, ...] = Field(
        default=(), description="the kinds of deadline whose reminders go at other times"
    )
    contacts: ForumContacts = Field(default_factory=ForumContacts)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _distinct_offsets(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        return _distinct_soonest_last(offsets, "reminder_offsets_days")

    @field_validator("reminder_timings")
    @classmethod
    def _one_timing_per_kind(
        cls, timings: tuple[ReminderTiming, ...]
    ) -> tuple[ReminderTiming, ...]:
        require_unique((timing.kind for timing in timings), "reminder_timings: kind")
        return timings

    def reminder_timing(self, kind: str) -> ReminderTiming:
        """When reminders of ``kind`` go: its own timing, or the forum's default (a kind
        added after the settings were written gets the default)."""
        for timing in self.reminder_timings:
            if timing.kind == kind:
                return timing
        return ReminderTiming(
            kind=kind, offsets_days=self.reminder_offsets_days, send_hour=self.reminder_send_hour
        )

    @model_validator(mode="after")
    def _proper_fraction(self) -> Self:
        if self.quorum_numerator > self.quorum_denominator:
            raise ValueError("quorum_numerator: the quorum cannot exceed the whole membership")
        return self
