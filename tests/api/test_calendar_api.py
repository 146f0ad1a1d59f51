"""The calendar feed over HTTP, parsed with icalendar as a subscribing client reads it.

Meetings are scheduled next year in January (GMT) and July (BST), so the feed must keep
both at 10:00 on the London clock while their UTC hours differ.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest
from icalendar import Calendar, Event

from devtools.seeds import MEMBERS, MEMBERSHIP, middlesbrough_draft
from domain.calendar import LONDON, papers_deadline
from tests.api.conftest import Api
from tests.lifecycle.drive import draft_to_options, new_reference, recommend_and_table

pytestmark = pytest.mark.devserver_only

MEMBER = MEMBERS[0].member_id
NEXT_YEAR = datetime.now(UTC).year + 1
WINTER = date(NEXT_YEAR, 1, 14)
SUMMER = date(NEXT_YEAR, 7, 2)


async def schedule(api: Api, day: date) -> str:
    """A meeting at 10am London time on ``day``, scheduled by the clerk."""
    meeting_id = f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    response = await api.http.post(
        "/meetings",
        json={
            "meeting_id": meeting_id,
            "starts_at": datetime.combine(day, time(10), tzinfo=LONDON).isoformat(),
            "location": "Town Hall, Middlesbrough",
            "membership": MEMBERSHIP.model_dump(mode="json"),
        },
        headers=api.auth("clerk"),
    )
    assert response.status_code == 201, response.text
    return meeting_id


def events_by_uid(feed: bytes) -> dict[str, Event]:
    """The feed's events, keyed by UID."""
    calendar = Calendar.from_ical(feed)
    assert isinstance(calendar, Calendar)
    return {str(event["UID"]): event for event in calendar.events}


async def feed_with(api: Api, uids: set[str], **request: Any) -> httpx.Response:
    """GET /calendar.ics until every one of ``uids`` is in it (visibility lags a little)."""
    response = await api.http.get("/calendar.ics", **request)
    for _ in range(75):
        if response.status_code != 200 or uids <= set(events_by_uid(response.content)):
            break
        await asyncio.sleep(0.2)
        response = await api.http.get("/calendar.ics", **request)
    return response


def london_start(event: Event) -> datetime:
    """The event's DTSTART, which must be timed with TZID=Europe/London."""
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    start = event.start
    assert isinstance(start, datetime)
    return start


async def test_the_feed_has_meetings_papers_deadlines_and_request_deadlines(api: Api) -> None:
    """Meetings at 10:00 London, papers and request deadlines at 5pm; no cancelled meeting."""
    winter = await schedule(api, WINTER)
    summer = await schedule(api, SUMMER)
    cancelled = await schedule(api, date(NEXT_YEAR, 3, 5))
    cancel = await api.http.post(
        f"/meetings/{cancelled}/actions/cancel_meeting",
        json={"reason": "No business"},
        headers=api.auth("chair"),
    )
    assert cancel.status_code == 200
    draft = middlesbrough_draft(new_reference())
    reference = await draft_to_options(api.services.requests, draft)
    await recommend_and_table(api.services.requests, reference, meeting=SUMMER)
    summer_papers = papers_deadline(SUMMER, 5)
    request_uid = f"deadline-{reference}/c1/papers/{summer_papers.isoformat()}@forumflow"
    uids = {
        f"meeting-{winter}@forumflow",
        f"meeting-{summer}@forumflow",
        f"papers-{winter}@forumflow",
        f"papers-{summer}@forumflow",
        request_uid,
    }

    response = await feed_with(api, uids, headers=api.auth(MEMBER))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = events_by_uid(response.content)
    assert set(events) == uids
    for meeting, utc_hour in ((winter, 10), (summer, 9)):
        start = london_start(events[f"meeting-{meeting}@forumflow"])
        assert (start.hour, start.minute, start.astimezone(UTC).hour) == (10, 0, utc_hour)
        assert str(events[f"meeting-{meeting}@forumflow"]["LOCATION"]) == "Town Hall, Middlesbrough"
    papers = london_start(events[f"papers-{summer}@forumflow"])
    assert (papers.date(), papers.hour, papers.astimezone(UTC).hour) == (summer_papers, 17, 16)
    deadline = events[request_uid]
    assert london_start(deadline) == datetime.combine(summer_papers, time(17), tzinfo=LONDON)
    assert draft.title in str(deadline["SUMMARY"])
    assert str(deadline["TRANSP"]) == "TRANSPARENT"


async def test_a_calendar_client_signs_in_with_the_token_parameter(api: Api) -> None:
    """?token= with a live token answers the feed, as the bearer header does."""
    meeting = await schedule(api, WINTER)

    response = await feed_with(
        api, {f"meeting-{meeting}@forumflow"}, params={"token": api.tokens[MEMBER]}
    )

    assert response.status_code == 200
    assert f"meeting-{meeting}@forumflow" in events_by_uid(response.content)


async def test_the_feed_needs_a_live_token(api: Api) -> None:
    """No token, an unknown ?token= or a revoked one: 401, with a bearer challenge."""
    token = api.tokens[MEMBER]
    revoke = await api.http.delete(f"/users/{MEMBER}/tokens", headers=api.auth("clerk"))
    assert revoke.status_code == 200

    tried: list[dict[str, str]] = [{}, {"token": "ff_unknown"}, {"token": token}]
    for params in tried:
        response = await api.http.get("/calendar.ics", params=params)
        assert response.status_code == 401, params
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_forum_with_nothing_scheduled_has_a_valid_empty_calendar(api: Api) -> None:
    """With no meetings or requests the feed is still a calendar, with its London VTIMEZONE."""
    response = await api.http.get("/calendar.ics", headers=api.auth("chair"))

    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert isinstance(calendar, Calendar)
    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
