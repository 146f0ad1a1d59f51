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


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process (all its threads) has used, in seconds."""
    # The command name, in parentheses, may hold spaces: the fields follow its ")".
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def child_pids(command_part: str, parent: int | None = None) -> list[int]:
    """The processes whose parent is ``parent`` (this process by default) and whose
    command line holds ``command_part``: the dev server the SDK starts has no pid of its
    own in the API."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and command_part in cmdline:
            found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU time used from now on by a worker, the server and this (client) process."""

    def __init__(self, *, worker: int, server: int | None) -> None:
        self._pids = {"worker": worker, "server": server, "client": os.getpid()}
        self._started = {name: _cpu_or_none(pid) for name, pid in self._pids.items()}

    def ms_per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per unit of work, each process, for ``count`` units done."""
        used: dict[str, float] = {}
        for name, pid in self._pids.items():
            before, after = self._started[name], _cpu_or_none(pid)
            if before is not None and after is not None:
                used[name] = round((after - before) * 1000 / count, 1)
        return used


def _cpu_or_none(pid: int | None) -> float | None:
    return None if pid is None else cpu_seconds(pid)
