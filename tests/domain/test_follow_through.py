"""Tests for what follows a minute (domain/request/follow_through.py): funding an approval
waits on, its confirmation, spending started, payment by results; and for the citation
rule (domain/request/citations.py) a paper relying on an earlier decision must pass."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    JULY_2018_MEETING,
    OFFICER,
    SCHOOLS_BLOCK,
    TOTAL_PENCE,
)
from domain.calendar import LONDON
from domain.deadlines import DeadlineKind, request_deadlines
from domain.errors import RuleViolation
from domain.request import errors
from domain.request.citations import check_citation, check_draft_citations
from domain.request.commands import (
    ConfirmFunding,
    RecordMinute,
    RecordSpending,
    ReportEvaluation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import MeasuredOutcome, PaymentByResults
from domain.request.draft import Citation, CitedEntry, CitedFunding, FundingSource
from domain.request.lifecycle import apply
from domain.request.models import FundingState, RequestState, Stage
from domain.values import evolve
from tests.domain.test_lifecycle import DRAFT, MINUTE, SMF, Clock, new_request, state_at

FUNDING_DUE = date(2018, 10, 31)
CONDITIONAL = MINUTE.model_copy(
    update={"funding_condition": "pending the DSG allocation", "funding_due": FUNDING_DUE}
)
# Well after the July 2018 meeting, so every date recorded below is in the past.
AUTUMN = datetime(2018, 11, 5, 10, tzinfo=UTC)
RETAINED = CENTRALLY_RETAINED.option_id


def conditional_minuted() -> RequestState:
    """The seed approval minuted as waiting on the DSG allocation."""
    return apply(state_at(Stage.decided), RecordMinute(minute=CONDITIONAL), CLERK, AUTUMN)


def confirm(**changes: object) -> ConfirmFunding:
    fields: dict[str, object] = {
        "confirmed_by": "Head of Schools Finance",
        "confirmed_on": date(2018, 11, 1),
        "option_ids": (RETAINED,),
        "amount_pence": TOTAL_PENCE,
    }
    return ConfirmFunding.model_validate({**fields, **changes})


# --- the minute's funding condition ----------------------------------------------------


def test_a_funding_condition_needs_its_due_date() -> None:
    """A minute gives both the funding condition and the day it must be met by, or neither."""
    with pytest.raises(ValidationError, match="funding_due"):
        MINUTE.model_validate({**dict(MINUTE), "funding_condition": "pending the allocation"})
    with pytest.raises(ValidationError, match="funding_due"):
        MINUTE.model_validate({**dict(MINUTE), "funding_due": FUNDING_DUE})


def test_an_approval_minuted_on_condition_shows_funding_not_confirmed_with_its_date() -> None:
    """The request shows "approved, funding not confirmed" with the day, and the audit says so."""
    state = conditional_minuted()
    assert state.funding_state is FundingState.not_confirmed
    assert state.funding_state_text == (
        "approved, funding not confirmed: pending the DSG allocation; to be confirmed by "
        "31 October 2018"
    )
    assert state.audit[-1].summary.endswith(
        "Funding not yet confirmed: pending the DSG allocation; to be confirmed by 31 October 2018."
    )
    unconditional = apply(state_at(Stage.decided), RecordMinute(minute=MINUTE), CLERK, AUTUMN)
    assert unconditional.funding_state is FundingState.available


def test_the_funding_deadline_is_5pm_london_on_the_due_day_for_the_officer_and_escalates() -> None:
    """Unconfirmed funding is a deadline at 5pm London on funding_due, the officer's, escalating."""
    (deadline,) = [
        d
        for d in request_deadlines(conditional_minuted())
        if d.kind is DeadlineKind.funding_confirmation
    ]
    assert deadline.due == datetime(2018, 10, 31, 17, tzinfo=LONDON)
    assert deadline.responsible_role.value == "officer"
    assert deadline.escalates is True
    assert deadline.key.endswith("/c1/funding_confirmation/2018-10-31")
    plain = apply(state_at(Stage.decided), RecordMinute(minute=MINUTE), CLERK, AUTUMN)
    assert DeadlineKind.funding_confirmation not in {d.kind for d in request_deadlines(plain)}


def test_a_funding_due_date_on_or_before_the_meeting_is_refused() -> None:
    """Funding due by the day of the deciding meeting is refused, naming minute.funding_due."""
    early = CONDITIONAL.model_copy(update={"funding_due": JULY_2018_MEETING})
    with pytest.raises(errors.FundingDueBeforeMeeting) as caught:
        apply(state_at(Stage.decided), RecordMinute(minute=early), CLERK, AUTUMN)
    assert caught.value.field == "minute.funding_due"
    assert caught.value.rule == "funding-due-after-meeting"


# --- confirming the funding ------------------------------------------------------------


def test_confirming_the_minutes_funding_clears_the_deadline() -> None:
    """A confirmation matching the minute's option and amount is recorded; the deadline goes."""
    state = apply(conditional_minuted(), confirm(), OFFICER, AUTUMN)
    assert state.funding_state is FundingState.confirmed
    assert state.funding_confirmation is not None
    assert state.funding_confirmation.recorded_by == OFFICER.user_id
    assert state.funding_state_text == (
        "approved, funding confirmed on 1 November 2018 by Head of Schools Finance"
    )
    assert DeadlineKind.funding_confirmation not in {d.kind for d in request_deadlines(state)}
    assert "£89,604 from centrally retained budget" in state.audit[-1].summary


@pytest.mark.parametrize(
    ("changes", "refusal", "field"),
    [
        (
            {"option_ids": (SCHOOLS_BLOCK.option_id,)},
            errors.FundingOptionsDifferFromMinute,
            "option_ids",
        ),
        (
            {"option_ids": (RETAINED, SCHOOLS_BLOCK.option_id)},
            errors.FundingOptionsDifferFromMinute,
            "option_ids",
        ),
        ({"amount_pence": TOTAL_PENCE - 1}, errors.FundingAmountDiffersFromMinute, "amount_pence"),
        ({"confirmed_on": date(2018, 11, 6)}, errors.DateInTheFuture, "confirmed_on"),
    ],
)
def test_a_confirmation_that_differs_from_the_minute_is_refused(
    changes: dict[str, object], refusal: type[RuleViolation], field: str
) -> None:
    """Another option, another amount or a day still to come is refused, naming the field."""
    state = conditional_minuted()
    with pytest.raises(refusal) as caught:
        apply(state, confirm(**changes), OFFICER, AUTUMN)
    assert caught.value.field == field


def test_only_a_conditional_approval_is_confirmed_and_only_once() -> None:
    """Confirming an approval that waited on nothing, or confirming twice, is refused."""
    plain = apply(state_at(Stage.decided), RecordMinute(minute=MINUTE), CLERK, AUTUMN)
    with pytest.raises(errors.FundingNotConditional):
        apply(plain, confirm(), OFFICER, AUTUMN)
    confirmed = apply(conditional_minuted(), confirm(), OFFICER, AUTUMN)
    with pytest.raises(errors.FundingAlreadyConfirmed):
        apply(confirmed, confirm(), OFFICER, AUTUMN)


# --- spending -----------------------------------------------------------------------------


def test_spending_before_the_funding_is_confirmed_is_recorded_as_such() -> None:
    """Spending started while the funding waits is marked before_funding_confirmed."""
    spend = RecordSpending(started_on=date(2018, 9, 1), description="Four posts filled")
    early = apply(conditional_minuted(), spend, OFFICER, AUTUMN)
    assert early.spending is not None
    assert early.spending.before_funding_confirmed is True
    assert "before its funding was confirmed" in early.audit[-1].summary
    # Confirmed later, but dated after the spending began: it still came first.
    confirmed = apply(conditional_minuted(), confirm(), OFFICER, AUTUMN)
    spent_first = apply(confirmed, spend, OFFICER, AUTUMN)
    assert spent_first.spending is not None
    assert spent_first.spending.before_funding_confirmed
    after = apply(
        confirmed,
        RecordSpending(started_on=date(2018, 11, 2), description="Posts filled"),
        OFFICER,
        AUTUMN,
    )
    assert after.spending is not None
    assert not after.spending.before_funding_confirmed
    with pytest.raises(errors.SpendingAlreadyRecorded):
        apply(early, spend, OFFICER, AUTUMN)


def test_spending_cannot_start_in_the_future() -> None:
    """A start day after today (London) is refused, naming started_on."""
    with pytest.raises(errors.DateInTheFuture) as caught:
        apply(
            conditional_minuted(),
            RecordSpending(started_on=date(2019, 1, 1), description="Posts"),
            OFFICER,
            AUTUMN,
        )
    assert caught.value.field == "started_on"


# --- payment by results ----------------------------------------------------------------------


def test_payment_by_results_must_match_a_reported_outcome() -> None:
    """Payment on a measure not reported, or on another figure, is refused; a match is noted."""
    state = state_at(Stage.evaluation)
    paid = PaymentByResults(
        measure="referrals", target=600, achieved=707, amount_paid_pence=5_000_000
    )
    report = EVALUATION.model_copy(update={"payment_by_results": (paid,)})
    reported = apply(state, ReportEvaluation(report=report), OFFICER, AUTUMN)
    assert reported.audit[-1].summary.endswith(
        "Paid by results: referrals: 707 of 600, £50,000 paid."
    )
    unmeasured = report.model_copy(
        update={"payment_by_results": (paid.model_copy(update={"measure": "families"}),)}
    )
    with pytest.raises(errors.PaymentByResultsUnmeasured) as caught:
        apply(state, ReportEvaluation(report=unmeasured), OFFICER, AUTUMN)
    assert caught.value.field == "report.payment_by_results[0].measure"
    other_figure = report.model_copy(
        update={"payment_by_results": (paid.model_copy(update={"achieved": 800}),)}
    )
    with pytest.raises(errors.PaymentByResultsDiffersFromOutcome):
        apply(state, ReportEvaluation(report=other_figure), OFFICER, AUTUMN)
    assert MeasuredOutcome(measure="referrals", value=707, unit="referrals") in report.outcomes


# --- citations --------------------------------------------------------------------------------

JULY_APPROVAL = "SMF-2018-EHP/c1/decision/17"
RECORDED = CitedEntry(
    entry_id=JULY_APPROVAL,
    request_ref="SMF-2018-EHP",
    kind="decision",
    outcome="approved_as_amended",
    meeting_date=JULY_2018_MEETING,
    minutes_confirmed=True,
    funding=(CitedFunding(source="centrally_retained", amount_pence=TOTAL_PENCE),),
)
# Seed 000, January 2019: the paper said the posts were approved "from the DSG".
FROM_THE_DSG = Citation(
    entry_id=JULY_APPROVAL,
    request_ref="SMF-2018-EHP",
    claimed_source=FundingSource.dsg_schools_block_dedelegation,
    claim="approved from the DSG (schools block)",
)
AS_MINUTED = FROM_THE_DSG.model_copy(
    update={"claimed_source": FundingSource.centrally_retained, "claim": None}
)


def test_the_january_2019_claim_from_the_dsg_is_refused() -> None:
    """Seed 000: citing the July approval as funded from the schools block is refused."""
    with pytest.raises(errors.CitedSourceNotRecorded) as caught:
        check_citation(FROM_THE_DSG, RECORDED, "draft.citations[0]")
    assert caught.value.field == "draft.citations[0].claimed_source"
    assert caught.value.rule == "citation-source-not-recorded"
    assert "centrally retained budget" in caught.value.message


@pytest.mark.parametrize(
    ("entry", "citation", "refusal", "part"),
    [
        (None, AS_MINUTED, errors.CitedEntryNotFound, "entry_id"),
        (
            RECORDED.model_copy(update={"request_ref": "SMF-OTHER"}),
            AS_MINUTED,
            errors.CitedEntryNotFound,
            "entry_id",
        ),
        (
            RECORDED.model_copy(update={"outcome": "rejected", "funding": ()}),
            AS_MINUTED,
            errors.CitedEntryNotAnApproval,
            "entry_id",
        ),
        (
            RECORDED.model_copy(update={"minutes_confirmed": False}),
            AS_MINUTED,
            errors.CitedMinutesUnconfirmed,
            "entry_id",
        ),
        (
            RECORDED,
            AS_MINUTED.model_copy(update={"claimed_amount_pence": 100}),
            errors.CitedAmountNotRecorded,
            "claimed_amount_pence",
        ),
    ],
)
def test_a_citation_the_register_does_not_support_is_refused(
    entry: CitedEntry | None,
    citation: Citation,
    refusal: type[errors.CitationRefused],
    part: str,
) -> None:
    """No such entry, not an approval, unconfirmed minutes or another amount: each refused."""
    with pytest.raises(refusal) as caught:
        check_citation(citation, entry, "draft.citations[2]")
    assert caught.value.field == f"draft.citations[2].{part}"


def test_a_citation_the_register_supports_passes() -> None:
    """The approval cited for the source and amount it records passes."""
    check_citation(
        AS_MINUTED.model_copy(update={"claimed_amount_pence": TOTAL_PENCE}),
        RECORDED,
        "draft.citations[0]",
    )


def test_the_request_checks_its_citations_again_at_submission_and_tabling() -> None:
    """A draft carrying no register facts, or facts that refute it, is not submitted or tabled."""
    clock = Clock()
    unresolved = evolve(DRAFT, citations=(AS_MINUTED,))
    with pytest.raises(errors.CitedEntryNotFound):
        check_draft_citations(unresolved)
    state = RequestState.new(unresolved, OFFICER, clock())
    with pytest.raises(errors.CitedEntryNotFound):
        apply(state, SubmitDraft(), OFFICER, clock())
    resolved = evolve(DRAFT, citations=(AS_MINUTED.model_copy(update={"entry": RECORDED}),))
    listing = state_at(Stage.option_listing)
    good = evolve(listing, draft=resolved)
    tabled = apply(
        good, TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF), CHAIR, AUTUMN
    )
    assert tabled.stage is Stage.tabled
    bad = evolve(
        listing,
        draft=evolve(DRAFT, citations=(FROM_THE_DSG.model_copy(update={"entry": RECORDED}),)),
    )
    with pytest.raises(errors.CitedSourceNotRecorded) as caught:
        apply(bad, TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF), CHAIR, AUTUMN)
    assert caught.value.field == "draft.citations[0].claimed_source"
    assert new_request(Clock()).draft.citations == ()
