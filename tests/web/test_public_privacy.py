"""What the public must not see before its time, asked for signed out: an agenda not
yet published, minutes not yet confirmed, and, in the register's exports, an item still
waiting for its meeting or a vote still open.

Each unpublished page answers exactly as a meeting nobody scheduled does, so an
address cannot tell anyone what exists.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.async_api import Page, expect

from contracts.register import EntryKind
from devtools import seeds
from domain.meeting.commands import PublishAgenda
from domain.request.commands import CastVote, CloseVote, ConfirmMinutes, RecordMinute
from domain.request.decision import VoteChoice
from tests.lifecycle.drive import approve, minute_for
from tests.web.axe import assert_accessible
from tests.web.browsing import status_of, title
from tests.web.conftest import Site, schedule_meeting
from tests.web.forum_setup import registered, tabled_on, voting_on

pytestmark = pytest.mark.devserver_only

NOBODYS_MEETING = "meeting-2099-01-01-nobody"


async def not_found_page(page: Page, url: str) -> tuple[int, str, str]:
    """The status, title and main text a visitor gets at ``url``."""
    status = await status_of(page, url)
    return status, await page.title(), await page.locator("main").inner_text()


async def three_open_items(site: Site) -> tuple[str, str, str]:
    """A meeting's agenda, unpublished, with an item tabled, an item whose vote is open
    with three votes cast, and an item decided: (tabled, voting, decided)."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    tabled = await tabled_on(forum, meeting.meeting_id)
    voting = await voting_on(forum, meeting.meeting_id)
    for member in seeds.MEMBERS[:3]:
        await forum.submit(voting, CastVote(choice=VoteChoice.for_), seeds.member_actor(member))
    decided = await voting_on(forum, meeting.meeting_id)
    await approve(forum, decided)
    await registered(site.api.register, decided, EntryKind.DECISION)
    return tabled, voting, decided


async def test_an_unpublished_agenda_is_not_found_like_a_meeting_nobody_scheduled(
    site: Site, page: Page
) -> None:
    """Before the clerk publishes it, a meeting's agenda answers 404 with the page a
    meeting nobody scheduled gets; once published it shows the items then on the
    agenda and not one tabled afterwards, and the meetings list links to it."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    on_time = await tabled_on(forum, meeting.meeting_id)
    agenda_url = f"{site.url}/public/meetings/{meeting.meeting_id}"

    unpublished = await not_found_page(page, agenda_url)
    nobodys = await not_found_page(page, f"{site.url}/public/meetings/{NOBODYS_MEETING}")
    assert unpublished[0] == 404
    assert unpublished == nobodys
    await expect(page).to_have_title(title("Page not found"))
    await assert_accessible(page)
    await page.goto(f"{site.url}/public/meetings")
    await expect(page.locator("#meetings")).not_to_contain_text("Agenda and papers for")
    await expect(page.locator("#meetings")).to_contain_text("Not published yet")
    await assert_accessible(page)

    await site.api.meetings.submit(meeting.meeting_id, PublishAgenda(), seeds.CLERK)
    after = await tabled_on(forum, meeting.meeting_id)
    assert await status_of(page, agenda_url) == 200
    await expect(page.locator("#agenda")).to_contain_text(on_time)
    await expect(page.locator("main")).not_to_contain_text(after)
    await expect(page.locator("main")).to_contain_text("Centrally retained budget, £89,604")
    await assert_accessible(page)
    await page.goto(f"{site.url}/public/meetings")
    await page.locator("#meetings").get_by_role("link", name="Agenda and papers").click()
    assert page.url == agenda_url
    await assert_accessible(page)


async def test_unconfirmed_minutes_are_not_found_until_the_chair_confirms_them(
    site: Site, page: Page
) -> None:
    """A meeting's minutes answer 404 while the decision is only minuted, as for a
    meeting nobody scheduled; once the chair confirms them the minute is shown."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    reference = await voting_on(forum, meeting.meeting_id)
    await approve(forum, reference)
    await forum.submit(reference, RecordMinute(minute=minute_for()), seeds.CLERK)
    minutes_url = f"{site.url}/public/meetings/{meeting.meeting_id}/minutes"

    minuted = await not_found_page(page, minutes_url)
    nobodys = await not_found_page(page, f"{site.url}/public/meetings/{NOBODYS_MEETING}/minutes")
    assert minuted[0] == 404
    assert minuted == nobodys
    await assert_accessible(page)

    await forum.submit(reference, ConfirmMinutes(), seeds.CHAIR)
    await registered(site.api.register, reference, EntryKind.MINUTE_CONFIRMED)
    assert await status_of(page, minutes_url) == 200
    minutes = page.locator("#minutes")
    await expect(minutes).to_contain_text(reference)
    await expect(minutes).to_contain_text(minute_for().text)
    await expect(minutes).to_contain_text("Centrally retained budget, £89,604")
    await assert_accessible(page)
    await minutes.get_by_role("link", name="The decision notice").click()
    await expect(page.locator("#entry")).to_contain_text("Approved")
    await assert_accessible(page)


async def test_the_csv_export_holds_no_waiting_item_and_no_open_vote(
    site: Site, page: Page
) -> None:
    """The register's CSV holds the item decided and neither the item still waiting
    for the meeting nor the one whose vote is open (three votes cast)."""
    tabled, voting, decided = await three_open_items(site)

    answer = await page.request.get(f"{site.url}/public/register.csv")
    assert answer.status == 200
    text = await answer.text()
    referenced = {row["request_ref"] for row in csv.DictReader(io.StringIO(text))}
    assert decided in referenced
    assert tabled not in text
    assert voting not in text


async def test_the_json_export_holds_no_waiting_item_and_no_open_vote(
    site: Site, page: Page
) -> None:
    """The register's JSON holds the item decided and neither the item still waiting
    for the meeting nor the one whose vote is open (three votes cast)."""
    tabled, voting, decided = await three_open_items(site)

    answer = await page.request.get(f"{site.url}/public/register.json")
    assert answer.status == 200
    body = await answer.text()
    assert decided in {row["request_ref"] for row in json.loads(body)}
    assert tabled not in body
    assert voting not in body


async def test_a_vote_closed_reaches_the_export_only_once_closed(site: Site, page: Page) -> None:
    """The vote with three votes cast enters the JSON export only when the chair
    closes it, with its closed count."""
    _, voting, _ = await three_open_items(site)
    before = await (await page.request.get(f"{site.url}/public/register.json")).text()
    assert voting not in before

    await site.api.requests.submit(voting, CloseVote(), seeds.CHAIR)
    await registered(site.api.register, voting, EntryKind.DECISION)
    after = json.loads(await (await page.request.get(f"{site.url}/public/register.json")).text())
    assert voting in {row["request_ref"] for row in after}
