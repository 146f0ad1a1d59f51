"""A real ``python -m worker`` process that a test can SIGKILL and start again.

The worker runs against the test's Temporal server with the register and delivery log
on the test's own SQLite file and mail going to the test's SMTP server; its log is
kept in the test's directory so a failure shows what the worker said.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client


class WorkerProcess:
    """``python -m worker`` on one task queue, started, killed and restarted by the test."""

    def __init__(self, client: Client, task_queue: str, data_dir: Path, smtp_port: int) -> None:
        self._env_vars = {
            **os.environ,
            "FORUMFLOW_TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "FORUMFLOW_TEMPORAL_NAMESPACE": client.namespace,
            "FORUMFLOW_TASK_QUEUE": task_queue,
            "FORUMFLOW_DATA_DIR": str(data_dir),
            "FORUMFLOW_REGISTER_URL": f"sqlite:///{data_dir / 'register.sqlite3'}",
            "FORUMFLOW_SMTP_HOST": "127.0.0.1",
            "FORUMFLOW_SMTP_PORT": str(smtp_port),
            "FORUMFLOW_MAIL_FROM": "forumflow@forum.example.org",
            "FORUMFLOW_LOG_FORMAT": "json",
            # Just over the notify activity's timeout, so a send cut off by a kill is
            # retried soon after Temporal gives up on it (see the reminder crash test).
            "FORUMFLOW_NOTICE_CLAIM_LEASE_SECONDS": "31",
            # Without a cache there is no sticky queue: the time-skipping test server does
            # not hand a dead worker's sticky tasks back to the normal queue.
            "FORUMFLOW_WORKER_MAX_CACHED_WORKFLOWS": "0",
            "FORUMFLOW_ANNUAL_REVIEW_SCHEDULE": "false",  # the test server has no Schedules
        }
        self.log = data_dir / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        """Start a fresh worker process (its readiness is awaited with ``wait_ready``)."""
        self._ready_marks = self._log_text().count("worker ready")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker"], env=self._env_vars, stdout=log, stderr=log
            )
        self.starts += 1

    async def wait_ready(self) -> None:
        """Wait until the process just started logs that it polls."""
        for _ in range(600):
            if self._log_text().count("worker ready") > self._ready_marks:
                return
            assert self.process is not None
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"worker did not start: {self._log_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the worker: no shutdown, tasks it held are left to time out."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        """Stop the worker politely (test teardown)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
