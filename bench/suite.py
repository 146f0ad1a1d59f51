"""The five benchmarks. Each measures forumflow and the minimal baseline workflow in the
same run, on the same server, with each side's worker in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from bench.baseline_workflow import BaselineInput, BaselineResult, BaselineWorkflow
from bench.measure import bounded, load_average, median, percentile, timed
from bench.processes import WorkerProcess
from bench.report import BenchmarkResult, Goal, Metric
from bench.scenario import (
    OFFICER,
    PRESENT,
    Dates,
    Step,
    attendance_step,
    closing_steps,
    draft,
    full_lifecycle_steps,
    listing_steps,
    minuting_steps,
    new_reference,
    open_vote_steps,
    opening_steps,
    table_step,
    voting_steps,
)
from clients.requests import FundingRequests
from contracts import search_attributes
from devtools.devserver import add_search_attributes
from devtools.toolchain import ensure_test_server
from domain.calendar import LONDON
from domain.models import Period

T = TypeVar("T")

LATENCY_GOAL = Goal(1.5)
MEMORY_GOAL = Goal(100.0, on="forumflow")


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does."""

    latency_requests: int = 4
    latency_warmup: int = 20
    latency_samples: int = 1000
    lifecycle_levels: tuple[tuple[int, int], ...] = ((1, 30), (16, 240), (64, 320))
    open_counts: tuple[int, ...] = (1_000, 10_000)
    open_warmup: int = 50
    setup_concurrency: int = 64
    settle_seconds: float = 5.0
    list_repeats: int = 3
    timeskip_days: int = 730
    timeskip_repeats: int = 3
    time_limit_seconds: float = 5400.0


FULL = Sizes()
QUICK = Sizes(
    latency_requests=2,
    latency_warmup=2,
    latency_samples=10,
    lifecycle_levels=((1, 2), (2, 4)),
    open_counts=(10, 30),
    open_warmup=4,
    setup_concurrency=8,
    settle_seconds=0.5,
    list_repeats=1,
    timeskip_repeats=1,
    time_limit_seconds=180.0,
)


@dataclass
class Server:
    """A running Temporal server the benchmarks can start workers against."""

    client: Client
    namespace: str
    data_dir: Path
    source_dir: Path

    @property
    def address(self) -> str:
        """host:port of its frontend."""
        return self.client.service_client.config.target_host

    @contextlib.asynccontextmanager
    async def workers(
        self, label: str, max_cached: int
    ) -> AsyncIterator[tuple[WorkerProcess, WorkerProcess]]:
        """A forumflow worker and a baseline worker, each on a fresh task queue and process."""
        suffix = uuid.uuid4().hex[:8]
        pair = tuple(
            WorkerProcess(
                kind,
                address=self.address,
                namespace=self.namespace,
                task_queue=f"bench-{label}-{kind}-{suffix}",
                data_dir=self.data_dir / f"{label}-{suffix}",
                max_cached=max_cached,
                source_dir=self.source_dir,
            )
            for kind in ("forumflow", "baseline")
        )
        forumflow, baseline = pair
        try:
            await asyncio.gather(forumflow.start(), baseline.start())
            yield forumflow, baseline
        finally:
            await asyncio.gather(forumflow.stop(), baseline.stop())


def london_today(now: datetime) -> date:
    """The forum's calendar day at ``now``."""
    return now.astimezone(LONDON).date()


RETRIED: Counter[str] = Counter()
"""Updates the server turned away because the workflow task had failed, then sent again."""


async def retrying(call: Callable[[], Awaitable[T]], what: str, attempts: int = 40) -> T:
    """``call()``, sent again (and counted) while the server says the workflow task failed.

    Under heavy load a workflow task can fail and be retried by the server; meanwhile it
    refuses Updates with FAILED_PRECONDITION, before admitting them, so sending again
    cannot apply one twice. Retries are counted in each benchmark's details.
    """
    for attempt in range(attempts):
        try:
            return await call()
        except RPCError as error:
            if error.status != RPCStatusCode.FAILED_PRECONDITION or attempt == attempts - 1:
                raise
            RETRIED[what] += 1
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def submit(forum: FundingRequests, reference: str, step: Step) -> None:
    """Send one step's transition Update as its actor."""
    command, actor = step
    await retrying(partial(forum.submit, reference, command, actor), "forumflow")


async def drive(forum: FundingRequests, reference: str, steps: list[Step]) -> None:
    """Send each step's transition Update in order, as its actor."""
    for step in steps:
        await submit(forum, reference, step)


async def noop(handle: WorkflowHandle[BaselineWorkflow, BaselineResult]) -> None:
    """One no-op Update."""
    await retrying(partial(handle.execute_update, BaselineWorkflow.noop), "baseline")


async def start_baseline(
    client: Client, task_queue: str, start: BaselineInput | None = None
) -> WorkflowHandle[BaselineWorkflow, BaselineResult]:
    """Start one minimal workflow."""
    return await client.start_workflow(
        BaselineWorkflow.run,
        start or BaselineInput(),
        id=f"baseline-{uuid.uuid4().hex}",
        task_queue=task_queue,
    )


async def noops(handle: WorkflowHandle[BaselineWorkflow, BaselineResult], count: int) -> None:
    """``count`` no-op Updates, one after another."""
    for _ in range(count):
        await noop(handle)


def log_lines(*workers: WorkerProcess) -> dict[str, int]:
    """Lines of warnings and errors each worker logged (0 in a clean run)."""
    return {worker.kind: worker.log_lines() for worker in workers}


class Clock:
    """Times a benchmark and notes the machine's load before and after."""

    def __init__(self, result: BenchmarkResult) -> None:
        self.result = result
        self._started = time.perf_counter()
        self._retried = RETRIED.copy()
        result.load_before = load_average()

    def done(self) -> BenchmarkResult:
        """Record the elapsed time and load; return the result."""
        self.result.seconds = time.perf_counter() - self._started
        self.result.load_after = load_average()
        self.result.details["retried_updates"] = dict(RETRIED - self._retried)
        return self.result


# --- 1. round-trip latency of a transition Update -------------------------------------


async def latency(server: Server, sizes: Sizes) -> BenchmarkResult:
    """p50 and p99 of the clerk's record_attendance Update vs a no-op Update."""
    result = BenchmarkResult(
        key="update_latency",
        title="Round-trip latency of a transition Update",
        baseline="a no-op Update (no argument, returns None) on the minimal workflow, "
        "sent by the same client to a worker of its own, alternating one for one with "
        "forumflow's samples",
    )
    clock = Clock(result)
    async with server.workers("latency", max_cached=1000) as (forumflow, baseline):
        forum = FundingRequests(server.client, forumflow.task_queue)
        dates = Dates.from_today(london_today(datetime.now(UTC)))
        tabling = [*listing_steps(dates), table_step(dates.meeting)]

        async def tabled(_: int) -> str:
            reference = new_reference()
            await forum.create(draft(reference, dates), OFFICER)
            await drive(forum, reference, tabling)
            return reference

        setup, (references, handles) = await timed(
            lambda: asyncio.gather(
                bounded(sizes.setup_concurrency, sizes.latency_requests, tabled),
                bounded(
                    sizes.setup_concurrency,
                    sizes.latency_requests,
                    lambda _: start_baseline(server.client, baseline.task_queue),
                ),
            )
        )
        result.setup_seconds = setup
        # Attendance alternates between two lists, so every Update really changes the state.
        attendances = [attendance_step(PRESENT), attendance_step(PRESENT[:-1])]

        async def forumflow_once(index: int) -> None:
            await submit(forum, references[index % len(references)], attendances[index % 2])

        async def baseline_once(index: int) -> None:
            await noop(handles[index % len(handles)])

        for index in range(sizes.latency_warmup):
            await forumflow_once(index)
            await baseline_once(index)
        samples: dict[str, list[float]] = {"forumflow": [], "baseline": []}
        calls: dict[str, Callable[[int], Awaitable[None]]] = {
            "forumflow": forumflow_once,
            "baseline": baseline_once,
        }
        for index in range(sizes.latency_samples):
            # Alternate which goes first, so neither always follows the other.
            order = ("forumflow", "baseline") if index % 2 == 0 else ("baseline", "forumflow")
            for side in order:
                started = time.perf_counter()
                await calls[side](index)
                samples[side].append((time.perf_counter() - started) * 1000)
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        result.metrics.append(
            Metric(
                name,
                "ms",
                percentile(samples["forumflow"], fraction),
                percentile(samples["baseline"], fraction),
                goal=LATENCY_GOAL,
            )
        )
    result.details = {
        "forumflow_update": "record_attendance (clerk) on a request tabled for a meeting "
        "eight weeks ahead; no register entry, so no activity in the round trip",
        "samples_per_side": sizes.latency_samples,
        "warmup_per_side": sizes.latency_warmup,
        "requests": sizes.latency_requests,
        "mean_ms": {side: round(sum(v) / len(v), 3) for side, v in samples.items()},
        "max_ms": {side: round(max(v), 3) for side, v in samples.items()},
        "worker_log_lines": log_lines(forumflow, baseline),
    }
    return clock.done()


# --- 2. lifecycles per second ----------------------------------------------------------


async def lifecycles(server: Server, sizes: Sizes) -> BenchmarkResult:
    """Whole lifecycles (ten votes) per second vs as many no-op Updates on the baseline."""
    result = BenchmarkResult(
        key="lifecycles_per_second",
        title="Full request lifecycles per second, one worker",
        baseline="the minimal workflow started, sent the same number of Updates as a "
        "lifecycle (no-ops, the last one finishing it) one after another, and awaited "
        "to completion; same concurrency",
    )
    clock = Clock(result)
    async with server.workers("lifecycles", max_cached=1000) as (forumflow, baseline):
        forum = FundingRequests(server.client, forumflow.task_queue)
        dates = Dates.from_today(london_today(datetime.now(UTC)))
        steps = full_lifecycle_steps(dates)

        async def forumflow_lifecycle(_: int) -> None:
            reference = new_reference()
            handle = await forum.create(draft(reference, dates), OFFICER)
            await drive(forum, reference, steps)
            await handle.result()

        async def baseline_lifecycle(_: int) -> None:
            handle = await start_baseline(server.client, baseline.task_queue)
            await noops(handle, len(steps) - 1)
            await retrying(partial(handle.execute_update, BaselineWorkflow.finish), "baseline")
            await handle.result()

        warm = 2
        result.setup_seconds, _ = await timed(
            lambda: asyncio.gather(
                bounded(warm, warm, forumflow_lifecycle), bounded(warm, warm, baseline_lifecycle)
            )
        )
        levels: list[dict[str, Any]] = []
        for position, (concurrency, count) in enumerate(sizes.lifecycle_levels):
            runs = {
                "forumflow": forumflow_lifecycle,
                "baseline": baseline_lifecycle,
            }
            order = list(runs) if position % 2 == 0 else list(reversed(runs))
            seconds: dict[str, float] = {}
            for side in order:
                seconds[side], _ = await timed(partial(bounded, concurrency, count, runs[side]))
            result.metrics.append(
                Metric(
                    f"lifecycles/s, {concurrency} concurrent",
                    "1/s",
                    count / seconds["forumflow"],
                    count / seconds["baseline"],
                    better="higher",
                )
            )
            levels.append(
                {
                    "concurrency": concurrency,
                    "lifecycles": count,
                    "seconds": {side: round(value, 3) for side, value in seconds.items()},
                }
            )
    result.details = {
        "updates_per_lifecycle": len(steps),
        "lifecycle": "create; submit, add option, recommend; table, attendance, open vote; "
        "10 votes, close vote (approved); minute, confirm; report evaluation, close; "
        "await the workflow's result",
        "register_activities_per_lifecycle": 3,
        "levels": levels,
        "warmup_lifecycles_per_side": warm,
        "worker_log_lines": log_lines(forumflow, baseline),
    }
    return clock.done()


# --- 3 and 5. memory per open request, and listing by stage ---------------------------


async def wait_visible(client: Client, query: str, expected: int, patience: float) -> float:
    """Wait until visibility counts ``expected`` workflows for ``query``; seconds waited."""
    started = time.perf_counter()
    while True:
        count = (await client.count_workflows(query)).count
        if count >= expected:
            return time.perf_counter() - started
        if time.perf_counter() - started > patience:
            raise TimeoutError(f"visibility shows {count} of {expected} for {query!r}")
        await asyncio.sleep(0.5)


async def list_count(client: Client, query: str | None, limit: int | None = None) -> int:
    """List every workflow ``query`` matches (up to ``limit``), page by page; how many."""
    count = 0
    async for _ in client.list_workflows(query, limit=limit):
        count += 1
    return count


async def memory_and_listing(
    server: Server, sizes: Sizes, *, memory: bool = True, listing: bool = True
) -> list[BenchmarkResult]:
    """Open requests left in the voting stage: worker RSS per request, then listing them."""
    memory_result = BenchmarkResult(
        key="memory_per_open_request",
        title="Worker memory per open request (voting stage, all in the worker cache)",
        baseline="the same number of minimal workflows, each sent as many no-op Updates "
        "as a request gets on its way to the vote, left open in a worker of its own with "
        "the same cache size",
    )
    clock = Clock(memory_result)
    top = max(sizes.open_counts)
    async with server.workers("memory", max_cached=top + sizes.open_warmup + 100) as (
        forumflow,
        baseline,
    ):
        forum = FundingRequests(server.client, forumflow.task_queue)
        dates = Dates.from_today(london_today(datetime.now(UTC)))
        steps = open_vote_steps(dates)

        async def open_request(_: int) -> None:
            reference = new_reference()
            await forum.create(draft(reference, dates), OFFICER)
            await drive(forum, reference, steps)

        async def open_baseline(_: int) -> None:
            await noops(await start_baseline(server.client, baseline.task_queue), len(steps))

        idle = {"forumflow": forumflow.rss_kib(), "baseline": baseline.rss_kib()}
        makers = {"forumflow": open_request, "baseline": open_baseline}
        workers = {"forumflow": forumflow, "baseline": baseline}
        setup: dict[str, list[dict[str, Any]]] = {"forumflow": [], "baseline": []}
        created = 0

        async def grow(target: int) -> dict[str, int]:
            for side, make in makers.items():
                seconds, _ = await timed(
                    partial(bounded, sizes.setup_concurrency, target - created, make)
                )
                setup[side].append(
                    {"to": target, "created": target - created, "seconds": round(seconds, 2)}
                )
            await asyncio.sleep(sizes.settle_seconds)
            return {side: worker.rss_kib() for side, worker in workers.items()}

        warm = await grow(sizes.open_warmup)
        created = sizes.open_warmup
        rss: dict[int, dict[str, int]] = {}
        for target in sizes.open_counts:
            rss[target] = await grow(target)
            created = target
        for target in sizes.open_counts:
            per_open = {
                side: (rss[target][side] - warm[side]) / (target - sizes.open_warmup)
                for side in makers
            }
            memory_result.metrics.append(
                Metric(
                    f"RSS growth per open request at {target:,}",
                    "KiB",
                    per_open["forumflow"],
                    per_open["baseline"],
                    goal=MEMORY_GOAL,
                )
            )
        memory_result.setup_seconds = sum(
            step["seconds"] for steps_ in setup.values() for step in steps_
        )
        memory_result.details = {
            "updates_per_request": len(steps),
            "measure": "VmRSS of each worker process; per request = (RSS at N - RSS after "
            f"{sizes.open_warmup} warm-up requests) / (N - {sizes.open_warmup})",
            "rss_kib_idle": idle,
            "rss_kib_after_warmup": warm,
            "rss_kib": {str(target): values for target, values in rss.items()},
            "max_cached_workflows": top + sizes.open_warmup + 100,
            "setup": setup,
            "setup_concurrency": sizes.setup_concurrency,
            "worker_log_lines": log_lines(forumflow, baseline),
        }
        results = [clock.done()] if memory else []
        if listing:
            results.append(await _listing(server, sizes, forumflow, baseline, top, memory_result))
    return results


async def _listing(
    server: Server,
    sizes: Sizes,
    forumflow: WorkerProcess,
    baseline: WorkerProcess,
    count: int,
    memory_result: BenchmarkResult,
) -> BenchmarkResult:
    result = BenchmarkResult(
        key="list_by_stage",
        title=f"Listing {count:,} requests filtered by stage",
        baseline=f"listing the {count:,} minimal workflows with no search-attribute filter "
        "(only their task queue); a second row lists the namespace with no query at all, "
        f"limited to {count:,}",
    )
    clock = Clock(result)
    client = server.client
    by_stage = f"TaskQueue = '{forumflow.task_queue}' AND ForumflowStage = 'voting'"
    by_queue = f"TaskQueue = '{baseline.task_queue}'"
    waited = await wait_visible(client, by_stage, count, patience=600)
    waited += await wait_visible(client, by_queue, count, patience=600)
    result.setup_seconds = memory_result.setup_seconds + waited
    seconds: dict[str, list[float]] = {"forumflow": [], "baseline": [], "unfiltered": []}
    listings: dict[str, Callable[[], Awaitable[int]]] = {
        "forumflow": lambda: list_count(client, by_stage),
        "baseline": lambda: list_count(client, by_queue),
        "unfiltered": lambda: list_count(client, None, limit=count),
    }
    found: dict[str, int] = {}
    for repeat in range(sizes.list_repeats):
        order = list(listings) if repeat % 2 == 0 else list(reversed(listings))
        for side in order:
            elapsed, found[side] = await timed(listings[side])
            seconds[side].append(elapsed)
    for side, listed in found.items():
        if listed != count:
            raise RuntimeError(f"{side} listing found {listed} workflows, expected {count}")
    forumflow_seconds = median(seconds["forumflow"])
    result.metrics = [
        Metric("list time", "s", forumflow_seconds, median(seconds["baseline"])),
        Metric("list time vs no query", "s", forumflow_seconds, median(seconds["unfiltered"])),
    ]
    result.details = {
        "forumflow_query": by_stage.replace(forumflow.task_queue, "<queue>"),
        "baseline_query": by_queue.replace(baseline.task_queue, "<queue>"),
        "unfiltered_query": None,
        "page_size": 1000,
        "repeats": sizes.list_repeats,
        "seconds": {side: [round(v, 3) for v in values] for side, values in seconds.items()},
        "visibility_wait_seconds": round(waited, 2),
        "setup": "the requests and minimal workflows of the memory benchmark",
        "worker_log_lines": log_lines(forumflow, baseline),
    }
    return clock.done()


# --- 4. a two-year lifecycle on the time-skipping server ------------------------------


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
    client: Client, task_queue: str, sleeper: BaselineInput, *, updates: int = 0
) -> None:
    """Run the minimal workflow through its timers, after ``updates`` no-op Updates."""
    handle = await start_baseline(client, task_queue, sleeper)
    await noops(handle, updates)
    await handle.result()


@dataclass(frozen=True)
class TimeskipRun:
    """One timed repeat of the two-year benchmark: forumflow and both baselines."""

    request: TwoYears
    timers: float
    timers_and_updates: float
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
            lines = log_lines(forumflow, baseline)
    finally:
        await env.shutdown()
    return TimeskipRun(request, timers, updated, setup, lines)


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
        },
        "second_baseline": "the same minimal workflow and timers, also sent as many no-op "
        "Updates as the request's history completed, before its result is awaited",
        "worker_log_lines": {
            kind: sum(run.log_lines[kind] for run in runs) for kind in ("forumflow", "baseline")
        },
        "forumflow_includes": "every transition Update, the register and notice activities, "
        "two client sleeps of the time-skipping server and the deadlines queries",
    }
    return clock.done()
