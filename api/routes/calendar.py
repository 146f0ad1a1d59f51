"""The forum's calendar as an iCalendar feed: meetings, their papers deadlines, and what
is due on each open request.

Calendar clients (Outlook, Google Calendar) subscribe to a URL and cannot send an
Authorization header, so the feed also takes the token as a ``token`` query parameter.
Such a URL is a credential: revoking the user's tokens is how a leaked one is stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import WorkflowQueryFailedError

from adapters.ical import (
    CALENDAR_CATEGORY,
    UID_DOMAIN,
    CalendarEvent,
    calendar_feed,
    deadline_event,
    meeting_event,
)
from api.auth import current_user, services
from api.problems import json_problem_responses
from api.services import ApiServices
from api.utc import UtcRoute
from clients.records import NoSuchRecord
from domain.calendar import format_uk_date
from domain.meeting.models import MeetingStage, MeetingState
from storage.accounts import User

router = APIRouter(tags=["calendar"], route_class=UtcRoute)

log = structlog.get_logger(__name__)

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="a token minted for the user")
_token_query = APIKeyQuery(
    name="token",
    scheme_name="CalendarToken",
    auto_error=False,
    description="the same token as a query parameter, for calendar clients that cannot "
    "send a header",
)

# Queries run concurrently, but not so many at once that one feed crowds out the API.
_CONCURRENT_QUERIES = 8
_LIST_CAP = 1000
_DEADLINE_REMINDER = timedelta(days=1)


class CalendarResponse(Response):
    """An iCalendar document (RFC 5545)."""

    media_type = "text/calendar"


def feed_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[str | None, Depends(_token_query)],
) -> User:
    """The user of the bearer header, else of the ``token`` parameter; 401 without either."""
    if credentials is None and token:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    return current_user(request, credentials)


async def _each(ids: Iterable[str], fetch: Callable[[str], Awaitable[T]]) -> list[tuple[str, T]]:
    """``fetch`` for every id, skipping workflows that went away or cannot answer.

    One broken workflow must not take the whole calendar down with it, so its
    events are left out and the failure logged; an unreachable server still fails.
    """
    gate = asyncio.Semaphore(_CONCURRENT_QUERIES)

    async def one(workflow_id: str) -> tuple[str, T] | None:
        async with gate:
            try:
                return workflow_id, await fetch(workflow_id)
            except WorkflowQueryFailedError as error:
                log.warning("calendar_query_failed", workflow_id=workflow_id, error=str(error))
            except NoSuchRecord:
                # Listed, then gone from the server's retention before it was asked.
                return None
            return None

    found = await asyncio.gather(*(one(workflow_id) for workflow_id in ids))
    return [pair for pair in found if pair is not None]


def _meeting_events(meeting: MeetingState) -> list[CalendarEvent]:
    if meeting.stage is MeetingStage.cancelled:
        return []
    day = format_uk_date(meeting.meeting_day)
    items = [f"- {item.request_ref}: {item.title}" for item in meeting.agenda]
    description = "\n".join(
        [
            f"Papers by 5pm on {format_uk_date(meeting.papers_deadline)} (UK time).",
            *(["Agenda:", *items] if items else ["No items on the agenda yet."]),
        ]
    )
    return [
        meeting_event(
            meeting.meeting_id,
            meeting.starts_at,
            "Schools Forum meeting",
            meeting.location,
            description=description,
        ),
        CalendarEvent(
            uid=f"papers-{meeting.meeting_id}@{UID_DOMAIN}",
            summary=f"Papers deadline: Schools Forum {day}",
            description=f"Papers for the {day} meeting close at 5pm (UK time); later items "
            "need the chair's reason.",
            start=meeting.papers_close_at,
            categories=(CALENDAR_CATEGORY, "Deadline", "papers"),
            reminder=_DEADLINE_REMINDER,
            transparent=True,
        ),
    ]


@router.get(
    "/calendar.ics",
    response_class=CalendarResponse,
    responses={
        200: {
            "description": "The iCalendar feed",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **json_problem_responses(401, 503),
    },
    summary="Calendar feed (iCalendar)",
)
async def calendar_ics(
    _: Annotated[User, Depends(feed_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> CalendarResponse:
    """Every meeting (cancelled ones drop out) with its papers deadline, and every deadline
    of each open request, timed on the Europe/London wall clock. Send the token as the
    bearer header or, from a calendar client, as ``?token=``."""
    meeting_ids, request_ids = await asyncio.gather(
        svc.meetings.ids(limit=_LIST_CAP),
        svc.requests.ids(running_only=True, limit=_LIST_CAP),
    )
    meetings = await _each(meeting_ids, svc.meetings.state)
    requests = await _each(request_ids, svc.requests.state)
    deadlines = dict(await _each(request_ids, svc.requests.deadlines))

    events: dict[str, CalendarEvent] = {}
    for _id, meeting in meetings:
        for event in _meeting_events(meeting):
            events.setdefault(event.uid, event)
    for reference, state in requests:
        due = deadlines.get(reference)
        for deadline in due.deadlines if due else ():
            event = deadline_event(deadline, state.draft.title, reminder=_DEADLINE_REMINDER)
            events.setdefault(event.uid, event)
    # Clients ignore the order; a fixed one makes two fetches of an unchanged calendar
    # differ only in their DTSTAMPs.
    ordered = sorted(events.values(), key=lambda e: (e.first_day, e.uid))
    feed = calendar_feed(ordered, generated_at=datetime.now(UTC))
    return CalendarResponse(
        feed,
        headers={
            "Content-Disposition": 'inline; filename="forumflow.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
