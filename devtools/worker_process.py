"""A Temporal worker in a child process of its own, for the tests and the benchmarks.

The reliability tests run the real ``python -m worker`` this way so they can SIGKILL it
mid-way and start it again; the benchmarks run ``python -m bench.worker`` so each side's
memory can be read from /proc. Everything the worker writes goes to a log file, which is
kept: it is where the worker says it is polling, and what a failure shows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

FORUMFLOW_READY = "worker ready"
"""What ``python -m worker`` logs once it polls its task queue."""


class WorkerProcessError(RuntimeError):
    """The worker did not start, or exited before it said it was ready."""


class WorkerProcess:
    """``python ARGS`` as a worker: started, awaited until ready, killed, started again.

    ``ready_line`` is the text the program writes (to stdout or stderr) once it polls;
    readiness counts only what a start wrote after the log's earlier lines, so a restart
    waits for its own.
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        log_file: Path,
        ready_line: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        ready_within: float = 60.0,
    ) -> None:
        self.args = (sys.executable, *args)
        self.log_file = log_file
        self.ready_line = ready_line
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.ready_within = ready_within
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self._ready_before = 0

    @property
    def pid(self) -> int:
        """The running worker's process id."""
        if self.process is None:
            raise WorkerProcessError("the worker is not started")
        return self.process.pid

    def start(self) -> None:
        """Start a fresh worker process; ``wait_ready`` waits until it polls."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._ready_before = self._ready_lines()
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, stdout=log, stderr=log, env=self.env, cwd=self.cwd
            )
        self.starts += 1

    async def wait_ready(self) -> None:
        """Wait until the process last started says it polls, or fail with its log's end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_within
        while self._ready_lines() <= self._ready_before:
            exited = self.process is None or self.process.poll() is not None
            if exited or loop.time() > deadline:
                why = "exited" if exited else f"was not ready after {self.ready_within}s"
                raise WorkerProcessError(
                    f"the worker {why} (log {self.log_file}):\n{self.log_text()[-2000:]}"
                )
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the worker: no shutdown, the tasks it held are left to time out."""
        if self.process is None:
            raise WorkerProcessError("the worker is not started")
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM, then SIGKILL if the worker has not shut down within ``grace`` seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_text(self) -> str:
        """Everything the worker has written so far, across its starts."""
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def other_log_lines(self) -> list[str]:
        """The lines of the log besides those saying the worker was ready."""
        return [
            line
            for line in self.log_text().splitlines()
            if line.strip() and self.ready_line not in line
        ]

    def _ready_lines(self) -> int:
        return self.log_text().count(self.ready_line)

    async def __aenter__(self) -> WorkerProcess:
        self.start()
        try:
            await self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # In a thread: the event loop may be serving what the worker is finishing.
        await asyncio.to_thread(self.stop)


def forumflow_worker(
    *,
    address: str,
    namespace: str,
    task_queue: str,
    data_dir: Path,
    smtp_port: int,
) -> WorkerProcess:
    """``python -m worker`` as the crash tests run it: on ``task_queue`` at ``address``,
    with the register on a SQLite file in ``data_dir`` and mail to 127.0.0.1:``smtp_port``,
    and settings that let a killed worker's work be picked up soon by the next one."""
    settings = {
        "FORUMFLOW_TEMPORAL_ADDRESS": address,
        "FORUMFLOW_TEMPORAL_NAMESPACE": namespace,
        "FORUMFLOW_TASK_QUEUE": task_queue,
        "FORUMFLOW_DATA_DIR": str(data_dir),
        "FORUMFLOW_REGISTER_URL": f"sqlite:///{data_dir / 'register.sqlite3'}",
        "FORUMFLOW_SMTP_HOST": "127.0.0.1",
        "FORUMFLOW_SMTP_PORT": str(smtp_port),
        "FORUMFLOW_MAIL_FROM": "forumflow@forum.example.org",
        "FORUMFLOW_LOG_FORMAT": "json",
        # Just over the notify activity's timeout, so a send cut off by a kill is
        # retried soon after Temporal gives up on it.
        "FORUMFLOW_NOTICE_CLAIM_LEASE_SECONDS": "31",
        # Without a cache there is no sticky queue: the time-skipping test server does
        # not hand a dead worker's sticky tasks back to the normal queue.
        "FORUMFLOW_WORKER_MAX_CACHED_WORKFLOWS": "0",
        "FORUMFLOW_ANNUAL_REVIEW_SCHEDULE": "false",  # the test server has no Schedules
    }
    return WorkerProcess(
        ["-m", "worker"],
        log_file=data_dir / "worker.log",
        ready_line=FORUMFLOW_READY,
        env={**os.environ, **settings},
        ready_within=30.0,
    )
