"""The meeting day in real browsers: the clerk's attendance and the quorum, the chair
opening the meeting and the vote, members voting on their phones and by keyboard, the
clerk recording a vote on a member's behalf and an amendment, the result, and the minute
refused without its funding source, then recorded and confirmed.

Requests are set up through the clients (as the officer and chair would have left them)
and tabled for a meeting scheduled through the clients; everyone then works in a browser
of their own against the real application, worker and Temporal dev server. axe checks
every page a browser shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pytest
from playwright.async_api import Browser, Page, expect

from devtools import seeds
from domain.meeting.commands import RecordMeetingAttendance
from domain.people import Member, MemberGroup
from domain.request.commands import (
    CastVote,
    CloseVote,
    OpenVote,
    RecordAttendance,
    SetRecommendation,
    TableRequest,
)
from domain.request.decision import VoteChoice
from domain.request.draft import FundingOption, Recommendation
from domain.request.models import Stage
from storage.accounts import NewUser
from tests.lifecycle.drive import draft_to_options, new_reference
from tests.web.axe import assert_accessible
from tests.web.browsing import browsing_as, tab_to, title
from tests.web.conftest import (
    CHAIR,
    CLERK,
    MEMBERS,
    OFFICER,
    Site,
    schedule_meeting,
)
from web.present import uk_date

pytestmark = pytest.mark.devserver_only

PRIMARY = seeds.members_of(MemberGroup.maintained_primary)
SECONDARY = seeds.members_of(MemberGroup.maintained_secondary)
ACADEMY = seeds.members_of(MemberGroup.academy)
NON_SCHOOL = seeds.members_of(MemberGroup.non_school)
EIGHT = [*PRIMARY, *SECONDARY, NON_SCHOOL[0]]
"""Eight present: exactly the quorum of the seed forum's 20."""


def person(member: Member) -> NewUser:
    """The site's user for a seed member (user_id == member_id)."""
    return next(p for p in MEMBERS if p.user_id == member.member_id)


async def tabled_request(
    site: Site,
    meeting_id: str,
    options: tuple[FundingOption, ...] = (seeds.CENTRALLY_RETAINED,),
    recommended: tuple[str, ...] = (seeds.CENTRALLY_RETAINED.option_id,),
    mode: Literal["all_of", "one_of"] = "all_of",
) -> str:
    """A Middlesbrough request recommending ``recommended`` (all of them, or a choice
    between them), tabled for the meeting."""
    requests = site.api.requests
    reference = await draft_to_options(
        requests, seeds.middlesbrough_draft(new_reference()), options
    )
    recommendation = Recommendation(
        text=seeds.MIDDLESBROUGH_RECOMMENDATION, option_ids=recommended, mode=mode
    )
    await requests.submit(
        reference, SetRecommendation(recommendation=recommendation), seeds.OFFICER
    )
    await requests.submit(reference, TableRequest(meeting_id=meeting_id), seeds.CHAIR)
    return reference


async def present(site: Site, meeting_id: str, reference: str, members: Iterable[Member]) -> None:
    """The clerk records ``members`` present at the meeting and on the request."""
    ids = tuple(m.member_id for m in members)
    await site.api.meetings.submit(
        meeting_id, RecordMeetingAttendance(present_member_ids=ids), seeds.CLERK
    )
    await site.api.requests.submit(reference, RecordAttendance(present_member_ids=ids), seeds.CLERK)


async def visit(page: Page, url: str) -> None:
    """Open ``url`` and check the page with axe."""
    await page.goto(url)
    await assert_accessible(page)


async def test_the_clerk_marks_eight_of_twenty_present_and_the_chair_opens_the_meeting(
    site: Site, browser: Browser
) -> None:
    """The count follows the ticks and saving says "8 present: quorate" on the meeting and
    its request; the chair's stale "Open the meeting" after attendance fell is refused
    with the error summary, and once quorate again the meeting opens."""
    meeting = await schedule_meeting(site.api.meetings)
    reference = await tabled_request(site, meeting.meeting_id)
    attendance = f"{site.url}/forum-meetings/{meeting.meeting_id}/attendance"
    async with (
        browsing_as(browser, site, CLERK) as clerk,
        browsing_as(browser, site, CHAIR) as chair,
    ):
        await visit(clerk, attendance)
        await expect(clerk.get_by_test_id("quorum")).to_have_text(
            "Quorum: 8 of 20 members (two fifths of the membership)"
        )
        status = clerk.get_by_test_id("quorum-status")
        await expect(status).to_have_text("0 present: not quorate (needs 8 more)")
        primary = clerk.get_by_role("group", name="Maintained primary")
        await expect(primary.get_by_role("checkbox")).to_have_count(4)
        for member in EIGHT[:5]:
            await clerk.get_by_label(member.name, exact=True).check()
        await expect(status).to_have_text("5 present: not quorate (needs 3 more)")
        for member in EIGHT[5:]:
            await clerk.get_by_label(member.name, exact=True).check()
        await expect(status).to_have_text("8 present: quorate")
        await clerk.get_by_role("button", name="Save attendance").click()
        await expect(clerk.locator(".govuk-notification-banner")).to_contain_text(
            "Attendance saved"
        )
        await expect(status).to_have_text("8 present: quorate")
        await assert_accessible(clerk)
        saved = {m.member_id for m in EIGHT}
        assert set((await site.api.meetings.state(meeting.meeting_id)).present_member_ids) == saved
        assert set((await site.api.requests.state(reference)).present_member_ids) == saved

        await visit(chair, attendance)
        await expect(chair.get_by_test_id("quorum-status")).to_have_text("8 present: quorate")
        open_button = chair.get_by_role("button", name="Open the meeting")
        await expect(open_button).to_be_visible()

        await clerk.get_by_label(EIGHT[0].name, exact=True).uncheck()
        await clerk.get_by_role("button", name="Save attendance").click()
        await expect(status).to_have_text("7 present: not quorate (needs 1 more)")
        await assert_accessible(clerk)

        await open_button.click()
        summary = chair.locator(".govuk-error-summary")
        await expect(summary).to_contain_text(f"Cannot open {meeting.meeting_id}")
        await expect(summary.get_by_role("link")).to_have_attribute("href", "#attendance-status")
        await expect(chair).to_have_title(
            "Error: " + title(f"Attendance at the meeting on {uk_date(meeting.meeting_day)}")
        )
        await assert_accessible(chair)
        assert (await site.api.meetings.state(meeting.meeting_id)).opened_at is None

        await clerk.get_by_label(EIGHT[0].name, exact=True).check()
        await clerk.get_by_role("button", name="Save attendance").click()
        await expect(status).to_have_text("8 present: quorate")
        await visit(chair, attendance)
        await chair.get_by_role("button", name="Open the meeting").click()
        await expect(chair.locator(".govuk-notification-banner")).to_contain_text(
            "The meeting is open"
        )
        await assert_accessible(chair)
        assert (await site.api.meetings.state(meeting.meeting_id)).opened_at is not None


async def no_horizontal_scroll(page: Page) -> None:
    """The page fits its viewport's width: nothing to scroll sideways."""
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{widths[0]}px wide in a {widths[1]}px viewport"


async def test_members_vote_on_their_phones_and_the_chair_closes_the_vote(
    site: Site, browser: Browser
) -> None:
    """The chair opens the vote and the clerk records an amendment; one member votes at
    375 px, another by keyboard alone; neither can vote twice nor sees a count; the chair
    sees who has and has not voted (names only) kept current without reloading, the clerk
    records a vote on a member's behalf (the audit trail names both), and after the chair
    closes it everyone sees the result."""
    meeting = await schedule_meeting(site.api.meetings)
    reference = await tabled_request(site, meeting.meeting_id)
    await present(site, meeting.meeting_id, reference, EIGHT)
    vote = f"{site.url}/forum-meetings/{meeting.meeting_id}/items/{reference}/vote"
    phone_voter, keyboard_voter, absent_voter = PRIMARY[0], SECONDARY[0], ACADEMY[0]
    on_behalf = NON_SCHOOL[0]
    async with (
        browsing_as(browser, site, CHAIR) as chair,
        browsing_as(browser, site, CLERK) as clerk,
        browsing_as(browser, site, person(phone_voter), phone=True) as phone,
    ):
        await visit(chair, vote)
        await expect(chair.get_by_test_id("vote-status")).to_have_text(
            "The vote has not opened yet."
        )
        await chair.get_by_role("button", name="Open the vote").click()
        await expect(chair.get_by_test_id("vote-status")).to_have_text("The vote is open.")
        await expect(chair.get_by_test_id("not-voted").get_by_role("listitem")).to_have_count(8)
        await assert_accessible(chair)

        await visit(clerk, vote)
        await clerk.get_by_label("Amendment made in the meeting").fill(
            "full time and not term time only"
        )
        await clerk.get_by_role("button", name="Record the amendment").click()
        await expect(clerk.get_by_test_id("amendments")).to_have_text(
            "full time and not term time only"
        )
        await assert_accessible(clerk)

        await visit(phone, vote)
        await no_horizontal_scroll(phone)
        await phone.get_by_label("For", exact=True).check()
        await phone.get_by_role("button", name="Cast your vote").click()
        await expect(phone.get_by_test_id("own-vote")).to_contain_text(
            "Your vote has been recorded: For"
        )
        await expect(phone.get_by_role("radio")).to_have_count(0)
        await expect(phone.get_by_test_id("result")).to_have_count(0)
        await expect(phone.locator("main")).not_to_contain_text("1 for")
        await no_horizontal_scroll(phone)
        await assert_accessible(phone)

        token = await phone.locator("input[name=csrf_token]").first.get_attribute("value")
        again = await phone.request.post(
            f"{vote}/cast",
            form={"csrf_token": token or "", "choice": "against", "form_key": "A" * 22},
        )
        assert again.status == 409
        assert "already voted" in await again.text()
        state = await site.api.requests.state(reference)
        assert [(v.member_id, v.choice) for v in state.votes] == [
            (phone_voter.member_id, VoteChoice.for_)
        ]

        async with browsing_as(browser, site, person(keyboard_voter)) as keyboard:
            await visit(keyboard, vote)
            await tab_to(keyboard, "input[name=choice]")
            await keyboard.keyboard.press("ArrowDown")
            await expect(keyboard.get_by_label("Against", exact=True)).to_be_checked()
            await tab_to(keyboard, "main form button")
            await keyboard.keyboard.press("Enter")
            await expect(keyboard.get_by_test_id("own-vote")).to_contain_text(
                "Your vote has been recorded: Against"
            )
            await assert_accessible(keyboard)

        async with browsing_as(browser, site, person(absent_voter), phone=True) as absent:
            await visit(absent, vote)
            await expect(absent.get_by_test_id("why-not")).to_contain_text(
                "You are not recorded present at this meeting"
            )
            await expect(absent.get_by_role("radio")).to_have_count(0)
            await no_horizontal_scroll(absent)

        await visit(chair, vote)
        voted = chair.get_by_test_id("voted")
        await expect(voted.get_by_role("listitem")).to_have_text(
            [phone_voter.name, keyboard_voter.name]
        )
        await expect(chair.get_by_test_id("not-voted").get_by_role("listitem")).to_have_count(6)
        for word in ("Against", "Abstain", "1 for"):
            await expect(chair.locator("main")).not_to_contain_text(word)

        await visit(clerk, vote)
        await clerk.get_by_label("Member", exact=True).select_option(on_behalf.member_id)
        await clerk.get_by_role("group", name="Their vote").get_by_label("For", exact=True).check()
        await clerk.get_by_role("button", name="Record the vote").click()
        await expect(clerk.locator(".govuk-notification-banner")).to_contain_text(
            "Vote recorded on the member's behalf"
        )
        await assert_accessible(clerk)
        # The chair's page was not reloaded: its list keeps itself current.
        await expect(voted.get_by_role("listitem")).to_have_count(3, timeout=15_000)
        await expect(voted).to_contain_text(on_behalf.name)

        await visit(clerk, f"{site.url}/funding-requests/{reference}")
        entry = clerk.locator(".app-timeline__item", has_text=on_behalf.name).first
        await expect(entry).to_contain_text(f"{CLERK.name} recorded the vote of {on_behalf.name}")

        await chair.get_by_role("button", name="Close the vote").click()
        await expect(chair.get_by_test_id("vote-status")).to_have_text("The vote has closed.")
        result = chair.get_by_test_id("result")
        await expect(result).to_contain_text("Approved as amended")
        await expect(result.locator(".govuk-summary-list__key")).to_have_text(
            ["Outcome", "For", "Against", "Abstain"]
        )
        await expect(result.locator(".govuk-summary-list__value")).to_have_text(
            ["Approved as amended", "2", "1", "0"]
        )
        await assert_accessible(chair)

        await visit(phone, vote)
        await expect(phone.get_by_test_id("result")).to_contain_text("Approved as amended")
        await no_horizontal_scroll(phone)
    assert (await site.api.requests.state(reference)).stage is Stage.decided


async def decided_request(site: Site, meeting_id: str) -> str:
    """A request offering both seed options, recommending the centrally retained one,
    approved at the meeting by the eight present."""
    requests = site.api.requests
    reference = await tabled_request(
        site, meeting_id, options=(seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK)
    )
    await present(site, meeting_id, reference, EIGHT)
    await requests.submit(reference, OpenVote(), seeds.CHAIR)
    for member in EIGHT:
        await requests.submit(
            reference, CastVote(choice=VoteChoice.for_), seeds.member_actor(member)
        )
    await requests.submit(reference, CloseVote(), seeds.CHAIR)
    return reference


async def test_a_minute_without_its_source_is_refused_then_recorded_and_confirmed(
    site: Site, browser: Browser
) -> None:
    """The form starts from the decision; with no option ticked the engine's refusal is
    shown in the error summary with everything typed kept; ticking the centrally
    retained budget records it; the chair confirms and the form is gone for good."""
    meeting = await schedule_meeting(site.api.meetings)
    later = await schedule_meeting(site.api.meetings, days_ahead=120)
    reference = await decided_request(site, meeting.meeting_id)
    minute = f"{site.url}/forum-meetings/{meeting.meeting_id}/items/{reference}/minute"
    async with (
        browsing_as(browser, site, CLERK) as clerk,
        browsing_as(browser, site, CHAIR) as chair,
    ):
        await visit(clerk, minute)
        retained = clerk.get_by_role("checkbox", name="Centrally retained budget")
        await expect(retained).to_be_checked()
        await expect(clerk.get_by_role("checkbox", name="DSG schools block")).not_to_be_checked()
        await expect(clerk.get_by_label("Amount agreed")).to_have_value("89604")
        await expect(clerk.locator("#period-start-day")).to_have_value("1")
        await expect(clerk.locator("#period-end-year")).to_have_value("2019")
        await expect(clerk.get_by_label("Minute", exact=True)).to_contain_text(
            seeds.MIDDLESBROUGH_RECOMMENDATION
        )

        await retained.uncheck()
        await clerk.get_by_label("Minute", exact=True).fill(seeds.MIDDLESBROUGH_MINUTE)
        first_action = clerk.get_by_role("group", name="Action 1")
        await first_action.get_by_label("What is to be done").fill("Report on the posts")
        await first_action.get_by_label("Owner").select_option(seeds.OFFICER.user_id)
        await first_action.get_by_label("Due at").select_option(later.meeting_id)
        await clerk.get_by_role("button", name="Record the minute").click()
        summary = clerk.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("names no agreed funding option")
        await expect(summary.get_by_role("link")).to_have_attribute("href", "#agreed-options")
        await expect(clerk.get_by_label("Minute", exact=True)).to_have_value(
            seeds.MIDDLESBROUGH_MINUTE
        )
        await expect(first_action.get_by_label("What is to be done")).to_have_value(
            "Report on the posts"
        )
        await expect(first_action.get_by_label("Due at")).to_have_value(later.meeting_id)
        await expect(retained).not_to_be_checked()
        await assert_accessible(clerk)
        assert (await site.api.requests.state(reference)).minute is None

        await retained.check()
        await clerk.get_by_role("button", name="Record the minute").click()
        await expect(clerk.locator(".govuk-notification-banner")).to_contain_text("Minute recorded")
        recorded = clerk.get_by_test_id("minute")
        await expect(recorded).to_contain_text("Centrally retained budget")
        await expect(recorded).to_contain_text("£89,604")
        await expect(recorded).to_contain_text("Report on the posts (Sean Hogg")
        await expect(clerk.get_by_role("button", name="Record the minute")).to_have_count(0)
        await assert_accessible(clerk)
        state = await site.api.requests.state(reference)
        assert state.minute is not None
        assert state.minute.agreed_option_ids == (seeds.CENTRALLY_RETAINED.option_id,)
        assert state.minute.amount_pence == seeds.TOTAL_PENCE

        await visit(chair, minute)
        await chair.get_by_role("button", name="Confirm the minutes").click()
        await expect(chair.locator(".govuk-notification-banner")).to_contain_text(
            "The minutes are confirmed"
        )
        await expect(chair.get_by_test_id("locked")).to_contain_text(
            "A correction is recorded as a new minute"
        )
        await expect(chair.locator("main form")).to_have_count(0)
        await assert_accessible(chair)
        await visit(clerk, minute)
        await expect(clerk.locator("main form")).to_have_count(0)
    assert (await site.api.requests.state(reference)).minutes_confirmed_at is not None


async def test_with_no_maintained_secondary_member_present_secondary_schools_go_undecided(
    site: Site, browser: Browser
) -> None:
    """Before any vote the attendance page shows the secondary phase unable to decide,
    naming the primary members who can; after the vote the result says the same."""
    meeting = await schedule_meeting(site.api.meetings)
    reference = await tabled_request(
        site,
        meeting.meeting_id,
        options=(seeds.SCHOOLS_BLOCK,),
        recommended=(seeds.SCHOOLS_BLOCK.option_id,),
    )
    no_secondary = [*PRIMARY, *ACADEMY[:4]]
    attendance = f"{site.url}/forum-meetings/{meeting.meeting_id}/attendance"
    async with browsing_as(browser, site, CLERK) as clerk:
        await visit(clerk, attendance)
        for member in no_secondary:
            await clerk.get_by_label(member.name, exact=True).check()
        await clerk.get_by_role("button", name="Save attendance").click()
        await expect(clerk.get_by_test_id("quorum-status")).to_have_text("8 present: quorate")
        phases = clerk.get_by_test_id(f"phases-{reference}")
        await expect(phases.locator(".govuk-summary-list__value")).to_have_text(
            [
                ", ".join(m.name for m in PRIMARY),
                "Unable to decide for maintained secondary schools: no maintained secondary "
                "member is present",
            ]
        )
        await assert_accessible(clerk)

        vote = f"{site.url}/forum-meetings/{meeting.meeting_id}/items/{reference}/vote"
        await visit(clerk, vote)
        await expect(clerk.get_by_test_id("phases")).to_contain_text(
            "Unable to decide for maintained secondary schools: no maintained secondary "
            "member is present"
        )

        requests = site.api.requests
        await requests.submit(reference, OpenVote(), seeds.CHAIR)
        for member in PRIMARY:
            await requests.submit(
                reference, CastVote(choice=VoteChoice.for_), seeds.member_actor(member)
            )
        await requests.submit(reference, CloseVote(), seeds.CHAIR)
        await visit(clerk, vote)
        result = clerk.get_by_test_id("result")
        await expect(result).to_contain_text("Approved for maintained primary schools")
        await expect(result).to_contain_text(
            "Unable to decide for maintained secondary schools: no maintained secondary member "
            "was present"
        )


async def test_without_scripts_attendance_a_choice_vote_and_the_refresh_link_work(
    site: Site, browser: Browser
) -> None:
    """With no script file, saving attendance is what updates the count; a member voting for
    a choice without naming the option is asked for it, keeping the choice, then votes;
    the chair's Refresh link shows the vote; and the officer's forged "Open the vote" is
    the 403 page naming the chair role."""
    meeting = await schedule_meeting(site.api.meetings)
    both = (seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK)
    reference = await tabled_request(
        site,
        meeting.meeting_id,
        options=both,
        recommended=tuple(o.option_id for o in both),
        mode="one_of",
    )
    attendance = f"{site.url}/forum-meetings/{meeting.meeting_id}/attendance"
    vote = f"{site.url}/forum-meetings/{meeting.meeting_id}/items/{reference}/vote"
    voter = PRIMARY[0]
    async with (
        browsing_as(browser, site, CLERK, javascript=False) as clerk,
        browsing_as(browser, site, CHAIR, javascript=False) as chair,
        browsing_as(browser, site, person(voter), phone=True, javascript=False) as member,
        browsing_as(browser, site, OFFICER, javascript=False) as officer,
    ):
        await visit(clerk, attendance)
        for present_member in EIGHT:
            await clerk.get_by_label(present_member.name, exact=True).check()
        status = clerk.get_by_test_id("quorum-status")
        await expect(status).to_have_text("0 present: not quorate (needs 8 more)")
        await clerk.get_by_role("button", name="Save attendance").click()
        await expect(status).to_have_text("8 present: quorate")
        await assert_accessible(clerk)

        await visit(officer, vote)
        token = await officer.locator("input[name=csrf_token]").first.get_attribute("value")
        forged = await officer.request.post(
            f"{vote}/open", form={"csrf_token": token or "", "form_key": "B" * 22}
        )
        assert forged.status == 403
        assert "the chair role" in await forged.text()
        assert (await site.api.requests.state(reference)).stage is Stage.tabled

        await visit(chair, vote)
        await chair.get_by_role("button", name="Open the vote").click()
        await expect(chair.get_by_test_id("vote-status")).to_have_text("The vote is open.")
        await assert_accessible(chair)

        await visit(member, vote)
        await member.get_by_label("For", exact=True).check()
        await member.get_by_role("button", name="Cast your vote").click()
        summary = member.locator(".govuk-error-summary")
        await expect(summary.get_by_role("link")).to_have_text("Select the option you vote for")
        await expect(summary.get_by_role("link")).to_have_attribute("href", "#option")
        await expect(member.get_by_label("For", exact=True)).to_be_checked()
        await no_horizontal_scroll(member)
        await assert_accessible(member)
        await member.get_by_label("Centrally retained budget").check()
        await member.get_by_role("button", name="Cast your vote").click()
        await expect(member.get_by_test_id("own-vote")).to_contain_text(
            "Your vote has been recorded: For"
        )
        await expect(member.get_by_test_id("own-vote")).to_contain_text(
            "For Centrally retained budget"
        )
        await assert_accessible(member)

        await expect(chair.get_by_test_id("voted")).to_have_text("Nobody yet")
        await chair.get_by_role("link", name="Refresh who has voted").click()
        await expect(chair.get_by_test_id("voted")).to_have_text(voter.name)
        await assert_accessible(chair)
    (cast,) = (await site.api.requests.state(reference)).votes
    assert (cast.member_id, cast.option_id) == (voter.member_id, seeds.CENTRALLY_RETAINED.option_id)
