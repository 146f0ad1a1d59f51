"""The home page by role, in Chromium against the running application: the clerk's
coming meetings, papers and reminder machinery, what waits for the chair, a member's
"Vote now" while a vote they may cast is open, and every section for someone with
several roles.

The forum's state is set up through the clients (tests/web/forum_setup.py); what is
checked is what each person's browser is shown.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.async_api import Page, expect

from contracts.meeting import MeetingStart
from devtools import seeds
from domain.calendar import LONDON, format_uk_date, to_london
from domain.meeting.commands import (
    AddAction,
    CloseMeeting,
    OpenMeeting,
    PublishAgenda,
    RecordMeetingAttendance,
)
from domain.people import Membership, Role
from domain.request.commands import CastVote
from domain.request.decision import VoteChoice
from storage.accounts import NewUser
from tests.lifecycle.drive import approved_request
from tests.web.axe import assert_accessible
from tests.web.browsing import signed_in_as, title
from tests.web.conftest import CHAIR, CLERK, MEMBERS, Site, schedule_meeting
from tests.web.forum_setup import (
    ready_to_table,
    reload_until,
    reload_until_gone,
    tabled_on,
    voting_on,
)
from web.present import due_by

pytestmark = pytest.mark.devserver_only

CHAIR_AND_MEMBER = NewUser(
    user_id="chair.member",
    name="Chair Who Sits As A Member",
    email="chair.member@forum.example.org",
    roles=frozenset({Role.chair, Role.member}),
    group=seeds.MEMBERS[0].group,
)


async def test_the_clerk_sees_the_papers_deadline_and_whether_the_papers_are_out(
    site: Site, page: Page
) -> None:
    """The clerk's home lists a coming meeting with its papers deadline and "Not
    published" until the agenda is published, its waiting item, the decision to minute,
    the open action under its owner, and the reminder machinery (a worker polling, the
    schedule switched off here)."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    waiting = await tabled_on(forum, meeting.meeting_id)
    decided = await approved_request(forum)
    action = AddAction(
        action_id="evaluation-plan",
        request_ref=waiting,
        description="Bring the evaluation plan to the meeting",
        owner=seeds.OFFICER.name,
        owner_id=seeds.OFFICER.user_id,
    )
    await site.api.meetings.submit(meeting.meeting_id, action, seeds.CLERK)

    await signed_in_as(page, site, CLERK)
    await page.goto(f"{site.url}/")
    await expect(page).to_have_title(title("Your forum business"))
    meetings = page.locator("#clerk-meetings")
    row = meetings.get_by_role("row").filter(has_text=format_uk_date(meeting.meeting_day))
    await reload_until(page, row, "Not published")
    await expect(row).to_contain_text(due_by(meeting.papers_close_at))
    await reload_until(page, page.locator("#clerk-waiting"), waiting)
    await reload_until(page, page.locator("#clerk-to-minute"), decided)
    minute_link = page.locator("#clerk-to-minute").get_by_role("link", name=f"of {decided}")
    await expect(minute_link).to_have_attribute("href", f"/funding-requests/{decided}")
    actions = page.locator("#clerk-actions")
    await reload_until(page, actions, "Bring the evaluation plan to the meeting")
    await expect(actions.get_by_role("heading", name=seeds.OFFICER.name)).to_be_visible()
    await expect(page.locator("#clerk-overdue")).to_have_text("0 of the open actions are overdue.")
    health = page.locator("#clerk-health")
    await expect(health).to_contain_text("Switched off in the settings")
    await expect(health).to_contain_text("Running (1 worker polling)")
    await expect(page.locator("#clerk-failed-notices")).to_have_text("Every notice has been sent.")
    await expect(page.locator("#officer-section")).to_have_count(0)
    await assert_accessible(page)

    await site.api.meetings.submit(meeting.meeting_id, PublishAgenda(), seeds.CLERK)
    await page.reload()
    await expect(row).to_contain_text("Published")
    await expect(row).not_to_contain_text("Not published")
    await assert_accessible(page)


async def test_the_chair_sees_a_request_to_table_and_a_vote_to_close(
    site: Site, page: Page
) -> None:
    """The chair's home lists a request ready to table and an open vote to close with
    how many have voted, each linking to where the chair acts on it."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    to_table = await ready_to_table(forum)
    voting = await voting_on(forum, meeting.meeting_id)

    await signed_in_as(page, site, CHAIR)
    await page.goto(f"{site.url}/")
    await expect(page).to_have_title(title("Your forum business"))
    await reload_until(page, page.locator("#chair-to-table"), to_table)
    await expect(
        page.locator("#chair-to-table").get_by_role("link", name=to_table)
    ).to_have_attribute("href", f"/funding-requests/{to_table}")
    to_close = page.locator("#chair-votes-to-close")
    await reload_until(page, to_close, voting)
    await expect(to_close).to_contain_text("0 of 20 members who may vote have voted")
    await expect(
        to_close.get_by_role("link", name=f"Close the vote on {voting}")
    ).to_have_attribute("href", f"/forum-meetings/{meeting.meeting_id}/items/{voting}/vote")
    await expect(page.locator("#chair-late-papers")).to_have_text("No papers are late.")
    await assert_accessible(page)


async def test_a_member_sees_vote_now_while_the_vote_is_open_and_not_after_voting(
    site: Site, page: Page
) -> None:
    """A member present at the meeting sees "Vote now", linking to the item's voting
    page, while the vote is open; once they have voted it is gone. The next meeting's
    papers are not yet published, and the page says so."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    voting = await voting_on(forum, meeting.meeting_id)
    member = MEMBERS[0]

    await signed_in_as(page, site, member)
    await page.goto(f"{site.url}/")
    vote_now = page.get_by_role("button", name=f"Vote now on {voting}")
    await reload_until(page, page.locator("#member-votes"), voting)
    await expect(vote_now).to_have_attribute(
        "href", f"/forum-meetings/{meeting.meeting_id}/items/{voting}/vote"
    )
    await expect(page.locator("#member-papers")).to_contain_text(
        "The agenda and papers are not published yet"
    )
    await expect(page.locator("#chair-section")).to_have_count(0)
    await expect(page.locator("#clerk-section")).to_have_count(0)
    await assert_accessible(page)

    (seed_member,) = [m for m in seeds.MEMBERS if m.member_id == member.user_id]
    await forum.submit(voting, CastVote(choice=VoteChoice.for_), seeds.member_actor(seed_member))
    await page.reload()
    await reload_until_gone(page, page.get_by_role("button", name="Vote now"))
    await assert_accessible(page)


async def test_a_member_absent_from_the_meeting_is_not_offered_the_vote(
    site: Site, page: Page
) -> None:
    """A member not recorded present may not vote, so their home offers no "Vote now";
    once the agenda is published it links to the public agenda and papers."""
    forum = site.api.requests
    meeting = await schedule_meeting(site.api.meetings, days_ahead=30)
    present = seeds.MEMBERS[1:]
    voting = await voting_on(forum, meeting.meeting_id, present)
    await site.api.meetings.submit(meeting.meeting_id, PublishAgenda(), seeds.CLERK)

    await signed_in_as(page, site, MEMBERS[0])
    await page.goto(f"{site.url}/")
    papers = page.locator("#member-papers")
    await reload_until(page, papers, "Read the agenda and papers")
    await expect(papers.get_by_role("link")).to_have_attribute(
        "href", f"/public/meetings/{meeting.meeting_id}"
    )
    await expect(page.locator("#member-section")).to_contain_text(voting)
    await expect(page.get_by_role("button", name="Vote now")).to_have_count(0)
    await assert_accessible(page)


async def test_someone_with_two_roles_sees_both_sections(site: Site, page: Page) -> None:
    """A chair who also holds a member's seat sees the chair's section and the member's,
    and "Vote now" on an open vote they are present for."""
    await asyncio.to_thread(site.web.directory.add, CHAIR_AND_MEMBER)
    seat = seeds.MEMBERS[0].model_copy(
        update={"member_id": CHAIR_AND_MEMBER.user_id, "email": CHAIR_AND_MEMBER.email}
    )
    membership = Membership(members=(seat, *seeds.MEMBERS[1:]))
    day = to_london(datetime.now(UTC)).date() + timedelta(days=30)
    meeting_id = f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    await site.api.meetings.schedule(
        MeetingStart(
            meeting_id=meeting_id,
            starts_at=datetime.combine(day, time(10, 0), tzinfo=LONDON),
            location="Civic Centre",
            membership=membership,
        )
    )
    voting = await voting_on(site.api.requests, meeting_id, membership.members)

    await signed_in_as(page, site, CHAIR_AND_MEMBER)
    await page.goto(f"{site.url}/")
    await reload_until(page, page.locator("#chair-votes-to-close"), voting)
    await expect(page.get_by_role("heading", level=2, name="For the chair")).to_be_visible()
    await expect(page.get_by_role("heading", level=2, name="For forum members")).to_be_visible()
    await expect(page.get_by_role("button", name=f"Vote now on {voting}")).to_be_visible()
    await assert_accessible(page)


async def test_the_clerk_sees_the_last_notice_and_the_action_carried_forward(
    site: Site, page: Page
) -> None:
    """Once a meeting closes with an action not done, the clerk's home shows the
    notice to the chair as the last one sent, and the action open under its owner,
    due at the next meeting and not overdue."""
    meetings = site.api.meetings
    held = await schedule_meeting(meetings, days_ahead=30)
    following = await schedule_meeting(meetings, days_ahead=60)
    reference = await tabled_on(site.api.requests, held.meeting_id)
    action = AddAction(
        action_id="evaluation-plan",
        request_ref=reference,
        description="Bring the evaluation plan to the meeting",
        owner=seeds.OFFICER.name,
        owner_id=seeds.OFFICER.user_id,
    )
    await meetings.submit(held.meeting_id, action, seeds.CLERK)
    present = tuple(member.member_id for member in seeds.MEMBERS)
    await meetings.submit(
        held.meeting_id, RecordMeetingAttendance(present_member_ids=present), seeds.CLERK
    )
    await meetings.submit(held.meeting_id, OpenMeeting(), seeds.CHAIR)

    await signed_in_as(page, site, CLERK)
    await page.goto(f"{site.url}/")
    health = page.locator("#clerk-health")
    await expect(health).to_contain_text("None yet")
    await meetings.submit(
        held.meeting_id, CloseMeeting(next_meeting_id=following.meeting_id), seeds.CHAIR
    )
    actions = page.locator("#clerk-actions")
    await reload_until(
        page, actions, f"due at the meeting of {format_uk_date(following.meeting_day)}"
    )
    await expect(actions).to_contain_text("Bring the evaluation plan to the meeting")
    await expect(page.locator("#clerk-overdue")).to_have_text("0 of the open actions are overdue.")
    await reload_until(page, health, format_uk_date(to_london(datetime.now(UTC)).date()))
    await expect(health).not_to_contain_text("None yet")
    await assert_accessible(page)
