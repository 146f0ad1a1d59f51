"""The benchmarks' workers: one child process per side, whose memory is read from /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.measure import rss_kib
from bench.worker import READY
from devtools.worker_process import WorkerProcess

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchWorker:
    """One side of a benchmark: its kind, the task queue it polls, and its process."""

    kind: str
    task_queue: str
    process: WorkerProcess

    def rss_kib(self) -> int:
        """The worker's resident memory now, in KiB."""
        return rss_kib(self.process.pid)

    def log_lines(self) -> int:
        """How many lines the worker logged besides saying it was ready (warnings and
        errors only: it logs nothing else)."""
        return len(self.process.other_log_lines())


def bench_worker(
    kind: str,
    *,
    address: str,
    namespace: str,
    task_queue: str,
    data_dir: Path,
    max_cached: int,
    source_dir: Path = PROJECT_ROOT,
) -> BenchWorker:
    """``python -m bench.worker`` of one kind on one task queue, run from ``source_dir``
    (a frozen copy, see bench.source, not the clone that may be edited meanwhile)."""
    args = [
        "-m",
        "bench.worker",
        "--kind",
        kind,
        "--address",
        address,
        "--namespace",
        namespace,
        "--task-queue",
        task_queue,
        "--data-dir",
        str(data_dir),
        "--max-cached",
        str(max_cached),
    ]
    process = WorkerProcess(
        args,
        log_file=data_dir / f"worker-{kind}-{task_queue}.log",
        ready_line=READY,
        env={**os.environ, "PYTHONPATH": str(source_dir)},
        cwd=source_dir,
        ready_within=180.0,
    )
    return BenchWorker(kind, task_queue, process)
