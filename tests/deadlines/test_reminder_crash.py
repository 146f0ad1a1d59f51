"""Each reminder email (and each drafting warning) arrives once, even when the worker is
killed mid-way.

The worker here is the real ``python -m worker`` program in its own process,
killed with SIGKILL while reminders are falling due and started again; the
mail goes to a real local SMTP server whose count is compared with the number
of reminders the pure alarm plan says were due.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import OFFICER, middlesbrough_draft
from devtools.worker_process import WorkerProcess
from domain.alarms import alarms_for
from domain.calendar import LONDON
from domain.deadlines import annual_decision_warning, drafting_warning, request_deadlines
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.draft import Period
from domain.request.models import RequestState
from tests.lifecycle.drive import new_reference
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]

REQUESTS = 6
SETTINGS = ForumSettings(
    contacts=ForumContacts(chair=Contact(name="Forum Chair", email="chair@forum.example.org"))
)
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})


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
