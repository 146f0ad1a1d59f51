"""Benchmark 4: a two-year lifecycle on the time-skipping server, against the minimal
workflow sleeping through as many timers, each on a fresh server with fresh workers."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.baseline_rows import lifecycle_rows, rows_for
from bench.baseline_workflow import BaselineInput, BaselineWorkflow
from bench.harness import (
    Clock,
    Server,
    Sizes,
    drive,
    log_lines,
    london_today,
    noops,
    retrying,
    start_baseline,
)
from bench.measure import median, timed
from bench.report import BenchmarkResult, Goal, Metric
from bench.scenario import (
    OFFICER,
    Dates,
    closing_steps,
    draft,
    listing_steps,
    minuting_steps,
    new_reference,
    opening_steps,
    voting_steps,
)
from clients.requests import FundingRequests
from contracts import search_attributes
from contracts.register import RegisterEntry
from devtools.devserver import add_search_attributes
from devtools.toolchain import ensure_test_server
from domain.request.draft import Period

TIMESKIP_GOAL = Goal(1.5)
"""Against the baselines that sleep through the same timers and take the same Updates."""


@dataclass(frozen=True)
class TwoYears:
    """What one time-skipped lifecycle did."""

    wall_seconds: float
    workflow_seconds: float
    events: dict[str, int]
    phases: dict[str, float]


async def _sleep_past(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


async def two_year_request(env: WorkflowEnvironment, forum: FundingRequests, days: int) -> TwoYears:
    """A request with a procurement lead-in and an evaluation, across ``days`` of skipped time.

    Drafted today for a service starting in about twenty months (12-month lead-in),
    with the forum's meetings every eight weeks: the procurement and papers reminders
    fire, then it is decided and minuted; the evaluation report and the end of the
    funding period are reminded and escalated; then it is reported and closed.
    """
    today = london_today(await env.get_current_time())
    end = today + timedelta(days=days)
    start = end - timedelta(days=121)
    dates = Dates(
        meeting=today,
        period=Period(start=start, end=end),
        report_due=end - timedelta(days=60),
        service_start=start,
    )
    meetings = tuple(today + timedelta(weeks=8 * n) for n in range(1, days // 56 + 1))
    reference = new_reference()
    phases: dict[str, float] = {}
    started = mark = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[phase] = round(now - mark, 3)
        mark = now

    handle = await forum.create(draft(reference, dates), OFFICER, scheduled_meetings=meetings)
    await drive(forum, reference, listing_steps(dates))
    lap("draft_and_options")
    deadlines = (await forum.deadlines(reference)).deadlines
    await _sleep_past(env, max(d.due for d in deadlines) + timedelta(hours=1))
    lap("skip_past_procurement_deadline")
    meeting = london_today(await env.get_current_time()) + timedelta(days=14)
    await drive(
        forum, reference, [*opening_steps(meeting), *voting_steps(), *minuting_steps(dates)]
    )
    lap("meeting_vote_minutes")
    deadlines = (await forum.deadlines(reference)).deadlines
    await _sleep_past(env, max(d.due for d in deadlines) + timedelta(hours=1))
    lap("skip_past_period_end")
    await drive(forum, reference, closing_steps())
    await handle.result()
    lap("report_and_close")
    wall = time.perf_counter() - started
    history = (await handle.fetch_history()).events
    span = history[-1].event_time.ToDatetime() - history[0].event_time.ToDatetime()
    kinds = Counter(EventType.Name(event.event_type) for event in history)
    wanted = {
        "timers_started": kinds["EVENT_TYPE_TIMER_STARTED"],
        "timers_fired": kinds["EVENT_TYPE_TIMER_FIRED"],
        "timers_canceled": kinds["EVENT_TYPE_TIMER_CANCELED"],
        "activities": kinds["EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"],
        "updates": kinds["EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED"],
        "history_events": len(history),
    }
    return TwoYears(wall, span.total_seconds(), wanted, phases)


async def sleep_through(
    client: Client,
    task_queue: str,
    sleeper: BaselineInput,
    *,
    updates: int = 0,
    rows: Sequence[RegisterEntry] = (),
) -> None:
    """Run the minimal workflow through its timers, after ``updates`` Updates: no-ops,
    except that one for each of ``rows`` writes it to the register."""
    handle = await start_baseline(client, task_queue, sleeper)
    await noops(handle, updates - len(rows))
    for entry in rows:
        await retrying(partial(handle.execute_update, BaselineWorkflow.record, entry), "baseline")
    await handle.result()


@dataclass(frozen=True)
class TimeskipRun:
    """One timed repeat of the two-year benchmark: forumflow and both baselines."""

    request: TwoYears
    timers: float
    timers_and_updates: float
    same_work: float
    same_work_by_activity: float
    setup_seconds: float
    log_lines: dict[str, int]


async def _timeskip_on_fresh_server(sizes: Sizes, data_dir: Path, source_dir: Path) -> TimeskipRun:
    """One repeat on a time-skipping server of its own.

    Its clock starts at the present, so every repeat's request lives in the same
    years: a finished workflow's awaited result can leave the test server's clock
    years ahead, and forumflow's working calendar ends in 2060.
    """
    test_server = ensure_test_server()
    setup_started = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(test_server.path) if test_server else None,
        test_server_startup_timeout=timedelta(seconds=120),
    )
    try:
        await add_search_attributes(env.client, env.client.namespace, search_attributes.ALL)
        server = Server(env.client, env.client.namespace, data_dir, source_dir)
        async with server.workers("timeskip", max_cached=1000) as (forumflow, baseline):
            setup = time.perf_counter() - setup_started
            forum = FundingRequests(env.client, forumflow.task_queue)
            # One untimed run of each first: the workers' first workflows pay one-off costs.
            warm = await two_year_request(env, forum, sizes.timeskip_days)
            await sleep_through(
                env.client,
                baseline.task_queue,
                BaselineInput(timers=warm.events["timers_fired"], total_seconds=86400),
                updates=warm.events["updates"],
            )
            request = await two_year_request(env, forum, sizes.timeskip_days)
            sleeper = BaselineInput(
                timers=request.events["timers_fired"], total_seconds=request.workflow_seconds
            )
            timers, _ = await timed(
                partial(sleep_through, env.client, baseline.task_queue, sleeper)
            )
            updated, _ = await timed(
                partial(
                    sleep_through,
                    env.client,
                    baseline.task_queue,
                    sleeper,
                    updates=request.events["updates"],
                )
            )
            # The same durable work as the request: a notice per fired timer, and its
            # register entries written by the Updates that write them.
            dates = Dates.from_today(london_today(await env.get_current_time()))
            same_work: dict[bool, float] = {}
            for by_activity in (False, True):
                reference = new_reference()
                rows = rows_for(
                    lifecycle_rows(dates, await env.get_current_time()),
                    reference,
                    f"baseline-{reference}",
                    "timeskip",
                )
                doing = sleeper.model_copy(
                    update={"notices": True, "register_by_activity": by_activity}
                )
                same_work[by_activity], _ = await timed(
                    partial(
                        sleep_through,
                        env.client,
                        baseline.task_queue,
                        doing,
                        updates=request.events["updates"],
                        rows=tuple(rows.values()),
                    )
                )
            lines = log_lines(forumflow, baseline)
    finally:
        await env.shutdown()
    return TimeskipRun(request, timers, updated, same_work[False], same_work[True], setup, lines)


async def timeskip(sizes: Sizes, data_dir: Path, source_dir: Path) -> BenchmarkResult:
    """Wall time of a two-year lifecycle vs a workflow sleeping through as many timers."""
    result = BenchmarkResult(
        key="two_year_timeskip",
        title="Wall time of a time-skipped two-year lifecycle with all its timers",
        baseline="the minimal workflow sleeping through the same number of timers as the "
        "request's history fired, spread evenly over the same span of workflow time, "
        "started and awaited with automatic time skipping",
    )
    clock = Clock(result)
    runs: list[TimeskipRun] = []
    for _ in range(sizes.timeskip_repeats):
        run = await _timeskip_on_fresh_server(sizes, data_dir, source_dir)
        result.setup_seconds += run.setup_seconds
        runs.append(run)
    forumflow_wall = median([run.request.wall_seconds for run in runs])
    result.metrics = [
        Metric("wall time", "s", forumflow_wall, median([run.timers for run in runs])),
        Metric(
            "wall time vs timers + Updates",
            "s",
            forumflow_wall,
            median([run.timers_and_updates for run in runs]),
            goal=TIMESKIP_GOAL,
        ),
        Metric(
            "wall time vs timers + Updates + the same notices and register rows",
            "s",
            forumflow_wall,
            median([run.same_work for run in runs]),
            goal=TIMESKIP_GOAL,
        ),
        Metric(
            "wall time vs timers + Updates + the same notices and register rows, "
            "the rows through an activity",
            "s",
            forumflow_wall,
            median([run.same_work_by_activity for run in runs]),
            goal=TIMESKIP_GOAL,
        ),
    ]
    first = runs[0].request
    result.details = {
        "workflow_days": round(first.workflow_seconds / 86400, 1),
        "forumflow_history": first.events,
        "forumflow_phases_seconds": first.phases,
        "repeats": sizes.timeskip_repeats,
        "repeat": "each on a fresh time-skipping server with fresh workers, after one untimed "
        "run of each side there (the workers' first workflows pay one-off costs)",
        "wall_seconds": {
            "forumflow": [round(run.request.wall_seconds, 3) for run in runs],
            "baseline_timers": [round(run.timers, 3) for run in runs],
            "baseline_timers_and_updates": [round(run.timers_and_updates, 3) for run in runs],
            "baseline_same_work": [round(run.same_work, 3) for run in runs],
            "baseline_same_work_by_activity": [round(run.same_work_by_activity, 3) for run in runs],
        },
        "third_baseline": "the second, also running one activity (which does nothing) as each "
        "timer fires, as the request sends a notice, and writing the request's register "
        "entries through a local activity in three of its Updates; the fourth, the third "
        "writing those entries through an ordinary activity, as the request does",
        "second_baseline": "the same minimal workflow and timers, also sent as many no-op "
        "Updates as the request's history completed, before its result is awaited",
        "worker_log_lines": {
            kind: sum(run.log_lines[kind] for run in runs) for kind in ("forumflow", "baseline")
        },
        "forumflow_includes": "every transition Update, the register and notice activities, "
        "two client sleeps of the time-skipping server and the deadlines queries",
    }
    return clock.done()
