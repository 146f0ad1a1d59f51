"""Each reminder email (and each drafting warning) arrives once, even when the worker is
killed mid-way.

The worker here is the real ``python -m worker`` program in its own process,
killed with SIGKILL while reminders are falling due and started again; the
mail goes to a real local SMTP server whose count is compared with the number
of reminders the pure alarm plan says were due.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from domain.alarms import alarms_for
from domain.calendar import LONDON
from domain.deadlines import annual_decision_warning, drafting_warning, request_deadlines
from domain.models import Contact, ForumContacts, ForumSettings, Period, RequestState
from tests.lifecycle.drive import new_reference
from tests.lifecycle.scenario import OFFICER, middlesbrough_draft
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]

REQUESTS = 6
SETTINGS = ForumSettings(
    contacts=ForumContacts(chair=Contact(name="Forum Chair", email="chair@forum.example.org"))
)
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})


class WorkerProcess:
    """``python -m worker`` against the test server, with its own register and mail settings."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str, tmp: Path, smtp_port: int):
        self._env_vars = {
            **os.environ,
            "FORUMFLOW_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "FORUMFLOW_TEMPORAL_NAMESPACE": env.client.namespace,
            "FORUMFLOW_TASK_QUEUE": task_queue,
            "FORUMFLOW_DATA_DIR": str(tmp),
            "FORUMFLOW_REGISTER_URL": f"sqlite:///{tmp / 'register.sqlite3'}",
            "FORUMFLOW_SMTP_HOST": "127.0.0.1",
            "FORUMFLOW_SMTP_PORT": str(smtp_port),
            "FORUMFLOW_LOG_FORMAT": "json",
            # Just over the notify activity's timeout, so a send cut off by the kill is
            # retried soon after Temporal gives up on it.
            "FORUMFLOW_NOTICE_CLAIM_LEASE_SECONDS": "31",
            # Without a cache there is no sticky queue: the test server does not hand a
            # dead worker's sticky tasks back to the normal queue.
            "FORUMFLOW_WORKER_MAX_CACHED_WORKFLOWS": "0",
            "FORUMFLOW_ANNUAL_REVIEW_SCHEDULE": "false",  # the test server has no Schedules
        }
        self._log = tmp / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker"], env=self._env_vars, stdout=log, stderr=log
            )

    async def wait_ready(self) -> None:
        for _ in range(200):
            if b"worker ready" in self._log.read_bytes():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"worker did not start: {self._log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def worker_process(
    env: WorkflowEnvironment, task_queue: str, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> Iterator[WorkerProcess]:
    process = WorkerProcess(env, task_queue, tmp_path, smtp_server.port)
    yield process
    process.stop()


async def skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    """Skip time to ``moment``, waiting out what a killed worker left in flight.

    The test server skips no time while a task started by the dead worker is
    outstanding; that task times out in real time first, so the RPC may time out.
    """
    for _ in range(20):
        try:
            await env.sleep(moment - await env.get_current_time())
            return
        except RPCError:
            continue
    raise AssertionError("the test server never resumed skipping time")


def five_pm(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=LONDON)


async def test_each_reminder_arrives_once_across_worker_kills(
    env: WorkflowEnvironment,
    task_queue: str,
    worker_process: WorkerProcess,
    smtp_server: RecordingSmtpServer,
) -> None:
    """The SMTP server gets exactly the reminders and warnings due, once each, across 2 SIGKILLs."""
    started = await env.get_current_time()
    first_start = date(started.astimezone(LONDON).year + 2, 4, 1)
    forum = FundingRequests(env.client, task_queue)
    worker_process.start()
    await worker_process.wait_ready()
    states: list[RequestState] = []
    for number in range(REQUESTS):
        service_start = first_start + timedelta(days=7 * number)
        draft = middlesbrough_draft(new_reference()).model_copy(
            update={
                "procurement_needed": True,
                "service_start": service_start,
                "period": Period(start=service_start, end=service_start + timedelta(days=364)),
            }
        )
        await forum.create(draft, AUTHOR, SETTINGS)
        states.append(RequestState.new(draft, AUTHOR, started, SETTINGS))

    end = five_pm(date(first_start.year - 1, 4, 1)) + timedelta(days=7 * REQUESTS)
    # Kill the worker just after stretches in which reminders fell due, so some are
    # in flight; the test server skips no time while tasks wait for a dead worker,
    # so each kill is followed by a restart before time moves on.
    for stop_at in (end - timedelta(days=40), end - timedelta(days=20)):
        await skip_to(env, stop_at)
        worker_process.kill()
        worker_process.start()
        await worker_process.wait_ready()
    await skip_to(env, end + timedelta(days=1))

    expected = sorted(
        alarm.key
        for state in states
        for alarm in alarms_for(request_deadlines(state), SETTINGS.reminder_offsets_days, {})
        if alarm.at <= end + timedelta(days=1)
    )
    # No meeting is scheduled, so each request is warned while drafting, once.
    today = started.astimezone(LONDON).date()
    # Each service starts in April or May, so each is also warned that the October DSG
    # decision comes too late.
    warnings = [drafting_warning(state, (), today) for state in states]
    warnings += [annual_decision_warning(state, ()) for state in states]
    expected = sorted([*expected, *(w.key for w in warnings if w is not None)])
    delivered: list[str] = []
    for _ in range(100):  # the worker catches up on alarms that fell due while it was dead
        trails = [await forum.audit_trail(state.reference) for state in states]
        delivered = sorted(notice.key for trail in trails for notice in trail.notices)
        if len(delivered) >= len(expected):
            break
        await asyncio.sleep(0.2)
    assert delivered == expected
    assert sorted(smtp_server.keys()) == expected, "each reminder mailed exactly once"
    assert len(expected) == REQUESTS * 6
