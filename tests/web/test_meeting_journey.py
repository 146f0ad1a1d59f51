"""The Middlesbrough meeting of 4 July 2018, run from its agenda to its confirmed minutes
in real browsers by the forum's four kinds of user, and read by the public signed out.

The clerk enters the meeting (held before forumflow was used, so recorded after the
event); the officer drafts seed 000 and lists its two options; the chair tables it from
the meeting's page; the clerk publishes the agenda, marks 8 of the 20 members present
and the chair opens the meeting and the vote; eight members vote from eight browsers of
their own at once; the chair closes the vote; the clerk's minute without its funding
source is refused, then recorded naming the centrally retained budget; the chair
confirms the minutes; and a visitor reads "Centrally retained budget, £89,604" in the
decision register. Nothing is set up through the clients: every step is a page. Each
step's time is reported at the end of the run, and the README's screenshots of the
clerk's home, the attendance page, the voting console and the register are kept.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date

import pytest
from playwright.async_api import Browser, Page, expect

from contracts.register import EntryKind
from devtools import seeds
from domain.meeting.models import MeetingStage
from domain.people import MemberGroup
from domain.request.decision import VoteChoice
from domain.request.models import Stage
from storage.accounts import NewUser
from tests.web.axe import assert_accessible
from tests.web.browsing import browsing_as, screenshot, title
from tests.web.conftest import CHAIR, CLERK, JOURNEY_STEPS, MEMBERS, OFFICER, Site
from tests.web.forum_setup import registered, reload_until
from tests.web.officer_steps import add_option, draft_the_request, fill_date, write_recommendation
from web.present import home_title

pytestmark = pytest.mark.devserver_only

JULY_2018 = seeds.JULY_2018_MEETING
PRESENT = [
    *seeds.members_of(MemberGroup.maintained_primary),
    *seeds.members_of(MemberGroup.maintained_secondary),
    seeds.members_of(MemberGroup.non_school)[0],
]
"""Eight of the twenty: exactly the quorum."""


def voter(member_id: str) -> NewUser:
    """The site's user for a seed member."""
    return next(person for person in MEMBERS if person.user_id == member_id)


class Stopwatch:
    """The journey's steps and how long each took, for the run's summary."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._last = self._started

    def lap(self, step: str) -> None:
        """The step just finished."""
        now = time.perf_counter()
        JOURNEY_STEPS.append((step, now - self._last))
        self._last = now

    def total(self) -> None:
        """The whole journey."""
        JOURNEY_STEPS.append(("the whole journey", time.perf_counter() - self._started))


async def checked(page: Page, url: str) -> None:
    """Open ``url`` and check the page with axe."""
    await page.goto(url)
    await assert_accessible(page)


async def success(page: Page, text: str) -> None:
    """The page confirms what was just done."""
    await expect(page.locator(".govuk-notification-banner").first).to_contain_text(text)


async def enter_the_meeting(clerk: Page, site: Site) -> str:
    """The clerk enters the meeting of 4 July 2018 from the meetings list; its id."""
    await clerk.goto(site.url)
    await expect(clerk).to_have_title(title(home_title(CLERK.roles)))
    await clerk.get_by_role("link", name="Meetings", exact=True).click()
    await clerk.get_by_role("button", name="Schedule a meeting").click()
    await fill_date(clerk, "meeting-date", JULY_2018)
    await clerk.get_by_label("Time it starts").fill("10am")
    await clerk.get_by_label("Where it is held").fill("Middlesbrough Teaching and Learning Centre")
    await clerk.get_by_label("This meeting has already taken place").check()
    await clerk.get_by_role("button", name="Schedule the meeting").click()
    await expect(clerk).to_have_title(title("Meeting on 4 July 2018"))
    await assert_accessible(clerk)
    return clerk.url.rsplit("/", 1)[1].split("?")[0]


async def draft_and_list_options(officer: Page, site: Site, reference: str) -> None:
    """The officer drafts seed 000, submits it, lists both options and recommends the
    centrally retained budget."""
    await officer.goto(site.url)
    await draft_the_request(officer, seeds.middlesbrough_draft(reference))
    await assert_accessible(officer)
    await officer.get_by_role("button", name="Submit the draft").click()
    await success(officer, "Draft submitted")
    await add_option(
        officer, reference, "Centrally retained budget", seeds.CENTRALLY_RETAINED.conditions
    )
    await add_option(
        officer, reference, "DSG schools block, by de-delegation", seeds.SCHOOLS_BLOCK.conditions
    )
    await write_recommendation(
        officer,
        reference,
        seeds.MIDDLESBROUGH_RECOMMENDATION,
        "Agree the centrally retained budget, £89,604",
    )


async def build_and_publish_the_agenda(
    chair: Page, clerk: Page, visitor: Page, site: Site, meeting: str, reference: str
) -> None:
    """The chair tables the request from the meeting's page; the clerk publishes the
    agenda, and the public page shows it."""
    meeting_page = f"{site.url}/forum-meetings/{meeting}"
    await checked(chair, meeting_page)
    await chair.get_by_label(re.compile(reference)).check()
    await chair.get_by_role("button", name="Table the request").click()
    await success(chair, "Request tabled")
    await expect(chair.locator(f'[data-request-ref="{reference}"]')).to_be_visible()
    await assert_accessible(chair)

    await checked(clerk, meeting_page)
    await clerk.get_by_role("button", name="Publish the agenda and papers").click()
    await success(clerk, "Agenda and papers published")
    await expect(clerk.get_by_test_id("published-at")).to_contain_text("were published on")
    await assert_accessible(clerk)

    await checked(visitor, f"{site.url}/public/meetings/{meeting}")
    await expect(visitor.locator("#agenda")).to_contain_text(reference)
    await expect(visitor.locator("main")).to_contain_text("Centrally retained budget, £89,604")


async def mark_attendance_and_open(chair: Page, clerk: Page, site: Site, meeting: str) -> None:
    """The clerk ticks the eight present and saves: quorate (8); the chair opens the
    meeting from the same page."""
    attendance = f"{site.url}/forum-meetings/{meeting}/attendance"
    await checked(clerk, attendance)
    for member in PRESENT:
        await clerk.get_by_label(member.name, exact=True).check()
    await clerk.get_by_role("button", name="Save attendance").click()
    await success(clerk, "Attendance saved")
    await expect(clerk.get_by_test_id("quorum-status")).to_have_text("8 present: quorate")
    await assert_accessible(clerk)
    await screenshot(clerk, "attendance")

    await checked(chair, attendance)
    await chair.get_by_role("button", name="Open the meeting").click()
    await success(chair, "The meeting is open")
    await assert_accessible(chair)


async def eight_members_vote(
    chair: Page, browser: Browser, site: Site, meeting: str, reference: str, watch: Stopwatch
) -> None:
    """The chair opens the vote; eight members, each in a browser of their own on a
    phone-sized page, vote for at once; the chair sees all eight have voted."""
    vote = f"{site.url}/forum-meetings/{meeting}/items/{reference}/vote"
    await checked(chair, vote)
    await chair.get_by_role("button", name="Open the vote").click()
    await expect(chair.get_by_test_id("vote-status")).to_have_text("The vote is open.")
    async with AsyncExitStack() as members:
        phones = [
            await members.enter_async_context(
                browsing_as(browser, site, voter(m.member_id), phone=True)
            )
            for m in PRESENT
        ]
        for phone in phones:
            await phone.goto(site.url)
            await reload_until(phone, phone.locator("#member-votes"), reference)
            await phone.get_by_role("button", name=f"Vote now on {reference}").click()
            await expect(phone.get_by_role("button", name="Cast your vote")).to_be_visible()
        watch.lap("the chair opens the vote; eight members reach it from their home pages")
        await assert_accessible(phones[0])
        await screenshot(phones[0], "vote-member")

        async def cast(phone: Page) -> None:
            await phone.get_by_label("For", exact=True).check()
            await phone.get_by_role("button", name="Cast your vote").click()
            await expect(phone.get_by_test_id("own-vote")).to_contain_text(
                "Your vote has been recorded: For"
            )

        started = time.perf_counter()
        await asyncio.gather(*(cast(phone) for phone in phones[:5]))
        at_once = time.perf_counter() - started
        await chair.reload()
        await expect(chair.get_by_test_id("voted").get_by_role("listitem")).to_have_count(5)
        await assert_accessible(chair)
        await screenshot(chair, "vote-chair")
        started = time.perf_counter()
        await asyncio.gather(*(cast(phone) for phone in phones[5:]))
        at_once += time.perf_counter() - started
        for phone in phones:
            await expect(phone.get_by_test_id("result")).to_have_count(0)
        await assert_accessible(phones[-1])
    await expect(chair.get_by_test_id("voted").get_by_role("listitem")).to_have_count(
        8, timeout=15_000
    )
    await expect(chair.get_by_test_id("not-voted")).to_have_text("Everyone has voted")
    watch.lap("the eight vote (five at once, then three) and the chair sees it")
    JOURNEY_STEPS.append(("  of which casting the votes, from click to confirmation", at_once))


async def close_the_vote(chair: Page) -> None:
    """The chair closes the vote: approved, 8 for."""
    await chair.get_by_role("button", name="Close the vote").click()
    await expect(chair.get_by_test_id("vote-status")).to_have_text("The vote has closed.")
    await expect(chair.get_by_test_id("result").locator(".govuk-summary-list__value")).to_have_text(
        ["Approved", "8", "0", "0"]
    )
    await assert_accessible(chair)


async def minute_the_decision(clerk: Page, site: Site, meeting: str, reference: str) -> None:
    """From the clerk's home: the minute without its source is refused, keeping what was
    typed; with the centrally retained budget ticked it is recorded."""
    await checked(clerk, site.url)
    record = clerk.get_by_role("link", name=f"Record the minute of {reference}")
    await expect(record).to_be_visible()
    await expect(clerk.locator("#clerk-meetings")).to_contain_text("None: entered after the event")
    await expect(clerk.locator("#clerk-waiting")).not_to_contain_text(reference)  # decided
    await expect(clerk.get_by_role("link", name="Your forum business")).to_be_visible()
    await screenshot(clerk, "clerk-home")
    await record.click()
    retained = clerk.get_by_role("checkbox", name="Centrally retained budget")
    await expect(retained).to_be_checked()
    await expect(clerk.get_by_label("Amount agreed")).to_have_value("89604")
    await assert_accessible(clerk)
    await retained.uncheck()
    await clerk.get_by_label("Minute", exact=True).fill(seeds.MIDDLESBROUGH_MINUTE)
    await clerk.get_by_role("button", name="Record the minute").click()
    summary = clerk.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("names no agreed funding option")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#agreed-options")
    await expect(clerk.get_by_label("Minute", exact=True)).to_have_value(seeds.MIDDLESBROUGH_MINUTE)
    await assert_accessible(clerk)
    assert (await site.api.requests.state(reference)).minute is None

    await retained.check()
    await clerk.get_by_role("button", name="Record the minute").click()
    await success(clerk, "Minute recorded")
    await expect(clerk.get_by_test_id("minute")).to_contain_text("Centrally retained budget")
    await expect(clerk.get_by_test_id("minute")).to_contain_text("£89,604")
    await assert_accessible(clerk)


async def confirm_the_minutes(chair: Page, site: Site, meeting: str, reference: str) -> None:
    """From the chair's home, the chair confirms the minutes; they are locked, and the
    meeting's agenda shows the item decided."""
    await checked(chair, site.url)
    await chair.get_by_role("link", name=f"Confirm the minutes of {reference}").click()
    await chair.get_by_role("button", name="Confirm the minutes").click()
    await success(chair, "The minutes are confirmed")
    await expect(chair.get_by_test_id("locked")).to_contain_text(
        "A correction is recorded as a new minute"
    )
    await assert_accessible(chair)
    await checked(chair, f"{site.url}/forum-meetings/{meeting}")
    await expect(chair.locator(f'[data-request-ref="{reference}"] .govuk-tag')).to_have_text(
        "Decided"
    )


async def read_the_register(visitor: Page, site: Site, meeting: str, reference: str) -> None:
    """Signed out, the register and the confirmed minutes say where the money comes from."""
    await registered(site.api.register, reference, EntryKind.MINUTE_CONFIRMED)
    await checked(visitor, f"{site.url}/public/register")
    row = visitor.get_by_role("row").filter(has_text=reference)
    await expect(row).to_contain_text("4 July 2018")
    await expect(row).to_contain_text("Approved")
    await expect(row).to_contain_text("Centrally retained budget, £89,604")
    await screenshot(visitor, "public-register")
    await checked(visitor, f"{site.url}/public/meetings/{meeting}/minutes")
    minutes = visitor.locator("main")
    await expect(minutes).to_contain_text(seeds.MIDDLESBROUGH_MINUTE)
    await expect(minutes).to_contain_text("Centrally retained budget, £89,604")


async def test_the_july_2018_meeting_runs_from_agenda_to_public_record_in_browsers(
    site: Site, browser: Browser
) -> None:
    """Seed 000 goes from the officer's draft through the chair's tabling, the clerk's
    agenda and attendance, eight members' votes, the refused and then recorded minute and
    the chair's confirmation, to the public register naming its source, all in pages."""
    reference = f"{seeds.MIDDLESBROUGH_REFERENCE}-{uuid.uuid4().hex[:4].upper()}"
    watch = Stopwatch()
    async with (
        browsing_as(browser, site, OFFICER) as officer,
        browsing_as(browser, site, CHAIR) as chair,
        browsing_as(browser, site, CLERK) as clerk,
        browsing_as(browser, site, None) as visitor,
    ):
        meeting = await enter_the_meeting(clerk, site)
        watch.lap("the clerk enters the meeting of 4 July 2018")
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            (
                "the officer drafts the request and lists two options",
                lambda: draft_and_list_options(officer, site, reference),
            ),
            (
                "the chair tables it; the clerk publishes the agenda",
                lambda: build_and_publish_the_agenda(
                    chair, clerk, visitor, site, meeting, reference
                ),
            ),
            (
                "the clerk marks 8 of 20 present; the chair opens the meeting",
                lambda: mark_attendance_and_open(chair, clerk, site, meeting),
            ),
            (
                "",  # timed inside, vote by vote
                lambda: eight_members_vote(chair, browser, site, meeting, reference, watch),
            ),
            ("the chair closes the vote", lambda: close_the_vote(chair)),
            (
                "the clerk's minute, refused then recorded",
                lambda: minute_the_decision(clerk, site, meeting, reference),
            ),
            (
                "the chair confirms the minutes",
                lambda: confirm_the_minutes(chair, site, meeting, reference),
            ),
            (
                "a visitor reads the register and the minutes",
                lambda: read_the_register(visitor, site, meeting, reference),
            ),
        ]
        for step, run in steps:
            await run()
            if step:
                watch.lap(step)
    watch.total()

    state = await site.api.requests.state(reference)
    assert state.stage is Stage.evaluation  # minuted, confirmed and awaiting its report
    assert state.meeting_date == JULY_2018
    assert {v.member_id for v in state.votes} == {m.member_id for m in PRESENT}
    assert {v.choice for v in state.votes} == {VoteChoice.for_}
    assert state.minute is not None
    assert state.minute.agreed_option_ids == (seeds.CENTRALLY_RETAINED.option_id,)
    assert state.minute.amount_pence == seeds.TOTAL_PENCE
    assert state.minutes_confirmed_at is not None
    held = await site.api.meetings.state(meeting)
    assert held.recorded_after_the_event
    assert held.published_at is not None
    assert held.stage is MeetingStage.in_session
    assert date.fromisoformat(meeting.removeprefix("meeting-")[:10]) == JULY_2018
