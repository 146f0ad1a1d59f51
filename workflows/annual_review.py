"""The yearly review of recurrent funding ahead of the forum's annual DSG decision.

A Temporal Schedule (clients.schedules) starts it once a year, a month before the
decision month; it can also be started by hand for any date. It reads the decision
register through an activity and returns what recurrent money runs into the coming
financial year, from which sources, so the decision paper starts from the record
rather than from memory (seed 000: a paper cited a DSG approval no minute supported).
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts import names
    from contracts.annual_review import (
        AnnualReviewInput,
        AnnualReviewReport,
        RecurrentFundingList,
        RecurrentFundingQuery,
    )
    from domain.calendar import LONDON, next_annual_dsg_decision

REGISTER_READ_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


def financial_year_decided(decision_due: date) -> int:
    """The financial year a DSG decision in ``decision_due``'s month funds.

    The first 1 April after the decision month: October 2026 decides the year from 1
    April 2027, and so does January 2027.
    """
    # The inverse of domain.calendar.annual_dsg_decision_date (tests hold them together).
    return decision_due.year + 1 if decision_due.month >= 4 else decision_due.year


@workflow.defn(name=names.ANNUAL_REVIEW_WORKFLOW)
class AnnualReviewWorkflow:
    """Lists the recurrent funding due for the next annual DSG decision."""

    @workflow.run
    async def run(self, review: AnnualReviewInput) -> AnnualReviewReport:
        """List the recurrent funding the next decision after ``review.as_of`` must cover."""
        # workflow.now() is the deterministic start time; London, because a run at
        # 00:30 BST on 1 September is still 31 August in UTC.
        as_of = review.as_of or workflow.now().astimezone(LONDON).date()
        decision_due = next_annual_dsg_decision(as_of, review.decision_month)
        financial_year_start = financial_year_decided(decision_due)
        listing = await workflow.execute_activity(
            names.LIST_RECURRENT_FUNDING_ACTIVITY,
            RecurrentFundingQuery(financial_year_start=financial_year_start),
            result_type=RecurrentFundingList,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=REGISTER_READ_RETRY,
        )
        total_pence = sum(item.amount_pence for item in listing.items)
        workflow.logger.info(
            "annual review listed recurrent funding",
            extra={
                "financial_year_start": financial_year_start,
                "items": len(listing.items),
                "total_pence": total_pence,
            },
        )
        return AnnualReviewReport(
            financial_year_start=financial_year_start,
            decision_due=decision_due,
            items=listing.items,
            total_pence=total_pence,
        )
