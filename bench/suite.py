"""Benchmarks 1, 2, 3 and 5 on the dev server. Each measures forumflow and the minimal
baseline workflow in the same run, on the same server, with each side's worker in a
process of its own (benchmark 4, on the time-skipping server, is bench.timeskip)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from bench.baseline_messages import BaselineInput, ShapeStep
from bench.baseline_register import register_url
from bench.baseline_rows import lifecycle_rows, rows_for
from bench.baseline_workflow import BaselineResult, BaselineWorkflow
from bench.harness import (
    Clock,
    Server,
    Sizes,
    drive,
    log_lines,
    london_today,
    noop,
    noops,
    retrying,
    start_baseline,
    submit,
)
from bench.history_shape import event_counts, history_shape
from bench.measure import CpuMeter, bounded, child_pids, median, percentile, rotated, timed
from bench.processes import BenchWorker
from bench.report import BenchmarkResult, Goal, Metric
from bench.scenario import (
    OFFICER,
    PRESENT,
    Dates,
    attendance_step,
    draft,
    full_lifecycle_steps,
    listing_steps,
    new_reference,
    open_vote_steps,
    table_step,
)
from clients.requests import FundingRequests
from contracts.request import StartRequest, TransitionUpdate
from storage.register import DecisionRegister

LATENCY_GOALS = {"p50": Goal(1.15), "p99": Goal(1.2)}
LIFECYCLES_GOAL = Goal(0.9)
MEMORY_GOAL = Goal(1.35)
"""The goals of the issue that asked for forumflow to cost close to a bare workflow."""


# --- 1. round-trip latency of a transition Update -------------------------------------


async def latency(server: Server, sizes: Sizes) -> BenchmarkResult:
    """p50 and p99 of the clerk's record_attendance Update vs a no-op Update."""
    result = BenchmarkResult(
        key="update_latency",
        title="Round-trip latency of a transition Update",
        baseline="a no-op Update (no argument, returns None) on the minimal workflow, "
        "sent by the same client to a worker of its own, in turn with forumflow's samples; "
        "the second pair of rows compares with an Update on the same workflows that "
        "carries the transition's own payload in and a result of its shape out",
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

        carried = [TransitionUpdate(actor=actor, command=command) for command, actor in attendances]

        async def baseline_payload_once(index: int) -> None:
            carry = partial(
                handles[index % len(handles)].execute_update,
                BaselineWorkflow.carry,
                carried[index % 2],
            )
            await retrying(carry, "baseline")

        calls: dict[str, Callable[[int], Awaitable[None]]] = {
            "forumflow": forumflow_once,
            "baseline": baseline_once,
            "baseline_payload": baseline_payload_once,
        }
        for index in range(sizes.latency_warmup):
            for call in calls.values():
                await call(index)
        samples: dict[str, list[float]] = {side: [] for side in calls}
        for index in range(sizes.latency_samples):
            for side in rotated(list(calls), index):
                started = time.perf_counter()
                await calls[side](index)
                samples[side].append((time.perf_counter() - started) * 1000)
    carrying = ", vs a baseline carrying the same payloads"
    compared = (("baseline", ""), ("baseline_payload", carrying))
    for against, suffix in compared:
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            result.metrics.append(
                Metric(
                    f"{name}{suffix}",
                    "ms",
                    percentile(samples["forumflow"], fraction),
                    percentile(samples[against], fraction),
                    goal=LATENCY_GOALS[name],
                )
            )
    result.details = {
        "forumflow_update": "record_attendance (clerk) on a request tabled for a meeting "
        "eight weeks ahead; no register entry, so no activity in the round trip",
        "payload_baseline": "BaselineWorkflow.carry: the same TransitionUpdate (actor and "
        "attendance command) in, a TransitionResult with an audit entry out; no rules, "
        "no state, on the same minimal workflows as the no-op",
        "samples_per_side": sizes.latency_samples,
        "warmup_per_side": sizes.latency_warmup,
        "requests": sizes.latency_requests,
        "mean_ms": {side: round(sum(v) / len(v), 3) for side, v in samples.items()},
        "max_ms": {side: round(max(v), 3) for side, v in samples.items()},
        "worker_log_lines": log_lines(forumflow, baseline),
    }
    return clock.done()


# --- 2. lifecycles per second ----------------------------------------------------------


SAME_ROWS = ", vs a baseline writing the same rows"
SAME_ROWS_BY_ACTIVITY = ", vs a baseline writing the same rows through an activity"
SAME_HISTORY = ", vs a baseline with the same rows and history events"


def _entries(url: str) -> int:
    """How many entries the register at ``url`` holds."""
    with DecisionRegister(url) as register:
        return register.count()


async def lifecycles(server: Server, sizes: Sizes) -> BenchmarkResult:
    """Whole lifecycles (ten votes) per second vs as many no-op Updates on the baseline,
    and vs the same Updates writing forumflow's register entries where forumflow does."""
    result = BenchmarkResult(
        key="lifecycles_per_second",
        title="Full request lifecycles per second, one worker",
        baseline="the minimal workflow started, sent the same number of Updates as a "
        "lifecycle (no-ops, the last one finishing it) one after another, and awaited "
        "to completion; same concurrency. A second row per level compares with the same "
        "minimal lifecycle whose Updates at forumflow's register-writing positions write "
        "the same register entries through a local activity, a third with it writing them "
        "through an ordinary activity, as forumflow does, and a fourth with that one also "
        "adding forumflow's other history events (upserts, timers, patch markers) at the "
        "same Updates, read from a forumflow lifecycle's own history",
    )
    clock = Clock(result)
    async with server.workers("lifecycles", max_cached=1000) as (forumflow, baseline):
        forum = FundingRequests(server.client, forumflow.task_queue)
        dates = Dates.from_today(london_today(datetime.now(UTC)))
        steps = full_lifecycle_steps(dates)
        rows = lifecycle_rows(dates, datetime.now(UTC))
        last = len(steps) - 1
        # bench.processes keeps each worker's log in the data directory it passes it.
        register_at = register_url(baseline.process.log_file.parent)

        async def forumflow_lifecycle(_: int) -> WorkflowHandle[Any, Any]:
            reference = new_reference()
            handle = await forum.create(draft(reference, dates), OFFICER)
            await drive(forum, reference, steps)
            await handle.result()
            return handle

        async def baseline_lifecycle(_: int) -> None:
            handle = await start_baseline(server.client, baseline.task_queue)
            await noops(handle, len(steps) - 1)
            await retrying(partial(handle.execute_update, BaselineWorkflow.finish), "baseline")
            await handle.result()

        shape: tuple[ShapeStep, ...] = ()

        async def baseline_register_lifecycle(
            by_activity: bool, same_history: bool, _: int
        ) -> WorkflowHandle[BaselineWorkflow, BaselineResult]:
            start = BaselineInput(
                register_by_activity=by_activity, shape=shape if same_history else ()
            )
            handle = await start_baseline(server.client, baseline.task_queue, start)
            mine = rows_for(rows, new_reference(), handle.id, handle.result_run_id or handle.id)
            for position in range(last):
                entry = mine.get(position)
                if entry is None:
                    await noop(handle)
                else:
                    write = partial(handle.execute_update, BaselineWorkflow.record, entry)
                    await retrying(write, "baseline")
            final = mine.get(last)
            if final is None:
                await retrying(partial(handle.execute_update, BaselineWorkflow.finish), "baseline")
            else:
                finish = partial(handle.execute_update, BaselineWorkflow.record_and_finish, final)
                await retrying(finish, "baseline")
            await handle.result()
            return handle

        runs: dict[str, Callable[[int], Awaitable[object]]] = {
            "forumflow": forumflow_lifecycle,
            "baseline": baseline_lifecycle,
            "baseline_register": partial(baseline_register_lifecycle, False, False),
            "baseline_register_activity": partial(baseline_register_lifecycle, True, False),
            "baseline_same_history": partial(baseline_register_lifecycle, True, True),
        }
        writing_sides = 3
        servers = child_pids("start-dev")
        server_pid = servers[0] if len(servers) == 1 else None
        warm = 2

        async def history_of(handle: WorkflowHandle[Any, Any]) -> list[HistoryEvent]:
            return [event async for event in handle.fetch_history_events()]

        async def set_up() -> tuple[list[HistoryEvent], list[HistoryEvent]]:
            nonlocal shape
            # One forumflow lifecycle alone first: its history is the shape the last
            # baseline follows, and each Update's events must follow its own acceptance.
            forumflow_events = await history_of(await forumflow_lifecycle(0))
            shape = history_shape(forumflow_events)
            baseline_events = await history_of(await baseline_register_lifecycle(True, True, 0))
            await asyncio.gather(*(bounded(warm, warm, run) for run in runs.values()))
            return forumflow_events, baseline_events

        result.setup_seconds, (forumflow_events, baseline_events) = await timed(set_up)
        written = warm
        levels: list[dict[str, Any]] = []
        for position, (concurrency, count) in enumerate(sizes.lifecycle_levels):
            order = rotated(list(runs), position)
            seconds: dict[str, float] = {}
            cpu: dict[str, dict[str, float]] = {}
            for side in order:
                meter = CpuMeter(
                    worker=(forumflow if side == "forumflow" else baseline).process.pid,
                    server=server_pid,
                )
                seconds[side], _ = await timed(partial(bounded, concurrency, count, runs[side]))
                cpu[side] = meter.ms_per(count)
            written += count
            entries = _entries(register_at)
            # The shape's sample lifecycle wrote one more of the last baseline's.
            if entries != len(rows) * (written * writing_sides + 1):
                raise RuntimeError(
                    f"the baselines' register holds {entries} entries after {written} "
                    f"lifecycles a side, not {len(rows)} per lifecycle"
                )
            for against, suffix in (
                ("baseline", ""),
                ("baseline_register", SAME_ROWS),
                ("baseline_register_activity", SAME_ROWS_BY_ACTIVITY),
                ("baseline_same_history", SAME_HISTORY),
            ):
                result.metrics.append(
                    Metric(
                        f"lifecycles/s, {concurrency} concurrent{suffix}",
                        "1/s",
                        count / seconds["forumflow"],
                        count / seconds[against],
                        better="higher",
                        goal=LIFECYCLES_GOAL,
                    )
                )
            levels.append(
                {
                    "concurrency": concurrency,
                    "lifecycles": count,
                    "order": order,
                    "seconds": {side: round(seconds[side], 3) for side in runs},
                    "cpu_ms_per_lifecycle": cpu,
                    "baseline_register_entries": entries,
                }
            )
    result.details = {
        "updates_per_lifecycle": len(steps),
        "lifecycle": "create; submit, add option, recommend; table, attendance, open vote; "
        "10 votes, close vote (approved); minute, confirm; report evaluation, close; "
        "await the workflow's result",
        "register_activities_per_lifecycle": len(rows),
        "register_baseline": f"the minimal workflow, with the {len(rows)} Updates at the "
        "positions of forumflow's decisions writing the same register entries (forumflow's "
        "own, from entries_for_transition, under keys of their own) through a local "
        "activity into a SQLite register, each returning once its row is written",
        "register_baseline_by_activity": "the same, writing each entry through an ordinary "
        "activity, as forumflow writes its entries: a row stamped with workflow.now() "
        "written by a local activity could be written again, with another time, by a "
        "retried workflow task",
        "same_history_baseline": "the ordinary-activity one, also adding at each Update "
        "the events forumflow's history has after that Update's acceptance (its patch "
        "markers, an upsert of one search attribute for each of its upserts, its reminder "
        "timers started and cancelled), read from a forumflow lifecycle's history before "
        "the levels run",
        "same_history_shape": [step.model_dump() for step in shape],
        "history_events_of_one_lifecycle": {
            "forumflow": event_counts(forumflow_events),
            "baseline_same_history": event_counts(baseline_events),
        },
        "register_baseline_positions": {
            str(position): entry.kind.value for position, entry in rows.items()
        },
        "levels": levels,
        "cpu": "CPU time (user + system, /proc/<pid>/stat) each process used while a side's "
        "lifecycles ran, per lifecycle: the side's worker, the dev server (left out when it "
        "could not be told apart) and this client process",
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
        "the same cache size; the second rows compare with minimal workflows that are "
        "started with the request's own start payload and sent its own Updates, and keep "
        "them",
    )
    clock = Clock(memory_result)
    top = max(sizes.open_counts)
    kinds = ("forumflow", "baseline", "baseline")
    async with server.processes("memory", top + sizes.open_warmup + 100, kinds) as (
        forumflow,
        baseline,
        keeping,
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

        async def open_keeping_baseline(_: int) -> None:
            start = StartRequest(draft=draft(new_reference(), dates), actor=OFFICER)
            handle = await start_baseline(
                server.client, keeping.task_queue, BaselineInput(request=start)
            )
            for command, actor in steps:
                update = TransitionUpdate(actor=actor, command=command)
                await retrying(
                    partial(handle.execute_update, BaselineWorkflow.keep, update), "baseline"
                )

        workers = {"forumflow": forumflow, "baseline": baseline, "baseline_keeping": keeping}
        makers: dict[str, Callable[[int], Awaitable[None]]] = {
            "forumflow": open_request,
            "baseline": open_baseline,
            "baseline_keeping": open_keeping_baseline,
        }
        idle = {side: worker.rss_kib() for side, worker in workers.items()}
        setup: dict[str, list[dict[str, Any]]] = {side: [] for side in makers}
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
        compared = (
            ("baseline", ""),
            ("baseline_keeping", ", vs a baseline keeping the same payloads"),
        )
        for against, suffix in compared:
            for target in sizes.open_counts:
                per_open = {
                    side: (rss[target][side] - warm[side]) / (target - sizes.open_warmup)
                    for side in ("forumflow", against)
                }
                memory_result.metrics.append(
                    Metric(
                        f"RSS growth per open request at {target:,}{suffix}",
                        "KiB",
                        per_open["forumflow"],
                        per_open[against],
                        goal=MEMORY_GOAL,
                    )
                )
        memory_result.setup_seconds = sum(
            step["seconds"] for steps_ in setup.values() for step in steps_
        )
        memory_result.details = {
            "updates_per_request": len(steps),
            "keeping_baseline": "BaselineWorkflow.keep: started with the request's own "
            "StartRequest (draft, officer, forum settings) in its input and sent the same "
            "TransitionUpdates the request gets, keeping the start payload, each Update and "
            "an audit entry for it; no rules run",
            "measure": "VmRSS of each worker process; per request = (RSS at N - RSS after "
            f"{sizes.open_warmup} warm-up requests) / (N - {sizes.open_warmup})",
            "rss_kib_idle": idle,
            "rss_kib_after_warmup": warm,
            "rss_kib": {str(target): values for target, values in rss.items()},
            "max_cached_workflows": top + sizes.open_warmup + 100,
            "setup": setup,
            "setup_concurrency": sizes.setup_concurrency,
            "worker_log_lines": {
                **log_lines(forumflow, baseline),
                "baseline_keeping": keeping.log_lines(),
            },
        }
        results = [clock.done()] if memory else []
        if listing:
            results.append(await _listing(server, sizes, forumflow, baseline, top, memory_result))
    return results


async def _listing(
    server: Server,
    sizes: Sizes,
    forumflow: BenchWorker,
    baseline: BenchWorker,
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
