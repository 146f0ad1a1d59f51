"""What the API answers from the decision register: its entries, and its export rows."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

from api.schemas.base import Answer
from contracts.register import EntryKind


class AgreedFunding(Answer):
    """One funding option the forum agreed: where the money comes from, and how much."""

    option_id: str
    source: str = Field(description='funding-source code, e.g. "dsg_high_needs"')
    source_detail: str | None = Field(description="e.g. the named grant, or 'one-off allocation'")
    amount_pence: int


class PhaseTally(Answer):
    """One school phase's decision on a de-delegation: its maintained members decide for
    their own schools, so the register keeps each phase's outcome and count."""

    phase: str = Field(description='member group code, e.g. "maintained_primary"')
    outcome: str = Field(description="approved, rejected or not_decided")
    for_count: int
    against_count: int
    abstentions: int


class EvaluationFigure(Answer):
    """One measured result an evaluation reported, e.g. 707 referrals."""

    measure: str
    value: int
    unit: str


class PaymentByResultsFigure(Answer):
    """What a provider paid by results was paid against one measure."""

    measure: str
    target: int
    achieved: int
    amount_paid_pence: int


class EvaluationEvidence(Answer):
    """The evidence the forum decided an evaluation on."""

    outcomes: tuple[EvaluationFigure, ...]
    payment_by_results: tuple[PaymentByResultsFigure, ...]


class RegisterEntry(Answer):
    """One durable fact about a request, written once under its idempotency key."""

    idempotency_key: str = Field(description='e.g. "<request_ref>/<cycle>/<kind>/<seq>"')
    request_ref: str
    cycle: int = Field(description="funding period number; an extension starts the next")
    kind: EntryKind
    recorded_at: datetime
    meeting_date: date | None = Field(
        description="decision and evaluation: the meeting where it happened; "
        "minute_confirmed: the meeting whose minutes were confirmed (not the confirming meeting)"
    )
    outcome: str
    title: str
    amount_pence: int | None
    period_start: date | None
    period_end: date | None
    recurrent: bool = Field(
        description="the money continues year on year and comes back at the annual DSG "
        "decision; False for one-off funding and for entries written before the flag existed"
    )
    agreed_options: tuple[AgreedFunding, ...]
    amendments: tuple[str, ...]
    phases: tuple[PhaseTally, ...] = Field(
        description="a de-delegation's outcome and count in each school phase"
    )
    summary: str
    due_date: date | None = Field(
        description="funding_pending: the day the funding must be confirmed by"
    )
    occurred_on: date | None = Field(
        description="funding_confirmed: the day it was confirmed; spending_started: the day "
        "spending started"
    )
    cites: str | None = Field(description="citation: the id (idempotency_key) of the entry cited")
    evidence: EvaluationEvidence | None = Field(
        description="evaluation: the measures, figures and payment by results reported"
    )
    recorded_by: str
    workflow_id: str
    run_id: str


class RegisterList(Answer):
    """Register entries matching a filter, oldest first."""

    entries: tuple[RegisterEntry, ...]


def _json_array(value: object) -> object:
    # The register writes list columns as JSON text, ready for a CSV cell; the API's rows
    # carry them as the arrays they are.
    return json.loads(value) if isinstance(value, str) else value


class ExportRow(Answer):
    """One row of the register export: an entry's fields, repeated for each agreed option.

    An entry without agreed options has one row with empty option columns; total
    ``option_amount_pence`` by ``option_source`` to total the money by source.
    """

    idempotency_key: str
    request_ref: str
    cycle: int
    kind: EntryKind
    recorded_at: datetime
    meeting_date: date | None
    outcome: str
    title: str
    amount_pence: int | None
    period_start: date | None = Field(
        description="the funding period: the agreed options' span for a decision or minute "
        "that agrees money, the period asked for by one that does not"
    )
    period_end: date | None
    recurrent: bool
    option_id: str | None
    option_source: str | None
    option_source_detail: str | None
    option_amount_pence: int | None
    amendments: Annotated[tuple[str, ...], BeforeValidator(_json_array)]
    phases: Annotated[tuple[dict[str, str | int], ...], BeforeValidator(_json_array)] = Field(
        description="a de-delegation's outcome and count in each school phase"
    )
    summary: str
    recorded_by: str
    workflow_id: str
    run_id: str
