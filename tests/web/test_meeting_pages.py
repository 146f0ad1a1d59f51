"""The meeting pages in a real browser, against the real API, worker and Temporal dev
server: scheduling, the agenda builder, publishing, moving and cancelling a meeting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from clients.requests import FundingRequests
from devtools import seeds
from domain.calendar import papers_deadline, to_london
from domain.meeting.commands import OpenMeeting, RecordMeetingAttendance
from domain.meeting.models import MeetingStage
from domain.people import Actor
from domain.request.models import Stage
from storage.accounts import NewUser
from tests.lifecycle.drive import draft_to_options, new_reference, recommend
from tests.web.axe import assert_accessible
from tests.web.browsing import signed_in_as, status_of, tab_to, title
from tests.web.conftest import CHAIR, CLERK, MEMBERS, Site, schedule_meeting
from tests.web.officer_steps import fill_date
from web.present import month_and_year, uk_date, when

pytestmark = pytest.mark.devserver_only

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def actor(person: NewUser) -> Actor:
    """The person as the workflows record them."""
    return Actor(user_id=person.user_id, name=person.name, roles=person.roles)


CLERK_ACTOR = actor(CLERK)
CHAIR_ACTOR = actor(CHAIR)


def days_ahead(days: int) -> date:
    """The London day ``days`` from today."""
    return to_london(datetime.now(UTC)).date() + timedelta(days=days)


def meeting_title(day: date) -> str:
    """The meeting page's title."""
    return title(f"Meeting on {uk_date(day)}")


async def ready_request(requests: FundingRequests) -> str:
    """A request with its option listed and recommendation written: ready to table."""
    reference = await draft_to_options(requests, seeds.middlesbrough_draft(new_reference()))
    await recommend(requests, reference)
    return reference


async def agenda_order(page: Page) -> list[str]:
    """The request references on the agenda, in the order the page shows them."""
    items = page.get_by_test_id("agenda").locator("[data-request-ref]")
    return [str(await item.get_attribute("data-request-ref")) for item in await items.all()]


async def test_the_clerk_schedules_a_meeting_through_the_form(site: Site, page: Page) -> None:
    """The clerk schedules a meeting from the meetings list; its page shows the day, time,
    place and papers deadline, the list and calendar show it, and a second meeting that
    day gets the id with "-2"."""
    day = days_ahead(61)
    await signed_in_as(page, site, CLERK)
    await page.goto(site.url)
    await page.get_by_role("link", name="Meetings", exact=True).click()
    await expect(page).to_have_title(title("Meetings"))
    await assert_accessible(page)
    await page.get_by_role("button", name="Schedule a meeting").click()
    await expect(page).to_have_title(title("Schedule a meeting"))
    await expect(page.locator("#membership")).to_contain_text("20 members")
    await assert_accessible(page)

    await fill_date(page, "meeting-date", day)
    await page.get_by_label("Time it starts").fill("2:30pm")
    await page.get_by_label("Where it is held").fill("Civic Centre, Committee Room 2")
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(page).to_have_title(meeting_title(day))
    meeting_id = page.url.rsplit("/", 1)[1].split("?")[0]
    assert meeting_id.startswith(f"meeting-{day.isoformat()}")
    details = page.locator("#details")
    await expect(details).to_contain_text("2:30pm")
    await expect(details).to_contain_text("Civic Centre, Committee Room 2")
    deadline = uk_date(papers_deadline(day, 5))
    await expect(details).to_contain_text(
        f"Papers are due by 5pm on {deadline}, 5 clear working days before the meeting"
    )
    await expect(details).to_contain_text("Not published yet")
    await assert_accessible(page)
    state = await site.api.meetings.state(meeting_id)
    assert state.membership.total == 20
    assert to_london(state.starts_at).hour == 14

    await page.goto(f"{site.url}/forum-meetings/new")
    await fill_date(page, "meeting-date", day)
    await page.get_by_label("Time it starts").fill("6pm")
    await page.get_by_label("Where it is held").fill("Town Hall")
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(page).to_have_title(meeting_title(day))
    second_id = page.url.rsplit("/", 1)[1].split("?")[0]
    assert second_id != meeting_id
    assert re.fullmatch(rf"meeting-{day.isoformat()}-\d+", second_id)

    await page.get_by_role("link", name="All meetings").click()
    upcoming = page.locator("#upcoming")
    await expect(upcoming.locator(f'[data-meeting-id="{meeting_id}"]')).to_contain_text("2:30pm")
    await expect(upcoming.locator(f'[data-meeting-id="{second_id}"]')).to_contain_text("6pm")
    await expect(page.locator(f'[data-month="{month_and_year(day)}"]')).to_contain_text("Town Hall")
    await expect(page.locator("#subscribe")).to_be_visible()
    await expect(page.locator(f'a[href="{site.url}/calendar.ics"]')).to_be_visible()
    await assert_accessible(page)


async def test_a_refused_schedule_keeps_what_was_typed(site: Site, page: Page) -> None:
    """A day outside the calendar, a time that is no time and a past day without the
    box ticked are refused on the page, in the error summary, with what was typed kept;
    nothing is scheduled."""
    await signed_in_as(page, site, CLERK)
    await page.goto(f"{site.url}/forum-meetings/new")
    await fill_date(page, "meeting-date", date(1999, 1, 4))
    await page.get_by_label("Time it starts").fill("25pm")
    await page.get_by_label("Where it is held").fill("Civic Centre")
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(page).to_have_title("Error: " + title("Schedule a meeting"))
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await expect(
        summary.get_by_role("link", name=re.compile("hour from 1 to 12"))
    ).to_have_attribute("href", "#time")
    await expect(page.locator("#time")).to_have_value("25pm")
    await expect(page.locator("#location")).to_have_value("Civic Centre")
    await expect(page.locator("#meeting-date-year")).to_have_value("1999")
    date_error = summary.get_by_role("link", name=re.compile("1 January 2000"))
    await expect(date_error).to_have_attribute("href", "#meeting-date-day")
    await expect(summary.get_by_role("link")).to_have_count(2)
    await assert_accessible(page)

    await page.get_by_label("Time it starts").fill("10am")
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(summary.get_by_role("link")).to_have_count(1)
    await expect(date_error).to_have_attribute("href", "#meeting-date-day")
    await expect(page.locator("#time")).to_have_value("10am")
    await assert_accessible(page)

    await fill_date(page, "meeting-date", date(2018, 7, 4))
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(summary).to_contain_text("This meeting has already taken place")
    await expect(page.locator("#meeting-date-day")).to_have_value("4")
    await assert_accessible(page)
    assert await site.api.meetings.search() == ()


async def test_a_meeting_already_held_is_entered_with_the_box_ticked(
    site: Site, page: Page
) -> None:
    """The clerk enters the 4 July 2018 meeting into the record after the event: it is
    scheduled, marked as entered after the event, and no papers deadline applies."""
    await signed_in_as(page, site, CLERK)
    await page.goto(f"{site.url}/forum-meetings/new")
    await fill_date(page, "meeting-date", date(2018, 7, 4))
    await page.get_by_label("Time it starts").fill("10am")
    await page.get_by_label("Where it is held").fill("Middlesbrough Teaching and Learning Centre")
    await page.get_by_label("This meeting has already taken place").check()
    await page.get_by_role("button", name="Schedule the meeting").click()
    await expect(page).to_have_title(meeting_title(date(2018, 7, 4)))
    await expect(page.locator("main")).to_contain_text("Entered into the record after the event")
    await expect(page.locator("#details")).to_contain_text("No papers deadline")
    await assert_accessible(page)
    meeting_id = page.url.rsplit("/", 1)[1].split("?")[0]
    state = await site.api.meetings.state(meeting_id)
    assert state.recorded_after_the_event
    assert state.stage is MeetingStage.scheduled


async def test_the_chair_tables_requests_and_orders_the_agenda(site: Site, page: Page) -> None:
    """The chair tables two ready requests from the meeting page and they appear on the
    agenda in that order; Move down swaps them, and works by keyboard alone."""
    first = await ready_request(site.api.requests)
    second = await ready_request(site.api.requests)
    meeting = await schedule_meeting(site.api.meetings, days_ahead=62)
    await signed_in_as(page, site, CHAIR)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await expect(page).to_have_title(meeting_title(meeting.meeting_day))
    await expect(page.get_by_text("Nothing is on the agenda yet")).to_be_visible()
    await assert_accessible(page)

    for reference in (first, second):
        await page.get_by_label(re.compile(reference)).check()
        await page.get_by_role("button", name="Table the request").click()
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("Request tabled")
    assert await agenda_order(page) == [first, second]
    await expect(page.locator(f'[data-request-ref="{first}"]')).to_contain_text("To be taken")
    await assert_accessible(page)

    await page.get_by_role("button", name=f"Move down {first}").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("order changed")
    assert await agenda_order(page) == [second, first]
    await assert_accessible(page)

    await tab_to(page, f'button[data-move="down-{second}"]')
    await page.keyboard.press("Enter")
    await expect(page.locator(f'button[data-move="up-{second}"]')).to_be_visible()
    assert await agenda_order(page) == [first, second]
    state = await site.api.meetings.state(meeting.meeting_id)
    assert [item.request_ref for item in state.agenda] == [first, second]

    await page.get_by_text(f"Take {first} off the agenda").click()
    await page.get_by_role("button", name=f"Remove {first} from the agenda").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text(f"Enter why {first}")
    await expect(page.locator(f"#reason-{first}")).to_be_visible()
    await assert_accessible(page)
    await page.get_by_label(f"Why is {first} taken off the agenda?").fill("Withdrawn by the author")
    await page.get_by_role("button", name=f"Remove {first} from the agenda").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("taken off")
    assert await agenda_order(page) == [second]
    await assert_accessible(page)
    assert (await site.api.requests.state(first)).stage is Stage.option_listing


async def test_the_clerk_publishes_the_agenda_and_sees_when(site: Site, page: Page) -> None:
    """The clerk publishes the agenda and papers; the page says when, as the meeting
    recorded it."""
    meeting = await schedule_meeting(site.api.meetings, days_ahead=63)
    await signed_in_as(page, site, CLERK)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await expect(page.get_by_test_id("published-at")).to_have_count(0)
    await page.get_by_role("button", name="Publish the agenda and papers").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Agenda and papers published"
    )
    state = await site.api.meetings.state(meeting.meeting_id)
    assert state.published_at is not None
    await expect(page.get_by_test_id("published-at")).to_have_text(
        f"The agenda and papers were published on {when(state.published_at)}"
    )
    await expect(page.locator("#details")).to_contain_text(
        f"Published on {when(state.published_at)}"
    )
    await assert_accessible(page)


async def test_a_late_item_needs_the_chairs_reason(site: Site, page: Page) -> None:
    """After the papers deadline, tabling without a reason is refused on the page naming
    the late reason; with one, the item is on the agenda marked late with the reason."""
    reference = await ready_request(site.api.requests)
    meeting = await schedule_meeting(site.api.meetings, days_ahead=2)
    await signed_in_as(page, site, CHAIR)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await page.get_by_label(re.compile(reference)).check()
    await page.get_by_role("button", name="Table the request").click()
    await expect(page).to_have_title("Error: " + meeting_title(meeting.meeting_day))
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#late_reason")
    await expect(summary).to_contain_text("papers deadline")
    await expect(page.get_by_label(re.compile(reference))).to_be_checked()
    await assert_accessible(page)
    assert (await site.api.meetings.state(meeting.meeting_id)).agenda == ()

    await page.get_by_label("Why is the forum taking this item late?").fill(
        "The schools' survey reported after the deadline"
    )
    await page.get_by_role("button", name="Table the request").click()
    item = page.locator(f'[data-request-ref="{reference}"]')
    await expect(item).to_contain_text("Late")
    await expect(item.get_by_test_id("late-reason")).to_contain_text("The schools' survey")
    await assert_accessible(page)


async def test_the_chair_moves_then_cancels_a_meeting(site: Site, page: Page) -> None:
    """The chair moves the meeting to a new day with a reason (without one it is refused
    on the page), then cancels it with a reason."""
    meeting = await schedule_meeting(site.api.meetings, days_ahead=64)
    new_day = days_ahead(71)
    await signed_in_as(page, site, CHAIR)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await page.get_by_role("button", name="Move the meeting").click()
    await expect(page).to_have_title(title(f"Move the meeting of {uk_date(meeting.meeting_day)}"))
    await assert_accessible(page)
    await fill_date(page, "new-date", new_day)
    await page.get_by_label("Time it starts").fill("11am")
    await page.get_by_role("button", name="Move the meeting").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the meeting")
    await expect(page.locator("#new-date-day")).to_have_value(str(new_day.day))
    await expect(page.locator("#time")).to_have_value("11am")
    await assert_accessible(page)
    await page.get_by_label("Why is the meeting moved?").fill("The chamber is being refurbished")
    await page.get_by_role("button", name="Move the meeting").click()
    await expect(page).to_have_title(meeting_title(new_day))
    await expect(page.locator("#details")).to_contain_text("11am")
    await expect(page.locator("#details")).to_contain_text("Moved from")
    await assert_accessible(page)

    await page.get_by_role("button", name="Cancel the meeting").click()
    await assert_accessible(page)
    await page.get_by_role("button", name="Cancel the meeting").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the meeting")
    await page.get_by_label("Why is the meeting cancelled?").fill("Not enough business")
    await page.get_by_role("button", name="Cancel the meeting").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting cancelled")
    await expect(page.get_by_role("button", name="Move the meeting")).to_have_count(0)
    await assert_accessible(page)
    state = await site.api.meetings.state(meeting.meeting_id)
    assert state.stage is MeetingStage.cancelled
    assert state.meeting_day == new_day


async def test_a_member_reads_the_meetings_but_cannot_schedule_one(site: Site, page: Page) -> None:
    """A member sees the meetings and a meeting's page without its actions; the schedule
    form is a 403 page naming the roles it needs, and a forged schedule changes nothing."""
    meeting = await schedule_meeting(site.api.meetings, days_ahead=65)
    await signed_in_as(page, site, MEMBERS[0])
    await page.goto(f"{site.url}/forum-meetings")
    await expect(page.locator(f'[data-meeting-id="{meeting.meeting_id}"]')).to_be_visible()
    await expect(page.get_by_role("button", name="Schedule a meeting")).to_have_count(0)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await expect(page.get_by_role("button", name="Publish the agenda and papers")).to_have_count(0)
    await expect(page.get_by_role("button", name="Move the meeting")).to_have_count(0)
    await assert_accessible(page)

    assert await status_of(page, f"{site.url}/forum-meetings/new") == 403
    await expect(page).to_have_title(title("You cannot schedule a meeting"))
    await expect(page.get_by_test_id("forbidden-reason")).to_contain_text("the clerk or chair role")
    await assert_accessible(page)
    found = _CSRF.search(await page.content())
    assert found is not None
    forged = await page.request.post(
        f"{site.url}/forum-meetings/new",
        form={
            "csrf_token": found.group(1),
            "meeting-date-day": "1",
            "meeting-date-month": "3",
            "meeting-date-year": str(days_ahead(400).year),
            "time": "10am",
            "location": "Civic Centre",
        },
    )
    assert forged.status == 403
    assert [m.meeting_id for m in await site.api.meetings.search()] == [meeting.meeting_id]


async def test_the_chair_closes_a_meeting_in_session(site: Site, page: Page) -> None:
    """With the meeting open, the chair's page offers the day's pages and closing it,
    naming the next scheduled meeting; the meeting closes with that next meeting."""
    meeting = await schedule_meeting(site.api.meetings, days_ahead=66)
    after = await schedule_meeting(site.api.meetings, days_ahead=96)
    present = tuple(m.user_id for m in MEMBERS[:8])
    clerk, chair = CLERK_ACTOR, CHAIR_ACTOR
    await site.api.meetings.submit(
        meeting.meeting_id, RecordMeetingAttendance(present_member_ids=present), clerk
    )
    await site.api.meetings.submit(meeting.meeting_id, OpenMeeting(), chair)
    await signed_in_as(page, site, CHAIR)
    await page.goto(f"{site.url}/forum-meetings/{meeting.meeting_id}")
    await expect(page.get_by_role("link", name="Attendance")).to_have_attribute(
        "href", f"/forum-meetings/{meeting.meeting_id}/attendance"
    )
    await page.get_by_role("button", name="Close the meeting").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Select the next meeting")
    await assert_accessible(page)
    await page.get_by_label(after.meeting_id).check()
    await page.get_by_role("button", name="Close the meeting").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting closed")
    await assert_accessible(page)
    state = await site.api.meetings.state(meeting.meeting_id)
    assert state.stage is MeetingStage.closed
    assert state.next_meeting_id == after.meeting_id
