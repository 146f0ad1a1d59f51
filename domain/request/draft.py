"""What the officer writes: the draft, its funding options and the recommendation.

A draft may be saved part-written; submitting it and tabling it are where the rules of
``domain.request.rules`` require the rest, so an incomplete paper can be represented and
refused with a precise reason rather than failing as a bare validation error.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from domain.calendar import format_uk_date
from domain.values import (
    MAX_TEXT_LENGTH,
    DomainModel,
    Pence,
    PlannableDate,
    Reference,
    Slug,
    Text,
    require_unique,
)

# --- the draft -----------------------------------------------------------------------


class CostLine(DomainModel):
    """One line of the cost, e.g. 4 posts x GBP 22,401."""

    description: Text
    quantity: int = Field(ge=1, le=1_000_000)
    unit_cost_pence: Pence

    @property
    def total_pence(self) -> int:
        """quantity x unit cost."""
        return self.quantity * self.unit_cost_pence


class Period(DomainModel):
    """A funding period, both ends inclusive."""

    start: PlannableDate
    end: PlannableDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(
                f"end: the period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )
        return self

    @property
    def label(self) -> str:
        """E.g. "1 September 2018 to 31 August 2019"."""
        return f"{format_uk_date(self.start)} to {format_uk_date(self.end)}"


class EvaluationPlan(DomainModel):
    """What will be measured, and when the results come back to the forum."""

    measures: tuple[Text, ...] = Field(min_length=1)
    report_due: PlannableDate

    @model_validator(mode="after")
    def _unique_measures(self) -> Self:
        require_unique(self.measures, "measures")
        return self


class RequestDraft(DomainModel):
    """The officer's request as written: purpose, cost, period and how it will be judged.

    ``purpose`` and ``background`` may be empty while drafting; submitting the draft
    requires them (and an evaluation plan), so a draft can be saved part-written.
    """

    reference: Reference
    title: Text
    purpose: str = Field(default="", max_length=MAX_TEXT_LENGTH)
    background: str = Field(default="", max_length=MAX_TEXT_LENGTH)
    author_id: Text | None = Field(
        default=None,
        description="the officer who created the request, set by forumflow; a draft may "
        "leave it out, and may not name anyone else",
    )
    co_author_ids: tuple[Text, ...] = Field(
        default=(),
        max_length=20,
        description="officers the author names to work on the request with them",
    )
    cost_lines: tuple[CostLine, ...] = Field(min_length=1)
    period: Period
    recurrent: bool
    procurement_needed: bool
    service_start: PlannableDate | None = None
    evaluation_plan: EvaluationPlan | None = None
    citations: tuple[Citation, ...] = Field(
        default=(),
        max_length=20,
        description="earlier decisions the paper relies on, each by its register entry",
    )

    @model_validator(mode="after")
    def _service_start_with_procurement(self) -> Self:
        require_unique(self.co_author_ids, "co_author_ids")
        require_unique((c.entry_id for c in self.citations), "citations: entry_id")
        if self.author_id is not None and self.author_id in self.co_author_ids:
            raise ValueError("co_author_ids: the author is already the author, not a co-author")
        if self.procurement_needed and self.service_start is None:
            raise ValueError(
                "service_start: a request that needs a procurement must give the date the "
                "service starts, from which the latest decision date is worked out"
            )
        if not self.procurement_needed and self.service_start is not None:
            raise ValueError(
                "service_start: only a request that needs a procurement has a service start "
                "date; set procurement_needed or leave service_start empty"
            )
        return self

    @property
    def total_pence(self) -> int:
        """The whole cost: the sum of the cost lines."""
        return sum(line.total_pence for line in self.cost_lines)


# --- funding options and the recommendation ------------------------------------------


class FundingSource(StrEnum):
    """The fixed list of places the money can come from (codes match the register)."""

    dsg_schools_block_dedelegation = "dsg_schools_block_dedelegation"
    dsg_central_school_services = "dsg_central_school_services"
    dsg_high_needs = "dsg_high_needs"
    dsg_early_years = "dsg_early_years"
    centrally_retained = "centrally_retained"
    authority_budget = "authority_budget"
    other_grant = "other_grant"

    @property
    def label(self) -> str:
        """The source as a paper or minute would name it."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: dict[FundingSource, str] = {
    FundingSource.dsg_schools_block_dedelegation: "DSG schools block, by de-delegation",
    FundingSource.dsg_central_school_services: "DSG central school services block",
    FundingSource.dsg_high_needs: "DSG high needs block",
    FundingSource.dsg_early_years: "DSG early years block",
    FundingSource.centrally_retained: "centrally retained budget",
    FundingSource.authority_budget: "the authority's own budget",
    FundingSource.other_grant: "another named grant",
}


class DecisionType(StrEnum):
    """The kind of decision, which decides who may vote on it."""

    general = "general"
    formula = "formula"
    dedelegation = "dedelegation"


class FundingOption(DomainModel):
    """One specific way of paying: a source, an amount, a period and any conditions.

    ``covers`` says which part of the cost the option pays for; it is how an option
    that pays for less than the whole cost declares the gap (see rules.check_tabling).
    ``decision_type`` defaults to ``dedelegation`` for the de-delegation source and to
    ``general`` otherwise; the two must agree.
    """

    option_id: Slug
    source: FundingSource
    source_detail: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    amount_pence: Pence
    period: Period
    conditions: tuple[Text, ...] = ()
    decision_type: DecisionType = DecisionType.general
    covers: Text | None = None

    @model_validator(mode="after")
    def _specific(self) -> Self:
        if (
            "decision_type" not in self.model_fields_set
            and self.source is FundingSource.dsg_schools_block_dedelegation
        ):
            # The de-delegation source can only be decided by de-delegation, so an option
            # that does not say gets that type. Set here because a "before" validator
            # would make strict JSON input validate as Python (refusing ISO dates), and a
            # data-dependent default_factory adds a spurious error when another field fails.
            object.__setattr__(self, "decision_type", DecisionType.dedelegation)
        if self.source is FundingSource.other_grant and not (self.source_detail or "").strip():
            raise ValueError(
                "source_detail: an option funded from another grant must name the grant"
            )
        is_dedelegation_source = self.source is FundingSource.dsg_schools_block_dedelegation
        if is_dedelegation_source != (self.decision_type is DecisionType.dedelegation):
            raise ValueError(
                "decision_type: money from the schools block by de-delegation is decided by "
                "de-delegation, and only that source is; use decision_type 'dedelegation' "
                "exactly when source is 'dsg_schools_block_dedelegation'"
            )
        return self

    @property
    def source_label(self) -> str:
        """The source with its detail, e.g. "another named grant: Holiday Activities Fund"."""
        if self.source_detail:
            return f"{self.source.label}: {self.source_detail}"
        return self.source.label


class Recommendation(DomainModel):
    """What the forum is asked to agree, naming the option(s) by id.

    ``all_of``: agree every named option together (one option is the usual case).
    ``one_of``: an explicit choice; the forum picks exactly one of at least two named
    options. An empty ``option_ids`` is representable so that the seed-000 paper can be
    written down, and is then refused at tabling.
    """

    text: Text
    option_ids: tuple[Slug, ...] = ()
    mode: Literal["all_of", "one_of"] = "all_of"

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        require_unique(self.option_ids, "option_ids")
        if self.mode == "one_of" and len(self.option_ids) < 2:
            raise ValueError(
                "option_ids: a choice between options (mode 'one_of') needs at least two "
                "named options"
            )
        return self


# --- citations of earlier decisions ----------------------------------------------------


class CitedFunding(DomainModel):
    """One source of money a cited register entry records, and how much."""

    source: Text = Field(description="funding-source code, as the register records it")
    amount_pence: Pence


class CitedEntry(DomainModel):
    """What the decision register holds of a cited entry, when the draft was last sent.

    forumflow fills this in from the register (whatever a caller sends is replaced), so
    the request's own rules can check the paper's claim again when it is submitted and
    tabled without reading the register.
    """

    entry_id: Text
    request_ref: Text
    kind: Text = Field(description="the register entry's kind, e.g. decision")
    outcome: Text
    meeting_date: date | None = None
    minutes_confirmed: bool = Field(
        description="whether the minutes of the meeting that decided it are confirmed"
    )
    funding: tuple[CitedFunding, ...] = ()


class Citation(DomainModel):
    """A paper's reliance on an earlier decision, by its register entry, and what the paper
    says of it: the source the money came from and, if it says, how much."""

    entry_id: Text = Field(
        description="the cited register entry's id (its idempotency_key), e.g. "
        "SMF-2018-EHP/c1/decision/17"
    )
    request_ref: Reference = Field(description="the reference of the request it decided")
    claimed_source: FundingSource
    claimed_amount_pence: Pence | None = None
    claim: Text | None = Field(
        default=None, description="the paper's own words, e.g. 'approved from the DSG'"
    )
    entry: CitedEntry | None = Field(
        default=None,
        description="the register's facts, filled in by forumflow when the draft is sent",
    )


# The draft names its citations before they are declared, below the sources they claim.
RequestDraft.model_rebuild()
