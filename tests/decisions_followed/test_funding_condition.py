"""An approval whose money is not yet available, on both servers: visible as pending with
its date, confirmed only as the minute agreed it, and spending before it marked as such."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from contracts.register import EntryKind
from devtools.seeds import OFFICER, SCHOOLS_BLOCK, TOTAL_PENCE
from domain.calendar import LONDON, format_uk_date
from domain.deadlines import DeadlineKind
from domain.request.commands import RecordSpending
from domain.request.models import FundingState
from storage.register import DecisionRegister
from tests.decisions_followed.follow import (
    AUTHOR,
    CONDITION,
    conditionally_approved,
    confirmation,
    days,
    london_today,
)
from tests.lifecycle.drive import history_length

# Its requests keep reminder timers; a time-skipping server of its own keeps them from
# stalling the clock the modules after it skip.
pytestmark = pytest.mark.own_clock


async def test_a_conditional_approval_shows_funding_pending_with_its_date(
    env: WorkflowEnvironment, forum: FundingRequests, register: DecisionRegister
) -> None:
    """Minuted on condition: "funding not confirmed" with its date, a deadline, a register entry."""
    due = await london_today(env) + days(60)
    reference = await conditionally_approved(forum, due, confirm_minutes=False)

    state = await forum.state(reference)
    assert state.funding_state is FundingState.not_confirmed
    assert state.funding_state_text == (
        f"approved, funding not confirmed: {CONDITION}; to be confirmed by {format_uk_date(due)}"
    )
    deadlines = (await forum.deadlines(reference)).deadlines
    (funding,) = [d for d in deadlines if d.kind is DeadlineKind.funding_confirmation]
    assert funding.due == datetime.combine(due, time(17), tzinfo=LONDON)
    assert funding.escalates
    (pending,) = [e for e in register.entries_for(reference) if e.kind is EntryKind.FUNDING_PENDING]
    assert (pending.outcome, pending.due_date, pending.summary) == ("pending", due, CONDITION)
    assert [option.source for option in pending.agreed_options] == ["centrally_retained"]


async def test_funding_is_confirmed_only_as_the_minute_agreed_it(
    env: WorkflowEnvironment, forum: FundingRequests, register: DecisionRegister
) -> None:
    """A confirmation of another option or amount is refused with nothing in history; the
    minute's own is recorded, in the register with its source and amount."""
    today = await london_today(env)
    reference = await conditionally_approved(forum, today + days(60))
    handle = forum.handle(reference)
    events_before = await history_length(handle)
    entries_before = register.count(reference)

    for wrong, rule, field in (
        (
            {"option_ids": (SCHOOLS_BLOCK.option_id,)},
            "funding-options-differ-from-minute",
            "option_ids",
        ),
        ({"amount_pence": TOTAL_PENCE - 100}, "funding-amount-differs-from-minute", "amount_pence"),
    ):
        with pytest.raises(TransitionRefused) as refused:
            await forum.submit(reference, confirmation(today, **wrong), AUTHOR)
        assert (refused.value.rule, refused.value.field) == (rule, field)
    assert await history_length(handle) == events_before
    assert register.count(reference) == entries_before
    assert (await forum.state(reference)).funding_confirmation is None

    result = await forum.submit(reference, confirmation(today), AUTHOR)
    assert len(result.register_keys) == 1
    state = await forum.state(reference)
    assert state.funding_state is FundingState.confirmed
    kinds = {d.kind for d in (await forum.deadlines(reference)).deadlines}
    assert DeadlineKind.funding_confirmation not in kinds
    (confirmed,) = register.search(kind=EntryKind.FUNDING_CONFIRMED)
    assert confirmed.idempotency_key == result.register_keys[0]
    assert confirmed.occurred_on == today
    assert [(o.source, o.amount_pence) for o in confirmed.agreed_options] == [
        ("centrally_retained", TOTAL_PENCE)
    ]
    assert confirmed.amount_pence == TOTAL_PENCE


async def test_spending_before_the_funding_is_confirmed_is_recorded_as_such(
    env: WorkflowEnvironment, forum: FundingRequests, register: DecisionRegister
) -> None:
    """Spending started while the money waits shows on the request and in the register."""
    today = await london_today(env)
    reference = await conditionally_approved(forum, today + days(60))
    await forum.submit(
        reference, RecordSpending(started_on=today, description="Four posts filled"), OFFICER
    )

    state = await forum.state(reference)
    assert state.spending is not None
    assert state.spending.before_funding_confirmed
    assert "before its funding was confirmed" in state.audit[-1].summary
    (spent,) = register.search(kind=EntryKind.SPENDING_STARTED)
    assert (spent.request_ref, spent.outcome, spent.occurred_on) == (
        reference,
        "before_funding_confirmed",
        today,
    )
