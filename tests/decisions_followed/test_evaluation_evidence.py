"""The forum's decision on an evaluation report is in the register with the evidence:
the measures and figures reported, and payment by results where it applies."""

from __future__ import annotations

import pytest

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from contracts.register import EntryKind, EvaluationFigure, PaymentByResultsFigure
from devtools.seeds import CHAIR, EVALUATION, OFFICER
from domain.request.commands import Close, ReportEvaluation
from domain.request.decision import PaymentByResults
from storage.register import DecisionRegister
from tests.lifecycle.drive import evaluated_request

PAID = PaymentByResults(measure="referrals", target=600, achieved=707, amount_paid_pence=5_000_000)

# Its requests keep reminder timers; a time-skipping server of its own keeps them from
# stalling the clock the modules after it skip.
pytestmark = pytest.mark.own_clock


async def test_closing_on_the_report_records_its_figures_and_payment_by_results(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """Closed on a report paid by results: the evaluation entry carries both."""
    reference = await evaluated_request(forum, report=False)
    mismatched = EVALUATION.model_copy(
        update={"payment_by_results": (PAID.model_copy(update={"achieved": 650}),)}
    )
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, ReportEvaluation(report=mismatched), OFFICER)
    assert refused.value.rule == "payment-by-results-matches-outcome"

    report = EVALUATION.model_copy(update={"payment_by_results": (PAID,)})
    await forum.submit(reference, ReportEvaluation(report=report), OFFICER)
    await forum.submit(reference, Close(reason="The outcomes were met"), CHAIR)

    (evaluated,) = [e for e in register.entries_for(reference) if e.kind is EntryKind.EVALUATION]
    assert evaluated.outcome == "ended"
    assert evaluated.evidence is not None
    assert evaluated.evidence.outcomes == (
        EvaluationFigure(measure="referrals", value=707, unit="referrals"),
    )
    assert evaluated.evidence.payment_by_results == (
        PaymentByResultsFigure(
            measure="referrals", target=600, achieved=707, amount_paid_pence=5_000_000
        ),
    )
