"""What every benchmark shares: how much each does, the server and workers it runs on,
sending Updates (retried while the server turns them away), and timing the whole."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from bench.baseline_workflow import BaselineInput, BaselineResult, BaselineWorkflow
from bench.measure import load_average
from bench.processes import BenchWorker, bench_worker
from bench.report import BenchmarkResult
from bench.scenario import (
    Step,
)
from clients.requests import FundingRequests
from domain.calendar import LONDON

T = TypeVar("T")


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
    ) -> AsyncIterator[tuple[BenchWorker, BenchWorker]]:
        """A forumflow worker and a baseline worker, each on a fresh task queue and process."""
        async with self.processes(label, max_cached, ("forumflow", "baseline")) as (
            forumflow,
            baseline,
        ):
            yield forumflow, baseline

    @contextlib.asynccontextmanager
    async def processes(
        self, label: str, max_cached: int, kinds: tuple[str, ...]
    ) -> AsyncIterator[tuple[BenchWorker, ...]]:
        """A worker of each of ``kinds`` (a kind may come twice), each on a fresh task
        queue and in a process of its own."""
        suffix = uuid.uuid4().hex[:8]
        started = tuple(
            bench_worker(
                kind,
                address=self.address,
                namespace=self.namespace,
                task_queue=f"bench-{label}-{kind}-{index}-{suffix}",
                data_dir=self.data_dir / f"{label}-{suffix}",
                max_cached=max_cached,
                source_dir=self.source_dir,
            )
            for index, kind in enumerate(kinds)
        )
        try:
            for worker in started:
                worker.process.start()
            await asyncio.gather(*(worker.process.wait_ready() for worker in started))
            yield started
        finally:
            # In threads, all at once: each waits for its worker to shut down.
            await asyncio.gather(*(asyncio.to_thread(w.process.stop, 60.0) for w in started))


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


def log_lines(*workers: BenchWorker) -> dict[str, int]:
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
