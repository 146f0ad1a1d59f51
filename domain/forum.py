"""The forum's local rules and timings, and who speaks for it when no one acting is named."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from domain.values import DomainModel, Email, Text


class Contact(DomainModel):
    """Someone forumflow writes to on the forum's behalf."""

    name: Text
    email: Email


class ForumContacts(DomainModel):
    """Who hears about a request when no person acting on it is named."""

    chair: Contact | None = None
    clerk: Contact | None = None


class ForumSettings(DomainModel):
    """The forum's local rules and timings."""

    quorum_numerator: int = Field(default=2, ge=1)
    quorum_denominator: int = Field(default=5, ge=1)
    chair_has_casting_vote: bool = False
    papers_clear_working_days: int = Field(default=5, ge=0)
    minutes_draft_working_days: int = Field(
        default=10, ge=1, description="draft minutes are due this many working days after a meeting"
    )
    dsg_decision_month: int = Field(
        default=10, ge=1, le=12, description="month of the annual DSG decision (October)"
    )
    procurement_lead_in_months: int = Field(default=12, ge=0, le=60)
    reminder_offsets_days: tuple[int, ...] = Field(
        default=(28, 7, 1), description="reminders go this many days before each deadline"
    )
    contacts: ForumContacts = Field(default_factory=ForumContacts)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _positive_distinct_offsets(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        if any(offset < 1 for offset in offsets) or len(set(offsets)) != len(offsets):
            raise ValueError(
                "reminder_offsets_days: whole days before the deadline, each >= 1, no repeats"
            )
        return tuple(sorted(offsets, reverse=True))

    @model_validator(mode="after")
    def _proper_fraction(self) -> Self:
        if self.quorum_numerator > self.quorum_denominator:
            raise ValueError("quorum_numerator: the quorum cannot exceed the whole membership")
        return self
