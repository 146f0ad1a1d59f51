"""The home page at ``/``: what needs the signed-in person now, a section for each of
their roles.

An officer keeps "Your requests" (web.request_view's listing of the requests they wrote
or were named on). The clerk sees the coming meetings with their papers deadlines and
whether the papers are published, the agenda items waiting, the decisions to minute,
the open and overdue actions by owner, the notices that failed, and whether the
reminder machinery is running. The chair sees what waits for their approval, the
escalations and the late papers. A member sees the next meeting, its published papers,
and "Vote now" while a vote they may cast is open.

Every role's section is worked out from one reading of the forum: the open requests'
and the meetings' states, read from their workflows through the clients at most
READ_CONCURRENCY at a time, so a person with three roles costs the same as one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.meetings import ForumMeetings, NoSuchMeeting
from clients.requests import FundingRequests, NoSuchRequest
from domain.calendar import to_london
from domain.meeting.models import MeetingStage, MeetingState
from domain.people import Role
from domain.request.models import RequestState
from web.home_health import machinery_health
from web.home_sections import chair_section, clerk_section, item_url, member_section
from web.meeting_pages.common import meeting_url
from web.pages import SIGN_IN, page, redirect
from web.present import FORUM_ROLES, home_title
from web.public_meeting_pages import public_agenda_url, published_items
from web.request_view import LIST_LIMIT, READ_CONCURRENCY, listed_rows
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

HOME = "/"

MEETINGS_READ = 100
"""Meetings read for the home page, the latest first: a forum meets a few times a year."""


@dataclass(frozen=True)
class ForumPicture:
    """The forum as the home page reads it: the open requests and the meetings."""

    now: datetime
    requests: tuple[RequestState, ...]
    """Every request not yet closed, rejected or withdrawn."""
    meetings: tuple[MeetingState, ...]
    """Every meeting not cancelled, the soonest first."""

    @property
    def today(self) -> date:
        """Today on the London calendar."""
        return to_london(self.now).date()

    def meeting(self, meeting_id: str | None) -> MeetingState | None:
        """The meeting with that id, if it was read."""
        return next((m for m in self.meetings if m.meeting_id == meeting_id), None)


async def read_picture(requests: FundingRequests, meetings: ForumMeetings) -> ForumPicture:
    """The open requests' and the meetings' states, read concurrently."""
    listed_requests, listed_meetings = await asyncio.gather(
        requests.search(limit=LIST_LIMIT), meetings.search(limit=MEETINGS_READ)
    )
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def request_state(reference: str) -> RequestState | None:
        async with gate:
            try:
                return await requests.state(reference)
            except NoSuchRequest:
                return None  # listed, then gone: a workflow deleted by retention

    async def state_of_meeting(meeting_id: str) -> MeetingState | None:
        async with gate:
            try:
                return await meetings.state(meeting_id)
            except NoSuchMeeting:
                return None

    # The listing's stage may lag a moment behind the workflow; only a request it
    # already calls final is left unread, and one that has since ended is dropped below.
    request_states, meeting_states = await asyncio.gather(
        asyncio.gather(
            *(
                request_state(r.reference)
                for r in listed_requests
                if r.stage is None or not r.stage.is_final
            )
        ),
        asyncio.gather(
            *(
                state_of_meeting(m.meeting_id)
                for m in listed_meetings
                if m.stage is not MeetingStage.cancelled
            )
        ),
    )
    return ForumPicture(
        now=datetime.now(UTC),
        requests=tuple(s for s in request_states if s is not None and not s.stage.is_final),
        meetings=tuple(
            sorted(
                (m for m in meeting_states if m and m.stage is not MeetingStage.cancelled),
                key=lambda m: m.starts_at,
            )
        ),
    )


@router.get(HOME)
async def home(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The signed-in person's home: a section for each of their roles."""
    user = who.user
    if user is None:
        # The cookies are left as they are: the sign-in page tells a browser whose
        # session is over that it was signed out, and then drops the cookie.
        return redirect(SIGN_IN)
    services = web_services(request)
    is_officer = Role.officer in user.roles
    forum_roles = user.roles & FORUM_ROLES
    officer_rows = (
        listed_rows(services.requests, only_for=user.user_id) if is_officer else _nothing()
    )
    picture = read_picture(services.requests, services.meetings) if forum_roles else _nothing()
    rows, read = await asyncio.gather(officer_rows, picture)
    clerk = chair = member = None
    if isinstance(read, ForumPicture):
        if Role.clerk in user.roles:
            health = await machinery_health(services, read.requests, read.meetings)
            clerk = clerk_section(read, health)
        if Role.chair in user.roles:
            chair = chair_section(read)
        if Role.member in user.roles:
            member = member_section(read, user.user_id)
    officer_only = not forum_roles
    return page(
        request,
        who,
        "home.html",
        home_title(user.roles),
        current="home",
        rows=rows or [],
        is_officer=is_officer,
        officer_only=officer_only,
        clerk=clerk,
        chair=chair,
        member=member,
        meeting_url=meeting_url,
        item_url=item_url,
        public_agenda_url=public_agenda_url,
        published_items=published_items,
    )


async def _nothing() -> None:
    return None
