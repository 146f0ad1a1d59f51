"""The audit trail both aggregates keep: one entry per accepted change, in one shape.

A request's entries name its stages (``AuditEntry[Stage]``), a meeting's its own
(``AuditEntry[MeetingStage]``); everything else is the same: who, in which role, when,
the stage before and after, what changed and why. forumflow itself (the meeting's clock,
a notice it sent) records entries as :data:`SYSTEM_ID` with no role.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import AwareDatetime

from domain.people import Role
from domain.values import DomainModel, Summary, Text

S = TypeVar("S", bound=StrEnum)

SYSTEM_ID = "forumflow"
"""The actor id the audit records for what forumflow (not a person) did."""


class AuditEntry(DomainModel, Generic[S]):
    """One accepted change: who (no role: forumflow itself), when, what changed and why."""

    at: AwareDatetime
    actor_id: Text
    actor_name: Text
    role: Role | None
    transition: Text
    from_stage: S | None
    to_stage: S
    summary: Summary
    reason: str | None = None

    @classmethod
    def by_forumflow(
        cls, at: datetime, transition: str, from_stage: S | None, to_stage: S, summary: str
    ) -> AuditEntry[S]:
        """An entry for what forumflow did by itself (its clock, a notice it sent)."""
        return cls(
            at=at,
            actor_id=SYSTEM_ID,
            actor_name=SYSTEM_ID,
            role=None,
            transition=transition,
            from_stage=from_stage,
            to_stage=to_stage,
            summary=summary,
        )
