"""What the forum decides and records: the votes and their count, the decision (phase by
phase for a de-delegation), a deferral, the minute, and the evaluation of what was funded.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from domain.people import MemberGroup
from domain.request.draft import Period
from domain.values import (
    DomainModel,
    MeetingId,
    Pence,
    PlannableDate,
    Slug,
    Text,
    require_unique,
)

# --- the vote ------------------------------------------------------------------------


class VoteChoice(StrEnum):
    """A member's vote."""

    for_ = "for"
    against = "against"
    abstain = "abstain"


class Vote(DomainModel):
    """One member's vote; ``option_id`` says which option a "for" supports in a choice."""

    member_id: Text
    choice: VoteChoice
    option_id: Slug | None = None


class DecisionOutcome(StrEnum):
    """What the forum decided (values match the decision register's outcomes)."""

    approved = "approved"
    approved_as_amended = "approved_as_amended"
    rejected = "rejected"
    deferred = "deferred"

    @property
    def is_approval(self) -> bool:
        """Whether money was agreed."""
        return self in (DecisionOutcome.approved, DecisionOutcome.approved_as_amended)

    @property
    def label(self) -> str:
        """The outcome as a minute words it: "approved as amended"."""
        return self.value.replace("_", " ")


class OptionVotes(DomainModel):
    """How many "for" votes one option of a choice received."""

    option_id: Slug
    for_count: int = Field(ge=0)


class Tally(DomainModel):
    """The count of eligible members' votes, and whether the chair's casting vote settled it."""

    for_count: int = Field(ge=0)
    against_count: int = Field(ge=0)
    abstentions: int = Field(ge=0)
    casting_vote_used: bool = False
    casting_vote_by: str | None = None
    for_by_option: tuple[OptionVotes, ...] = ()

    @property
    def text(self) -> str:
        """e.g. "5 for, 2 against, 1 abstaining; decided by the chair's casting vote"."""
        count = f"{self.for_count} for, {self.against_count} against, {self.abstentions} abstaining"
        return count + ("; decided by the chair's casting vote" if self.casting_vote_used else "")


class PhaseOutcome(StrEnum):
    """What one school phase decided on a de-delegation."""

    approved = "approved"
    rejected = "rejected"
    not_decided = "not_decided"
    """Nobody of the phase was present, so its schools' budgets are not de-delegated."""


class PhaseDecision(DomainModel):
    """One phase's decision on a de-delegation, taken by its maintained members for its
    own schools (see domain.request.voting.DEDELEGATION_GROUPS)."""

    group: MemberGroup
    outcome: PhaseOutcome
    tally: Tally = Field(description="the phase's own count; all zero when not decided")
    chosen_option_ids: tuple[Slug, ...] = ()

    @property
    def text(self) -> str:
        """e.g. "maintained primary: rejected (0 for, 2 against, 0 abstaining)"."""
        if self.outcome is PhaseOutcome.not_decided:
            return f"{self.group.label}: not decided (no member of the phase present)"
        return f"{self.group.label}: {self.outcome.value} ({self.tally.text})"


class Decision(DomainModel):
    """The forum's decision on the recommendation at one meeting.

    A de-delegation is decided phase by phase: ``phases`` holds each phase's outcome
    and count, ``tally`` their sum, and ``outcome`` is an approval when at least one
    phase approved (for that phase's schools).
    """

    outcome: DecisionOutcome
    decided_at: AwareDatetime
    meeting_date: date
    tally: Tally
    chosen_option_ids: tuple[Slug, ...] = ()
    amendments: tuple[Text, ...] = ()
    reason: str | None = None
    phases: tuple[PhaseDecision, ...] = Field(
        default=(), description="de-delegation only: each phase's decision for its schools"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.outcome.is_approval and not self.chosen_option_ids:
            raise ValueError("chosen_option_ids: an approval must name the agreed option(s)")
        if not self.outcome.is_approval and self.chosen_option_ids:
            raise ValueError(f"chosen_option_ids: a {self.outcome} decision agrees no option")
        if self.outcome is DecisionOutcome.approved_as_amended and not self.amendments:
            raise ValueError("amendments: approved_as_amended needs the amendments")
        if self.outcome is DecisionOutcome.approved and self.amendments:
            raise ValueError("amendments: an amended approval is approved_as_amended")
        if not self.outcome.is_approval and not (self.reason or "").strip():
            raise ValueError(f"reason: a {self.outcome} decision must give the reason")
        return self


class Deferral(DomainModel):
    """A meeting sent the request back to option listing, and why."""

    reason: Text
    meeting_date: date
    at: AwareDatetime


# --- after the decision --------------------------------------------------------------


class Action(DomainModel):
    """Something the minute asks someone to do by a later meeting.

    Naming the meeting it is due at (``due_meeting_id``) logs it in that meeting's action
    log, which reminds the owner, lists it on the agenda, carries it forward while open
    and escalates it to the chair when the owner is absent.
    """

    action_id: Text
    description: Text
    owner: Text
    owner_id: Text | None = Field(
        default=None, description="the owner's user or member id, for reminders and attendance"
    )
    due_meeting: PlannableDate
    due_meeting_id: MeetingId | None = None
    done: bool = False


class Minute(DomainModel):
    """The clerk's record of an approval: which option(s), how much, for when.

    ``agreed_option_ids`` may be empty and ``period`` missing here so that an
    incomplete minute can be represented and refused with a precise reason
    (rules.check_minute), rather than failing as a bare validation error.
    """

    agreed_option_ids: tuple[Slug, ...] = ()
    amount_pence: Pence
    period: Period | None = None
    amendments: tuple[Text, ...] = ()
    actions: tuple[Action, ...] = ()
    text: Text
    recorded_by: Text
    phases: tuple[PhaseDecision, ...] = Field(
        default=(),
        description="a de-delegation's outcome and count for each phase, from the vote: "
        "forumflow records them when the minute is accepted",
    )
    funding_condition: Text | None = Field(
        default=None,
        description="what the agreed money still waits on, e.g. 'pending the DSG "
        "allocation': the approval stands, but its funding is not yet confirmed",
    )
    funding_due: PlannableDate | None = Field(
        default=None,
        description="the day by which the funding must be confirmed (with funding_condition)",
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        require_unique(self.agreed_option_ids, "agreed_option_ids")
        require_unique((a.action_id for a in self.actions), "actions: action_id")
        if (self.funding_condition is None) != (self.funding_due is None):
            raise ValueError(
                "funding_due: an approval whose funding is not yet available gives both "
                "funding_condition and funding_due (the day it must be confirmed by), or neither"
            )
        return self

    @property
    def funding_conditional(self) -> bool:
        """Whether the minute approves money that is not yet available."""
        return self.funding_condition is not None


class FundingConfirmation(DomainModel):
    """The officer's record that the funding a conditional approval waited on is available."""

    confirmed_by: Text = Field(description="who confirmed the money, e.g. the finance lead")
    confirmed_on: date
    option_ids: tuple[Slug, ...]
    amount_pence: Pence
    recorded_by: Text
    recorded_at: AwareDatetime


class SpendingRecord(DomainModel):
    """The day spending of the agreed money started, and whether its funding was confirmed."""

    started_on: date
    description: Text
    recorded_by: Text
    recorded_at: AwareDatetime
    before_funding_confirmed: bool = Field(
        description="spending started while the minute's funding condition was unconfirmed"
    )


class MeasuredOutcome(DomainModel):
    """One measured result, e.g. 707 referrals."""

    measure: Text
    value: int
    unit: Text


class PaymentByResults(DomainModel):
    """What a provider paid by results was paid against one measure: the target, the
    result achieved and the money paid for it."""

    measure: Text
    target: int = Field(ge=0)
    achieved: int = Field(ge=0)
    amount_paid_pence: Pence


class EvaluationReport(DomainModel):
    """The officer's report of what the money achieved, and what they recommend next."""

    summary: Text
    outcomes: tuple[MeasuredOutcome, ...] = Field(min_length=1)
    recommendation: Literal["extend", "end"]
    reported_by: Text
    payment_by_results: tuple[PaymentByResults, ...] = Field(
        default=(),
        description="where providers are paid by results: each measure's target, result "
        "and the money paid",
    )

    @model_validator(mode="after")
    def _one_payment_per_measure(self) -> Self:
        require_unique((p.measure for p in self.payment_by_results), "payment_by_results: measure")
        return self
