"""The forum's meetings: the list (those to come soonest first, then those held or
cancelled, the latest first) and the same meetings as a calendar, month by month."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.meetings import NoSuchMeeting
from domain.calendar import to_london
from domain.meeting.models import MeetingStage, MeetingState
from domain.people import Role
from web import present
from web.meeting_pages.common import MEETINGS, NEW_MEETING, meeting_url
from web.pages import SIGN_IN, page, redirect
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

CALENDAR_FEED = "/calendar.ics"
"""The API's iCalendar feed (api/routes/calendar.py), which calendar clients subscribe to."""

# A forum meets a few times a year; reading more at once would crowd out other pages.
_CONCURRENT_READS = 8


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as the list and the calendar show it."""

    state: MeetingState
    url: str

    @property
    def upcoming(self) -> bool:
        """Still to be held (or sitting now), rather than closed or cancelled."""
        return not self.state.stage.is_final


@dataclass(frozen=True)
class CalendarMonth:
    """The meetings of one month, in day order."""

    heading: str
    rows: tuple[MeetingRow, ...]


async def meeting_rows(request: Request) -> list[MeetingRow]:
    """Every meeting the forum has, read from its workflow, the earliest first."""
    meetings = web_services(request).meetings
    listed = await meetings.search(limit=1000)
    limit = asyncio.Semaphore(_CONCURRENT_READS)

    async def read(meeting_id: str) -> MeetingState | None:
        async with limit:
            try:
                return await meetings.state(meeting_id)
            except NoSuchMeeting:
                # Listed, then gone (a workflow deleted by retention): nothing to show.
                return None

    states = await asyncio.gather(*(read(m.meeting_id) for m in listed))
    rows = [MeetingRow(s, meeting_url(s.meeting_id)) for s in states if s is not None]
    return sorted(rows, key=lambda row: row.state.starts_at)


def in_list_order(rows: list[MeetingRow]) -> tuple[list[MeetingRow], list[MeetingRow]]:
    """The meetings to come, soonest first, and those past, the latest first."""
    upcoming = [row for row in rows if row.upcoming]
    past = [row for row in reversed(rows) if not row.upcoming]
    return upcoming, past


def by_month(rows: list[MeetingRow]) -> list[CalendarMonth]:
    """The meetings grouped by the London month they fall in, the earliest first."""

    def month(row: MeetingRow) -> tuple[int, int]:
        return row.state.meeting_day.year, row.state.meeting_day.month

    return [
        CalendarMonth(present.month_and_year(group[0].state.meeting_day), tuple(group))
        for group in (list(found) for _, found in itertools.groupby(rows, key=month))
    ]


@router.get(MEETINGS)
async def all_meetings(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The forum's meetings as a list and as a calendar, which anyone signed in may read."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    rows = await meeting_rows(request)
    upcoming, past = in_list_order(rows)
    base = web_services(request).settings.resolved_public_url.rstrip("/")
    return page(
        request,
        who,
        "meetings.html",
        "Meetings",
        current="meetings",
        upcoming=upcoming,
        past=past,
        months=by_month(rows),
        may_schedule=bool(user.roles & {Role.chair, Role.clerk}),
        new_meeting_url=NEW_MEETING,
        feed_url=f"{base}{CALENDAR_FEED}",
        today=to_london(datetime.now(UTC)).date(),
        clock_time=present.clock_time,
        meeting_stage_tag=present.meeting_stage_tag,
        in_session=MeetingStage.in_session,
    )
