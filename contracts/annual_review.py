"""What crosses the Temporal boundary for the yearly DSG review: the workflow's input and
report, and the register read its activity makes.

The workflow, its activity and the Schedule that starts it each import these from here,
so none of them needs the others' code (the activity's register, the workflow sandbox).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts.register import AgreedFunding


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnnualReviewInput(_Message):
    """When the forum takes its DSG decision, and the day to review from."""

    decision_month: int = Field(default=10, ge=1, le=12, description="October in seed 003")
    as_of: date | None = Field(
        default=None, description="defaults to the day the workflow starts, in Europe/London"
    )


class RecurrentFundingQuery(_Message):
    """Which financial year the review is for."""

    financial_year_start: int = Field(
        ge=2000, le=2100, description="the year whose 1 April starts the financial year"
    )

    @property
    def first_day(self) -> date:
        """1 April of the financial year."""
        return date(self.financial_year_start, 4, 1)


class RecurrentFundingItem(_Message):
    """One request's recurrent money running into the financial year, as the register has it."""

    request_ref: str
    title: str
    cycle: int
    decided_at_meeting: date
    minutes_confirmed: bool = Field(
        description="the decision's minutes were confirmed, so it is final, not provisional"
    )
    period_start: date
    period_end: date
    agreed: tuple[AgreedFunding, ...] = Field(description="the agreed sources and their amounts")
    amount_pence: int = Field(ge=0, description="for the whole funding period, not per year")
    register_key: str = Field(description="the register entry this item cites")


class RecurrentFundingList(_Message):
    """The recurrent funding covering 1 April of ``financial_year_start``, by request."""

    financial_year_start: int
    items: tuple[RecurrentFundingItem, ...]


class AnnualReviewReport(_Message):
    """The recurrent funding the coming DSG decision must cover, and its total."""

    financial_year_start: int = Field(description="the year whose 1 April the decision funds")
    decision_due: date = Field(description="first day of the month the forum decides in")
    items: tuple[RecurrentFundingItem, ...]
    total_pence: int = Field(ge=0, description="sum of the items' agreed amounts")
