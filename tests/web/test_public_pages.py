"""The public record, read signed out: the decision register and its filters, an entry
at its permanent address (printed, the decision notice), the exports with public columns
only, and the meetings, forthcoming and held, with their agendas and minutes.

Decisions are made through the real request lifecycle (tests/lifecycle/drive.py) on
the dev server; what is checked is what a visitor's browser is shown.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.async_api import Page, expect

from contracts.register import EntryKind, RegisterEntry
from devtools import seeds
from domain.calendar import format_uk_date
from domain.meeting.commands import (
    CancelMeeting,
    CloseMeeting,
    OpenMeeting,
    PublishAgenda,
    RecordMeetingAttendance,
)
from domain.request.draft import Citation, FundingSource
from tests.api.requests_setup import rejected
from tests.lifecycle.drive import (
    approve,
    draft_to_options,
    evaluated_request,
    minute_and_confirm,
    new_reference,
    open_vote_with,
    recommend_and_table,
)
from tests.web.axe import assert_accessible
from tests.web.browsing import status_of, title
from tests.web.conftest import Site, schedule_meeting
from tests.web.forum_setup import registered, reload_until, tabled_on

pytestmark = pytest.mark.devserver_only


def approval_of(site: Site, reference: str) -> RegisterEntry:
    """The request's decision entry in the register."""
    (approval,) = [
        entry
        for entry in site.api.register.entries_for(reference)
        if entry.kind is EntryKind.DECISION
    ]
    return approval


async def assert_signed_out_layout(page: Page) -> None:
    """The page offers the public menu and sign-in, and nothing of a signed-in person."""
    await expect(page.get_by_test_id("signed-in-person")).to_have_count(0)
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    await expect(page.get_by_role("link", name="Your requests")).to_have_count(0)
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()


async def test_the_register_lists_an_approval_with_its_source_signed_out(
    site: Site, page: Page
) -> None:
    """Signed out, the register shows the confirmed approval "Centrally retained budget,
    £89,604" at the meeting of 4 July 2018, with the security headers of every page."""
    reference = await evaluated_request(site.api.requests, report=False)

    response = await page.goto(f"{site.url}/public/register")
    assert response is not None
    assert response.status == 200
    headers = await response.all_headers()
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    await expect(page).to_have_title(title("Decision register"))
    await assert_signed_out_layout(page)
    row = page.get_by_role("row").filter(has_text=reference)
    await expect(row).to_contain_text("4 July 2018")
    await expect(row).to_contain_text("Approved")
    await expect(row).to_contain_text("Centrally retained budget, £89,604")
    footer = page.get_by_role("contentinfo")
    await expect(footer.get_by_role("link", name="Decision register")).to_be_visible()
    await assert_accessible(page)


async def test_the_filters_narrow_the_register_and_keep_what_was_typed(
    site: Site, page: Page
) -> None:
    """Year, funding source and outcome each narrow the list; the form shows back what
    was chosen, and a year that is not one is an error naming the rule."""
    approved = await evaluated_request(site.api.requests, report=False)
    turned_down = await rejected(site.api.requests)
    await page.goto(f"{site.url}/public/register")
    approved_row = page.get_by_role("row").filter(has_text=approved)
    rejected_row = page.get_by_role("row").filter(has_text=turned_down)
    await expect(approved_row).to_have_count(1)
    await expect(rejected_row).to_have_count(1)

    await page.get_by_label("Outcome").select_option("rejected")
    await page.get_by_role("button", name="Search").click()
    await expect(rejected_row).to_have_count(1)
    await expect(approved_row).to_have_count(0)
    await expect(page.get_by_label("Outcome")).to_have_value("rejected")

    await page.get_by_label("Outcome").select_option("")
    await page.get_by_label("Funding source").select_option(FundingSource.centrally_retained)
    await page.get_by_label("Year of the meeting").fill("2018")
    await page.get_by_role("button", name="Search").click()
    await expect(approved_row).to_have_count(1)
    await expect(rejected_row).to_have_count(0)
    await expect(page.get_by_label("Year of the meeting")).to_have_value("2018")
    await expect(page.get_by_label("Funding source")).to_have_value("centrally_retained")
    assert "year=2018" in page.url
    assert "source=centrally_retained" in page.url
    await assert_accessible(page)

    await page.get_by_label("Year of the meeting").fill("2019")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#no-entries")).to_have_text("No entries match the search.")

    await page.get_by_label("Year of the meeting").fill("twenty18")
    await page.get_by_role("button", name="Search").click()
    await expect(page).to_have_title(title("Error: Decision register"))
    await expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the year as 4 digits, like 2018"
    )
    await expect(page.get_by_label("Year of the meeting")).to_have_value("twenty18")
    await assert_accessible(page)


async def test_an_entry_has_a_permanent_address_with_what_cites_it(site: Site, page: Page) -> None:
    """The entry page, at /public/register/<entry id>, shows the agreed option with its
    source and amount, the period, the confirmed minutes and the paper citing it; an
    unknown entry is the not-found page."""
    forum = site.api.requests
    cited = await evaluated_request(forum, report=False)
    approval = approval_of(site, cited)
    citation = Citation(
        entry_id=approval.idempotency_key,
        request_ref=cited,
        claimed_source=FundingSource.centrally_retained,
    )
    citing = await draft_to_options(
        forum,
        seeds.middlesbrough_draft(new_reference()).model_copy(update={"citations": (citation,)}),
    )
    await recommend_and_table(forum, citing, meeting=seeds.SEPTEMBER_2018_MEETING)

    await page.goto(f"{site.url}/public/register")
    await page.get_by_role("row").filter(has_text=cited).get_by_role("link").click()
    assert page.url == f"{site.url}/public/register/{approval.idempotency_key}"
    await assert_signed_out_layout(page)
    entry = page.locator("#entry")
    await expect(page.locator("#agreed-funding")).to_have_text("Centrally retained budget, £89,604")
    await expect(entry).to_contain_text("The forum's meeting of 4 July 2018")
    await expect(entry).to_contain_text("1 September 2018 to 31 August 2019")
    await expect(page.locator("#minutes-status")).to_contain_text("Confirmed on")
    await expect(page.locator("#entry-id")).to_have_text(approval.idempotency_key)
    await expect(page.locator("#citations")).to_contain_text(
        f"({citing}, for the meeting of {format_uk_date(seeds.SEPTEMBER_2018_MEETING)})"
    )
    await assert_accessible(page)

    await page.locator("#citations").get_by_role("link").click()
    await expect(page.locator("#entry")).to_contain_text("Cites")
    await expect(page.locator("#entry")).to_contain_text(cited)

    unknown = f"{site.url}/public/register/{cited}/c1/decision/999"
    assert await status_of(page, unknown) == 404
    await expect(page).to_have_title(title("Page not found"))
    await assert_accessible(page)
    assert await status_of(page, f"{site.url}/public/register/not-an-entry") == 404


async def test_the_exports_hold_the_entry_and_no_internal_ids(site: Site, page: Page) -> None:
    """CSV and JSON carry the approval with its source and amount under its public id,
    filtered like the page, and never who recorded it, its workflow or its run."""
    reference = await evaluated_request(site.api.requests, report=False)
    approval = approval_of(site, reference)

    csv_answer = await page.request.get(f"{site.url}/public/register.csv?year=2018")
    assert csv_answer.status == 200
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_answer.headers["content-disposition"]
    text = await csv_answer.text()
    rows = list(csv.DictReader(io.StringIO(text)))
    (row,) = [r for r in rows if r["request_ref"] == reference]
    assert row["entry_id"] == approval.idempotency_key
    assert row["address"] == f"/public/register/{approval.idempotency_key}"
    assert (row["option_source"], row["option_amount_pence"]) == ("centrally_retained", "8960400")
    header = next(csv.reader(io.StringIO(text)))
    for private in ("recorded_by", "workflow_id", "run_id", "idempotency_key"):
        assert private not in header
    assert approval.run_id not in text
    assert approval.recorded_by not in row.values()

    json_answer = await page.request.get(
        f"{site.url}/public/register.json?source=centrally_retained"
    )
    assert json_answer.status == 200
    body = await json_answer.text()
    (item,) = [r for r in json.loads(body) if r["request_ref"] == reference]
    assert item["entry_id"] == approval.idempotency_key
    assert item["option_amount_pence"] == 8960400
    assert item["amendments"] == []
    assert item["phases"] == []
    assert not {"recorded_by", "workflow_id", "run_id", "idempotency_key"} & item.keys()
    assert approval.run_id not in body
    assert approval.recorded_by not in item.values()

    nothing = await page.request.get(f"{site.url}/public/register.json?year=2019")
    assert json.loads(await nothing.text()) == []
    refused = await page.request.get(f"{site.url}/public/register.csv?year=18")
    assert refused.status == 422
    assert json.loads(await refused.text())["errors"] == [
        {"field": "query.year", "rule": "Enter the year as 4 digits, like 2018"}
    ]


async def test_the_meetings_page_lists_scheduled_meetings_not_cancelled_ones(
    site: Site, page: Page
) -> None:
    """A meeting scheduled in 30 days is listed with its day, time, place and papers
    deadline; one cancelled is not."""
    meetings = site.api.meetings
    coming = await schedule_meeting(meetings, days_ahead=30)
    called_off = await schedule_meeting(meetings, days_ahead=45)
    await meetings.submit(called_off.meeting_id, CancelMeeting(reason="No business"), seeds.CHAIR)

    await page.goto(f"{site.url}/public/meetings")
    await expect(page).to_have_title(title("Forthcoming meetings"))
    await assert_signed_out_layout(page)
    table = page.locator("#meetings")
    row = table.get_by_role("row").filter(has_text=format_uk_date(coming.meeting_day))
    await expect(row).to_contain_text(f"{coming.meeting_day:%A}")
    await expect(row).to_contain_text("10am")
    await expect(row).to_contain_text("Civic Centre")
    await expect(row).to_contain_text(f"5pm on {format_uk_date(coming.papers_deadline)}")
    await expect(table).not_to_contain_text(format_uk_date(called_off.meeting_day))
    await assert_accessible(page)


async def test_the_decision_notice_prints_without_the_site_around_it(
    site: Site, page: Page
) -> None:
    """Printed, an entry's page is the decision notice: the menus and footer are left
    out, the entry and its permanent address are kept, and the print styles load
    from this site (the page's policy refuses any other)."""
    reference = await evaluated_request(site.api.requests, report=False)
    approval = approval_of(site, reference)
    address = f"{site.url}/public/register/{approval.idempotency_key}"

    await page.goto(address)
    await expect(page.locator("#print-hint")).to_be_visible()
    await expect(page.locator("#notice-source")).to_be_hidden()
    await assert_accessible(page)

    await page.emulate_media(media="print")
    await expect(page.locator("#notice-source")).to_be_visible()
    await expect(page.locator("#notice-source")).to_contain_text(address)
    await expect(page.locator("#print-hint")).to_be_hidden()
    await expect(page.get_by_role("contentinfo")).to_be_hidden()
    await expect(page.get_by_role("navigation")).to_be_hidden()
    await expect(page.locator("#agreed-funding")).to_have_text("Centrally retained budget, £89,604")
    await assert_accessible(page)


async def test_a_meeting_held_lists_its_agenda_and_its_confirmed_minutes(
    site: Site, page: Page
) -> None:
    """Once held and closed, a meeting is listed under past meetings with links to its
    published agenda and to its minutes, which show the confirmed minute."""
    meetings = site.api.meetings
    forum = site.api.requests
    meeting = await schedule_meeting(meetings, days_ahead=30)
    reference = await tabled_on(forum, meeting.meeting_id)
    await meetings.submit(meeting.meeting_id, PublishAgenda(), seeds.CLERK)
    present = tuple(member.member_id for member in seeds.MEMBERS)
    await meetings.submit(
        meeting.meeting_id, RecordMeetingAttendance(present_member_ids=present), seeds.CLERK
    )
    await meetings.submit(meeting.meeting_id, OpenMeeting(), seeds.CHAIR)
    await open_vote_with(forum, reference)
    await approve(forum, reference)
    await minute_and_confirm(forum, reference)
    await registered(site.api.register, reference, EntryKind.MINUTE_CONFIRMED)
    await meetings.submit(meeting.meeting_id, CloseMeeting(), seeds.CHAIR)

    await page.goto(f"{site.url}/public/meetings")
    past = page.locator("#past-meetings")
    await reload_until(page, past, format_uk_date(meeting.meeting_day))
    await expect(page.locator("#no-meetings")).to_be_visible()
    await assert_accessible(page)
    await past.get_by_role("link", name="minutes").click()
    assert page.url == f"{site.url}/public/meetings/{meeting.meeting_id}/minutes"
    await expect(page.locator("#minutes")).to_contain_text(reference)
    await assert_accessible(page)
    await page.get_by_role("link", name="Read the agenda and papers").click()
    await expect(page.locator("#agenda")).to_contain_text(reference)
    await assert_accessible(page)
