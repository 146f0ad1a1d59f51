"""The annual DSG review: what it lists from a real register, on real servers, and its Schedule."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from temporalio.client import (
    ScheduleActionExecutionStartWorkflow,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    ScheduleRange,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.annual_review import AnnualReviewActivities, recurrent_funding
from clients.schedules import (
    DEFAULT_SCHEDULE_ID,
    annual_review_schedule_id,
    ensure_annual_review_schedule,
    review_month,
)
from contracts.annual_review import AnnualReviewInput, AnnualReviewReport
from contracts.register import AgreedFunding, EntryKind, RegisterEntry
from domain.calendar import LONDON, annual_dsg_decision_date, next_annual_dsg_decision
from storage.register import DecisionRegister
from workflows.annual_review import AnnualReviewWorkflow, financial_year_decided

FAMILY_SUPPORT = AgreedFunding(
    option_id="de-delegation",
    source="dsg_schools_de_delegation",
    source_detail="early help family support",
    amount_pence=45_000_000,
)
PRACTITIONERS_HIGH_NEEDS = AgreedFunding(
    option_id="high-needs", source="dsg_high_needs", amount_pence=4_480_200
)
PRACTITIONERS_CENTRAL = AgreedFunding(
    option_id="central", source="centrally_retained", amount_pence=4_480_200
)


def entry(ref: str, kind: EntryKind = EntryKind.DECISION, **overrides: Any) -> RegisterEntry:
    """A recurrent approval of ``ref`` at the 9 October 2025 meeting, funded for two years."""
    cycle = overrides.get("cycle", 1)
    fields: dict[str, Any] = {
        "idempotency_key": f"{ref}/c{cycle}/{kind.value}",
        "request_ref": ref,
        "cycle": cycle,
        "kind": kind,
        "recorded_at": datetime(2025, 10, 9, 15, tzinfo=UTC),
        "meeting_date": date(2025, 10, 9),
        "outcome": "approved",
        "title": f"Request {ref}",
        "period_start": date(2026, 4, 1),
        "period_end": date(2028, 3, 31),
        "recurrent": True,
        "agreed_options": (FAMILY_SUPPORT,),
        "recorded_by": "clerk",
        "workflow_id": f"request-{ref}",
        "run_id": "run-1",
    }
    return RegisterEntry.model_validate(fields | overrides)


def seed_register(register: DecisionRegister, **period: Any) -> None:
    """Two recurrent approvals that run into FY 2027, and four entries the review must ignore."""
    for recorded in (
        # Seed 003: recurrent family support, approved and its minutes confirmed.
        entry("SMF-EHFS", **period),
        entry(
            "SMF-EHFS",
            EntryKind.MINUTE_CONFIRMED,
            recorded_at=datetime(2025, 12, 4, 15, tzinfo=UTC),
            **period,
        ),
        # Seed 000, done right: split funding, approved, minutes not yet confirmed.
        entry(
            "SMF-EHP",
            agreed_options=(PRACTITIONERS_HIGH_NEEDS, PRACTITIONERS_CENTRAL),
            amount_pence=8_960_400,
            **period,
        ),
        entry("SMF-ONE-OFF", recurrent=False, **period),
        entry("SMF-REJECTED", outcome="rejected", agreed_options=(), **period),
        entry("SMF-DEFERRED", outcome="deferred", agreed_options=(), **period),
        entry("SMF-ENDED", period_start=date(2025, 4, 1), period_end=date(2027, 3, 31)),
    ):
        register.record(recorded)


@asynccontextmanager
async def review_worker(
    env: WorkflowEnvironment, task_queue: str, register: DecisionRegister
) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[AnnualReviewWorkflow],
            activities=[AnnualReviewActivities(register).list_recurrent],
            activity_executor=executor,
        ) as worker:
            yield worker


def assert_lists_the_two_recurrent_approvals(report: AnnualReviewReport) -> None:
    assert [item.request_ref for item in report.items] == ["SMF-EHFS", "SMF-EHP"]
    family, practitioners = report.items
    assert family.minutes_confirmed is True
    assert family.register_key == "SMF-EHFS/c1/minute_confirmed"
    assert family.agreed == (FAMILY_SUPPORT,)
    assert family.amount_pence == 45_000_000
    assert practitioners.minutes_confirmed is False
    assert [option.source for option in practitioners.agreed] == [
        "dsg_high_needs",
        "centrally_retained",
    ]
    assert practitioners.amount_pence == 8_960_400
    assert report.total_pence == 45_000_000 + 8_960_400


async def test_review_lists_recurrent_funding_running_into_the_financial_year(
    env: WorkflowEnvironment, task_queue: str, register: DecisionRegister
) -> None:
    """From 1 September 2026 the review targets FY 2027 and lists only recurrent approvals."""
    seed_register(register)

    async with review_worker(env, task_queue, register):
        report = await env.client.execute_workflow(
            AnnualReviewWorkflow.run,
            AnnualReviewInput(decision_month=10, as_of=date(2026, 9, 1)),
            id=f"annual-review-{uuid.uuid4()}",
            task_queue=task_queue,
        )

    assert report.financial_year_start == 2027
    assert report.decision_due == date(2026, 10, 1)
    assert_lists_the_two_recurrent_approvals(report)


async def test_review_defaults_to_the_london_date_the_workflow_starts(
    env: WorkflowEnvironment, task_queue: str, register: DecisionRegister
) -> None:
    """Without as_of the review uses the start day in London to find the next decision."""
    async with review_worker(env, task_queue, register):
        handle = await env.client.start_workflow(
            AnnualReviewWorkflow.run,
            AnnualReviewInput(decision_month=3),
            id=f"annual-review-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        report = await handle.result()
        started = (await handle.describe()).start_time

    expected_due = next_annual_dsg_decision(started.astimezone(LONDON).date(), 3)
    assert report.decision_due == expected_due
    assert report.financial_year_start == expected_due.year
    assert report.items == ()
    assert report.total_pence == 0


def test_latest_cycle_wins_and_a_confirmed_minute_beats_its_decision() -> None:
    """Per request, the newest covering cycle is listed, from its confirmed minute if any."""
    extended: dict[str, Any] = {
        "cycle": 2,
        "period_start": date(2027, 3, 1),
        "period_end": date(2028, 2, 29),
    }
    entries = [
        entry("SMF-A", period_start=date(2026, 4, 1), period_end=date(2027, 8, 31)),
        entry("SMF-A", **extended),
        entry("SMF-A", EntryKind.MINUTE_CONFIRMED, amount_pence=40_000_000, **extended),
        entry("SMF-B", EntryKind.MINUTE_CONFIRMED, outcome="confirmed", agreed_options=()),
    ]

    (item,) = recurrent_funding(entries, date(2027, 4, 1))

    assert (item.request_ref, item.cycle) == ("SMF-A", 2)
    assert item.register_key == "SMF-A/c2/minute_confirmed"
    assert item.amount_pence == 40_000_000
    assert item.minutes_confirmed is True


def test_decision_without_a_recorded_period_is_not_listed() -> None:
    """A decision entry alone has no period, so it cannot be said to cover the year."""
    assert (
        recurrent_funding([entry("SMF-A", period_start=None, period_end=None)], date(2027, 4, 1))
        == []
    )


@pytest.mark.parametrize("decision_month", range(1, 13))
def test_financial_year_decided_inverts_the_domain_decision_date(decision_month: int) -> None:
    """The year a decision month funds agrees with domain.calendar.annual_dsg_decision_date."""
    decision_due = annual_dsg_decision_date(2027, decision_month)

    assert financial_year_decided(decision_due) == 2027


def test_schedule_ids_and_review_months() -> None:
    """The default id is the forumflow namespace's; the review runs the month before."""
    assert annual_review_schedule_id("forumflow") == DEFAULT_SCHEDULE_ID
    assert [review_month(month) for month in (10, 4, 1)] == [9, 3, 12]
    with pytest.raises(ValueError, match="1-12"):
        review_month(13)


async def wait_for_action(handle: ScheduleHandle) -> ScheduleActionExecutionStartWorkflow:
    """The first workflow the schedule started, once the server has recorded it."""
    for _ in range(200):
        description = await handle.describe()
        if description.info.recent_actions:
            action = description.info.recent_actions[-1].action
            assert isinstance(action, ScheduleActionExecutionStartWorkflow)
            return action
        await asyncio.sleep(0.05)
    raise AssertionError("the schedule recorded no action within 10 s")


def assert_review_spec(description: ScheduleDescription, month: int) -> None:
    spec = description.schedule.spec
    assert spec.time_zone_name == "Europe/London"
    (calendar,) = spec.calendars
    assert tuple(calendar.month) == (ScheduleRange(month),)
    assert tuple(calendar.day_of_month) == (ScheduleRange(1),)
    assert tuple(calendar.hour) == (ScheduleRange(9),)
    assert tuple(calendar.minute) == (ScheduleRange(0),)
    assert tuple(calendar.second) == (ScheduleRange(0),)
    assert description.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
    # 09:00 on the London clock, whether the 1st falls in BST or GMT.
    next_run = description.info.next_action_times[0].astimezone(LONDON)
    assert (next_run.month, next_run.day, next_run.hour, next_run.minute) == (month, 1, 9, 0)


@pytest.mark.devserver_only
async def test_schedule_runs_the_review_at_9_london_a_month_before_the_decision(
    env: WorkflowEnvironment, task_queue: str, register: DecisionRegister
) -> None:
    """The schedule shows its London calendar spec, and a triggered run returns the review."""
    # Periods wide enough to cover whichever year the run's start date targets.
    seed_register(register, period_start=date(2000, 4, 1), period_end=date(2099, 3, 31))
    schedule_id = f"annual-review-test-{uuid.uuid4()}"

    async with review_worker(env, task_queue, register):
        handle = await ensure_annual_review_schedule(
            env.client, task_queue=task_queue, schedule_id=schedule_id
        )
        try:
            assert_review_spec(await handle.describe(), month=9)
            await handle.trigger()
            action = await wait_for_action(handle)
            run = env.client.get_workflow_handle_for(AnnualReviewWorkflow.run, action.workflow_id)
            report = await run.result()
            started = (await run.describe()).start_time
        finally:
            await handle.delete()

    assert action.workflow_id.startswith(f"{schedule_id}-")
    expected_due = next_annual_dsg_decision(started.astimezone(LONDON).date(), 10)
    assert report.decision_due == expected_due
    assert report.financial_year_start == expected_due.year + 1
    assert_lists_the_two_recurrent_approvals(report)


@pytest.mark.devserver_only
async def test_ensure_schedule_again_updates_it_and_keeps_it_paused(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    """A second ensure updates the spec without error and leaves an operator's pause alone."""
    schedule_id = f"annual-review-test-{uuid.uuid4()}"
    handle = await ensure_annual_review_schedule(
        env.client, task_queue=task_queue, schedule_id=schedule_id
    )
    try:
        await handle.pause(note="paused by the clerk")
        again = await ensure_annual_review_schedule(
            env.client, task_queue=task_queue, decision_month=11, schedule_id=schedule_id
        )
        description = await again.describe()
    finally:
        await handle.delete()

    assert again.id == schedule_id
    assert_review_spec(description, month=10)
    assert description.schedule.state.paused is True
    assert description.schedule.state.note == "paused by the clerk"
