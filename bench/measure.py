"""Small measuring tools: percentiles, ratios, bounded concurrency, process memory."""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) by linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(samples: Sequence[float]) -> float:
    """The median of ``samples``."""
    return statistics.median(samples)


def ratio(forumflow: float, baseline: float) -> float | None:
    """forumflow / baseline, or None when the baseline is zero (nothing to compare with)."""
    if baseline == 0:
        return None
    return forumflow / baseline


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    """Seconds the awaited call took (monotonic clock), and its result."""
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def bounded(concurrency: int, count: int, make: Callable[[int], Awaitable[T]]) -> list[T]:
    """``make(0..count-1)`` with at most ``concurrency`` in flight; results in order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(index: int) -> T:
        async with semaphore:
            return await make(index)

    # A task group, so one failure cancels the rest instead of leaving them running.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(index)) for index in range(count)]
    return [task.result() for task in tasks]


def rotated(sides: Sequence[str], turn: int) -> list[str]:
    """``sides`` starting at the ``turn``-th (wrapping round), so that over the turns no
    side always runs first or always follows the same other."""
    shift = turn % len(sides)
    return [*sides[shift:], *sides[:shift]]


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages of the machine."""
    return [round(value, 2) for value in os.getloadavg()]


def spread(samples_by_side: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Each side's samples (seconds) summarised in milliseconds: count, p50, p90, p99, max."""
    return {
        side: {
            "samples": len(samples),
            "p50_ms": round(median(samples) * 1000, 3),
            "p90_ms": round(percentile(samples, 0.9) * 1000, 3),
            "p99_ms": round(percentile(samples, 0.99) * 1000, 3),
            "max_ms": round(max(samples) * 1000, 3),
        }
        for side, samples in samples_by_side.items()
    }
