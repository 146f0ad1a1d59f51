"""A notice that can never be delivered is recorded as failed; the request carries on."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from domain.forum import ForumSettings
from domain.request.commands import SubmitDraft
from domain.request.models import NoticeRecord
from tests.deadlines.test_procurement_warning import AUTHOR, procured, today_in_london
from tests.smtp import RecordingSmtpServer

# Dates are relative to the server's clock, which other modules move on by years.
pytestmark = pytest.mark.own_clock


async def failed_notices(forum: FundingRequests, reference: str) -> list[NoticeRecord]:
    """The notices recorded as failed, once one is (or after 15 seconds)."""
    for _ in range(150):
        notices = (await forum.audit_trail(reference)).notices
        failed = [n for n in notices if n.outcome.startswith("failed")]
        if failed:
            return failed
        await asyncio.sleep(0.1)
    return []


async def test_refused_recipient_is_recorded_and_the_request_goes_on(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """The mail server refuses the only recipient: the notice says why and the workflow lives."""
    assert AUTHOR.email is not None
    smtp_server.refuse[AUTHOR.email] = "550 5.1.1 No such user"
    # No clerk contact and no meetings: the drafting warning goes to the author alone.
    draft = procured(await today_in_london(env))
    handle = await forum.create(draft, AUTHOR, ForumSettings())

    failed = await failed_notices(forum, draft.reference)

    assert [n.kind for n in failed] == ["warning"]
    assert "No such user" in failed[0].outcome
    assert smtp_server.count == 0
    result = await forum.submit(draft.reference, SubmitDraft(), AUTHOR)
    assert result.stage == "option_listing"
    description = await handle.describe()
    assert description.status is WorkflowExecutionStatus.RUNNING
