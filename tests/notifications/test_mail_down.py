"""A mail server that is down costs the operators one clear log line per retry.

The worker runs for real against a real Temporal server; the mailer points at a
loopback port nothing listens on. What the worker logs while it retries is captured
and rendered as the program renders it (structlog's JSON), so a traceback per
attempt, from the activity or from the SDK's own "Completing activity as failed",
shows up here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer
from clients.requests import FundingRequests
from config.logs import build_formatter
from domain.forum import Contact, ForumContacts, ForumSettings
from storage.deliveries import DeliveryLog
from storage.register import DecisionRegister
from tests.conftest import wait_until_idle
from tests.lifecycle.drive import approved_request
from tests.servers import STARTED
from tests.smtp import free_port
from worker.app import WorkerDependencies, build_worker

pytestmark = pytest.mark.devserver_only

SETTINGS = ForumSettings(
    contacts=ForumContacts(
        chair=Contact(name="Forum Chair", email="chair@forum.example.org"),
        clerk=Contact(name="Forum Clerk", email="clerk@forum.example.org"),
    )
)
ATTEMPTS = 3


@pytest.fixture
async def forum_without_mail(
    env: WorkflowEnvironment, task_queue: str, register: DecisionRegister
) -> AsyncIterator[FundingRequests]:
    """A worker whose mail server is a loopback port nothing listens on."""
    deliveries = DeliveryLog(register.engine)
    deliveries.create_schema()
    mailer = SmtpMailer("127.0.0.1", free_port(), sender="forumflow@forum.example.org", timeout=2)
    deps = WorkerDependencies(
        register=register, notifications=NotificationActivities(mailer, deliveries)
    )
    async with build_worker(env.client, task_queue, deps):
        yield FundingRequests(env.client, task_queue)
        await wait_until_idle(env, STARTED.ids)


async def attempts_so_far(forum: FundingRequests, reference: str) -> int:
    description = await forum.handle(reference).describe()
    pending = description.raw_description.pending_activities
    return int(pending[0].attempt) if pending else 0


async def test_a_mail_server_that_is_down_is_one_log_line_per_retry(
    forum_without_mail: FundingRequests,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each failed attempt to reach a down mail server logs one warning line, no traceback."""
    caplog.set_level(logging.INFO)
    # As configure_logging has it: the activity's context is in fields, not the message.
    monkeypatch.setattr(activity.logger, "activity_info_on_message", False)
    reference = await approved_request(forum_without_mail, settings=SETTINGS)
    for _ in range(600):
        if await attempts_so_far(forum_without_mail, reference) > ATTEMPTS:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the notice was not retried")
    # Attempt ATTEMPTS + 1 is running or waiting: the first ATTEMPTS have failed and logged.
    await asyncio.sleep(0.5)

    formatter = build_formatter("json")
    about_mail = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and getattr(r, "temporal_activity", {}).get("activity_type") == "notify_deliver"
    ]
    lines = [formatter.format(r) for r in about_mail]
    assert all(r.exc_info is None for r in about_mail), lines[0]
    assert not [line for line in lines if "Traceback" in line]
    assert all("\n" not in line and len(line) < 1000 for line in lines), lines
    attempts = [getattr(r, "temporal_activity", {}).get("attempt") for r in about_mail]
    for attempt in range(1, ATTEMPTS + 1):
        assert attempts.count(attempt) == 1, lines
    first = about_mail[0].getMessage()
    assert "mail server" in first
    assert "127.0.0.1" in lines[0]
