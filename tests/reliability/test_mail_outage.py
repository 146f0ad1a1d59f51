"""A mail server that turns notices away must not stop a request's own business.

Decided at a meeting long past, a request's draft minute is overdue at once, so the
chair and clerk are told; here their mail server refuses them, for good (550) or for
now (450), while the forum goes on minuting and confirming the decision.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowExecutionStatus

from clients.requests import FundingRequests
from devtools.seeds import CHAIR, CLERK
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.commands import ConfirmMinutes, RecordMinute
from domain.request.models import Stage
from storage.register import DecisionRegister
from tests.lifecycle.drive import approved_request, minute_for
from tests.smtp import RecordingSmtpServer

pytestmark = pytest.mark.devserver_only

SETTINGS = ForumSettings(
    contacts=ForumContacts(
        chair=Contact(name="Forum Chair", email="chair@forum.example.org"),
        clerk=Contact(name="Forum Clerk", email="clerk@forum.example.org"),
    )
)
CONFIRM_WITHIN_SECONDS = 15


def refuse_all(smtp_server: RecordingSmtpServer, reply: str) -> None:
    for contact in (SETTINGS.contacts.chair, SETTINGS.contacts.clerk):
        assert contact is not None
        smtp_server.refuse[contact.email] = reply


async def delivery_attempts(forum: FundingRequests, reference: str) -> int:
    """Wait until the overdue minute's notice has been tried; how many times so far."""
    for _ in range(200):
        description = await forum.handle(reference).describe()
        if description.status is not WorkflowExecutionStatus.RUNNING:
            return 0
        pending = description.raw_description.pending_activities
        if pending and pending[0].attempt >= 2:
            return int(pending[0].attempt)
        if (await forum.state(reference)).notices:
            return 1
        await asyncio.sleep(0.05)
    raise AssertionError("the overdue minute's notice was never tried")


async def test_a_notice_refused_for_good_leaves_the_request_running(
    forum: FundingRequests, smtp_server: RecordingSmtpServer, register: DecisionRegister
) -> None:
    """With every recipient refused (550) the request records the failure and is minuted."""
    refuse_all(smtp_server, "550 5.1.1 No such user")
    reference = await approved_request(forum, settings=SETTINGS)
    await delivery_attempts(forum, reference)
    assert (await forum.handle(reference).describe()).status is WorkflowExecutionStatus.RUNNING
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    confirmed = await forum.submit(reference, ConfirmMinutes(), CHAIR)
    state = await forum.state(reference)
    assert confirmed.stage is Stage.evaluation
    assert state.notices, "the refusal is on the record"
    assert state.notices[0].outcome.startswith("failed")
    assert smtp_server.count == 0
    assert [e.kind.value for e in register.entries_for(reference)] == [
        "decision",
        "minute_confirmed",
    ]


async def test_a_notice_being_retried_does_not_hold_up_the_register(
    forum: FundingRequests, smtp_server: RecordingSmtpServer, register: DecisionRegister
) -> None:
    """While the mail server says 'try later' (450), confirming the minutes is not held up."""
    refuse_all(smtp_server, "450 4.2.0 Mailbox busy, try again later")
    reference = await approved_request(forum, settings=SETTINGS)
    assert await delivery_attempts(forum, reference) >= 2, "the delivery is being retried"
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    confirmed = await asyncio.wait_for(
        forum.submit(reference, ConfirmMinutes(), CHAIR), CONFIRM_WITHIN_SECONDS
    )
    assert confirmed.stage is Stage.evaluation
    assert register.count(reference) == 2
