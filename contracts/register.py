"""What the decision register records: one immutable entry per thing the forum did.

The register is the one record that anything citing a decision cites (seed 000: a
later paper claimed an approval "from the DSG" that no minute supported), so the
models refuse the records that caused that trouble: an approval without the agreed
option(s), money as floats, timestamps without a timezone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.request.decision import DecisionOutcome

NonEmptyStr = Annotated[str, Field(min_length=1)]
Pence = Annotated[int, Field(ge=0)]


class EntryKind(StrEnum):
    """What happened, which decides how an entry's outcome is read."""

    DECISION = "decision"
    """The forum voted; outcome is one of DECISION_OUTCOMES."""
    MINUTE_CONFIRMED = "minute_confirmed"
    """The chair confirmed the minutes of `meeting_date`: that meeting's decisions are final."""
    EVALUATION = "evaluation"
    """The evaluation was reported; outcome is one of EVALUATION_OUTCOMES."""
    FUNDING_PERIOD = "funding_period"
    """An extension started a new funding period (a new cycle)."""
    FUNDING_PENDING = "funding_pending"
    """An approval was minuted whose money is not yet available; due_date is the day it
    must be confirmed by."""
    FUNDING_CONFIRMED = "funding_confirmed"
    """The money a conditional approval waited on was confirmed on occurred_on."""
    SPENDING_STARTED = "spending_started"
    """Spending of the agreed money started on occurred_on; outcome says whether before
    its funding was confirmed."""
    CITATION = "citation"
    """A request was tabled citing the entry ``cites`` in support of its paper."""


# The register stores outcomes as text so it outlives any change to the enums; the
# values are the domain's, read from it so the two cannot drift.
APPROVED_OUTCOMES: frozenset[str] = frozenset(o.value for o in DecisionOutcome if o.is_approval)
DECISION_OUTCOMES: frozenset[str] = frozenset(o.value for o in DecisionOutcome)
EVALUATION_OUTCOMES: frozenset[str] = frozenset({"extended", "ended"})
SPENDING_OUTCOMES: frozenset[str] = frozenset({"before_funding_confirmed", "funded"})

_KINDS_AT_A_MEETING = frozenset(
    {EntryKind.DECISION, EntryKind.MINUTE_CONFIRMED, EntryKind.EVALUATION}
)


class RegisterConflict(Exception):  # noqa: N818 -- a named outcome, not a fault of the code
    """An idempotency key was recorded again with different content.

    A retried activity sends the same entry again and is harmless; a different entry
    under an existing key means two writers disagree about what happened, and keeping
    either silently would falsify the record. Not retryable: retrying cannot fix it.
    """

    def __init__(self, idempotency_key: str, differing_fields: tuple[str, ...]) -> None:
        self.idempotency_key = idempotency_key
        self.differing_fields = differing_fields
        super().__init__(
            f"register entry {idempotency_key!r} already recorded with different "
            f"{', '.join(differing_fields)}; the existing entry is unchanged"
        )

    def __reduce__(self) -> tuple[type[RegisterConflict], tuple[str, tuple[str, ...]]]:
        # The default reduce replays only the message, which this __init__ cannot take.
        return (RegisterConflict, (self.idempotency_key, self.differing_fields))


class AgreedFunding(BaseModel):
    """One funding option the forum agreed: where the money comes from, and how much."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    option_id: NonEmptyStr
    source: NonEmptyStr = Field(description='funding-source code, e.g. "dsg_high_needs"')
    source_detail: str | None = Field(
        default=None, description="e.g. the named grant, or 'one-off allocation'"
    )
    amount_pence: Pence


PHASE_OUTCOMES: frozenset[str] = frozenset({"approved", "rejected", "not_decided"})


class PhaseTally(BaseModel):
    """One school phase's decision on a de-delegation: its maintained members decide for
    their own schools, so the register keeps each phase's outcome and count."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    phase: NonEmptyStr = Field(description='member group code, e.g. "maintained_primary"')
    outcome: NonEmptyStr = Field(description="approved, rejected or not_decided")
    for_count: int = Field(ge=0)
    against_count: int = Field(ge=0)
    abstentions: int = Field(ge=0)

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, value: str) -> str:
        if value not in PHASE_OUTCOMES:
            raise ValueError(f"phase outcome {value!r} is not one of {sorted(PHASE_OUTCOMES)}")
        return value


class EvaluationFigure(BaseModel):
    """One measured result an evaluation reported, e.g. 707 referrals."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    measure: NonEmptyStr
    value: int
    unit: NonEmptyStr


class PaymentByResultsFigure(BaseModel):
    """What a provider paid by results was paid against one measure."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    measure: NonEmptyStr
    target: int = Field(ge=0)
    achieved: int = Field(ge=0)
    amount_paid_pence: Pence


class EvaluationEvidence(BaseModel):
    """The evidence the forum decided an evaluation on: the measures and figures reported,
    and any payment by results."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    outcomes: tuple[EvaluationFigure, ...] = ()
    payment_by_results: tuple[PaymentByResultsFigure, ...] = ()


class RegisterEntry(BaseModel):
    """One durable fact about a request, written once under its idempotency key."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    idempotency_key: NonEmptyStr = Field(description='e.g. "<request_ref>/<cycle>/<kind>/<seq>"')
    request_ref: NonEmptyStr
    cycle: int = Field(ge=1, description="funding period number; an extension starts the next")
    kind: EntryKind
    recorded_at: AwareDatetime = Field(description="normalised to UTC")
    meeting_date: date | None = Field(
        default=None,
        description=(
            "decision and evaluation: the meeting where it happened; minute_confirmed: "
            "the meeting whose minutes were confirmed (not the confirming meeting)"
        ),
    )
    outcome: NonEmptyStr
    title: NonEmptyStr
    amount_pence: Pence | None = None
    period_start: date | None = None
    period_end: date | None = None
    recurrent: bool = Field(
        default=False,
        description=(
            "the money continues year on year and comes back at the annual DSG decision; "
            "False for one-off funding and for entries written before the flag existed"
        ),
    )
    agreed_options: tuple[AgreedFunding, ...] = ()
    amendments: tuple[str, ...] = ()
    phases: tuple[PhaseTally, ...] = Field(
        default=(), description="a de-delegation's outcome and count in each school phase"
    )
    summary: str = ""
    due_date: date | None = Field(
        default=None, description="funding_pending: the day the funding must be confirmed by"
    )
    occurred_on: date | None = Field(
        default=None,
        description="funding_confirmed: the day it was confirmed; spending_started: the day "
        "spending started",
    )
    cites: str | None = Field(
        default=None, description="citation: the id (idempotency_key) of the entry cited"
    )
    evidence: EvaluationEvidence | None = Field(
        default=None, description="evaluation: the measures, figures and payment by results"
    )
    recorded_by: NonEmptyStr
    workflow_id: NonEmptyStr
    run_id: NonEmptyStr

    @field_validator("recorded_at")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        option_ids = [option.option_id for option in self.agreed_options]
        if len(set(option_ids)) != len(option_ids):
            raise ValueError(f"agreed_options repeat an option_id: {option_ids}")
        if self.kind in _KINDS_AT_A_MEETING and self.meeting_date is None:
            raise ValueError(f"a {self.kind} entry needs the meeting_date")
        if self.kind is EntryKind.DECISION:
            self._check_decision()
        if self.kind is EntryKind.EVALUATION and self.outcome not in EVALUATION_OUTCOMES:
            raise ValueError(
                f"evaluation outcome {self.outcome!r} is not one of {sorted(EVALUATION_OUTCOMES)}"
            )
        self._check_follow_through()
        return self

    def _check_follow_through(self) -> None:
        if self.kind is EntryKind.FUNDING_PENDING and self.due_date is None:
            raise ValueError("a funding_pending entry needs the due_date")
        if self.kind in (EntryKind.FUNDING_CONFIRMED, EntryKind.SPENDING_STARTED) and (
            self.occurred_on is None
        ):
            raise ValueError(f"a {self.kind} entry needs the day it occurred_on")
        if self.kind is EntryKind.FUNDING_CONFIRMED and not self.agreed_options:
            raise ValueError("a funding_confirmed entry names the agreed option(s) confirmed")
        if self.kind is EntryKind.SPENDING_STARTED and self.outcome not in SPENDING_OUTCOMES:
            raise ValueError(
                f"spending outcome {self.outcome!r} is not one of {sorted(SPENDING_OUTCOMES)}"
            )
        if self.kind is EntryKind.CITATION and not self.cites:
            raise ValueError("a citation entry names the entry it cites")

    def _check_decision(self) -> None:
        if self.outcome not in DECISION_OUTCOMES:
            raise ValueError(
                f"decision outcome {self.outcome!r} is not one of {sorted(DECISION_OUTCOMES)}"
            )
        if self.outcome not in APPROVED_OUTCOMES:
            return
        if not self.agreed_options:
            # Seed 000: minutes recorded an approval without the source.
            raise ValueError("an approval must name the agreed option(s)")
        if self.outcome == "approved_as_amended" and not self.amendments:
            raise ValueError("approved_as_amended needs the amendments")
        agreed_total = sum(option.amount_pence for option in self.agreed_options)
        if self.amount_pence is not None and self.amount_pence != agreed_total:
            raise ValueError(
                f"amount_pence {self.amount_pence} differs from the agreed options' "
                f"total {agreed_total}"
            )

    @property
    def effective_date(self) -> date:
        """The date search filters on: the meeting's, else the UTC day it was recorded."""
        return self.meeting_date or self.recorded_at.date()

    def differing_fields(self, other: RegisterEntry) -> tuple[str, ...]:
        """Names of the fields whose values differ from `other`'s."""
        mine: dict[str, Any] = self.model_dump()
        theirs: dict[str, Any] = other.model_dump()
        return tuple(name for name in mine if mine[name] != theirs[name])
