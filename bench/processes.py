"""Benchmark workers as child processes: start, wait until ready, read memory, stop."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from types import TracebackType

from bench.measure import rss_kib
from bench.worker import READY
from devtools.devserver import terminate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class WorkerProcessError(RuntimeError):
    """A benchmark worker did not start, or exited early."""


class WorkerProcess:
    """``python -m bench.worker`` of one kind on one task queue, run from ``source_dir``."""

    def __init__(
        self,
        kind: str,
        *,
        address: str,
        namespace: str,
        task_queue: str,
        data_dir: Path,
        max_cached: int,
        source_dir: Path = PROJECT_ROOT,
    ) -> None:
        self.kind = kind
        self.source_dir = source_dir
        self.address = address
        self.namespace = namespace
        self.task_queue = task_queue
        self.data_dir = data_dir
        self.max_cached = max_cached
        self.log_file = data_dir / f"worker-{kind}-{task_queue}.log"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        """The worker's process id."""
        if self._process is None:
            raise WorkerProcessError("worker not started")
        return self._process.pid

    def rss_kib(self) -> int:
        """The worker's resident memory now, in KiB."""
        return rss_kib(self.pid)

    def log_lines(self) -> int:
        """How many lines the worker wrote to its log (warnings and errors only)."""
        try:
            return sum(1 for line in self.log_file.read_text().splitlines() if line.strip())
        except FileNotFoundError:
            return 0

    async def start(self, ready_within: float = 180.0) -> None:
        """Start the process and wait until it says it is polling."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The code comes from source_dir (a frozen copy, see bench.source), not the clone.
        env = {**os.environ, "PYTHONPATH": str(self.source_dir)}
        with self.log_file.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.worker",
                "--kind",
                self.kind,
                "--address",
                self.address,
                "--namespace",
                self.namespace,
                "--task-queue",
                self.task_queue,
                "--data-dir",
                str(self.data_dir),
                "--max-cached",
                str(self.max_cached),
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=self.source_dir,
                env=env,
            )
        stdout = self._process.stdout
        assert stdout is not None
        try:
            line = await asyncio.wait_for(stdout.readline(), ready_within)
        except TimeoutError:
            await self.stop()
            raise WorkerProcessError(
                f"{self.kind} worker not ready after {ready_within}s (log: {self.log_file})"
            ) from None
        if line.decode().strip() != READY:
            await self.stop()
            raise WorkerProcessError(
                f"{self.kind} worker exited before it was ready (log: {self.log_file})"
            )

    async def stop(self, grace: float = 60.0) -> None:
        """SIGTERM, then SIGKILL if it has not shut down within ``grace`` seconds."""
        process, self._process = self._process, None
        if process is not None:
            await terminate(process, grace)

    async def __aenter__(self) -> WorkerProcess:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
