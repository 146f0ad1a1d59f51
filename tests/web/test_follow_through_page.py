"""The request page shows what follows a decision: funding not yet confirmed with its
date, spending started before it, and the earlier decisions a paper cites."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from contracts.register import EntryKind
from devtools import seeds
from domain.calendar import format_uk_date
from domain.request.commands import RecordMinute, RecordSpending
from domain.request.draft import Citation, FundingSource
from tests.api.requests_setup import decided, london_today
from tests.lifecycle.drive import draft_to_options, evaluated_request, minute_for, new_reference
from tests.web.browsing import sign_in
from tests.web.conftest import Site

pytestmark = pytest.mark.devserver_only


async def test_the_request_page_shows_funding_pending_spending_and_citations(
    site: Site, page: Page
) -> None:
    """Funding not confirmed with its date, spending before it, and a cited approval."""
    forum = site.api.requests
    due = london_today() + timedelta(days=45)
    pending = await decided(forum)
    minute = minute_for().model_copy(
        update={"funding_condition": "pending the DSG allocation", "funding_due": due}
    )
    await forum.submit(pending, RecordMinute(minute=minute), seeds.CLERK)
    await forum.submit(
        pending,
        RecordSpending(started_on=london_today(), description="Four posts filled"),
        seeds.OFFICER,
    )
    july = await evaluated_request(forum, report=False)
    (approval,) = [e for e in site.api.register.entries_for(july) if e.kind is EntryKind.DECISION]
    citation = Citation(
        entry_id=approval.idempotency_key,
        request_ref=july,
        claimed_source=FundingSource.centrally_retained,
    )
    citing = await draft_to_options(
        forum,
        seeds.middlesbrough_draft(new_reference()).model_copy(update={"citations": (citation,)}),
    )
    await sign_in(page, site)

    await page.goto(f"{site.url}/funding-requests/{pending}")
    await expect(page.locator("#funding-state")).to_have_text(
        f"Approved, funding not confirmed: pending the DSG allocation; to be confirmed by "
        f"{format_uk_date(due)}."
    )
    await expect(page.locator("#spending")).to_contain_text("before the funding was confirmed")

    await page.goto(f"{site.url}/funding-requests/{citing}")
    await expect(page.locator("#citations + ul")).to_contain_text(
        f"{july}, register entry {approval.idempotency_key} (decided 4 July 2018): funded from "
        "the centrally retained budget"
    )
