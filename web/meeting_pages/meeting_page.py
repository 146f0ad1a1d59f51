"""The meeting's page: when and where, the papers deadline, whether the agenda is
published, the agenda in order with what the person may do to it, and links to the
day's own pages (attendance, each item's vote and minute)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.requests import NoSuchRequest
from domain.meeting.commands import MeetingTransition
from domain.meeting.models import MeetingStage, MeetingState
from domain.people import Role
from domain.request.models import RequestState, Stage
from storage.accounts import User
from web import present
from web.forms import FormErrors
from web.meeting_pages.common import (
    MEETINGS,
    allowed,
    item_progress,
    meeting_state,
    meeting_url,
)
from web.meeting_pages.meeting_item import agenda_states
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import new_form_key, not_found, request_url
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

DONE = {
    "scheduled": "Meeting scheduled.",
    "tabled": "Request tabled: it is on the agenda.",
    "removed": "Item taken off the agenda.",
    "ordered": "Agenda order changed.",
    "published": "Agenda and papers published.",
    "moved": "Meeting moved.",
    "cancelled": "Meeting cancelled.",
    "closed": "Meeting closed.",
}


# Reading every request in option listing, a few at a time, to find those ready.
_CONCURRENT_READS = 8


@dataclass(frozen=True)
class DayLink:
    """A link to one of the meeting day's pages."""

    href: str
    text: str


def papers_too_late(state: MeetingState, now: datetime) -> bool:
    """Whether an item tabled now would be late (a meeting entered after it was held
    had its papers before anyone recorded them)."""
    return not state.recorded_after_the_event and now >= state.papers_close_at


async def ready_to_table(request: Request) -> list[RequestState]:
    """The requests whose options are listed and recommendation written, oldest first."""
    requests = web_services(request).requests
    listed = await requests.search(stage=Stage.option_listing, limit=1000)
    limit = asyncio.Semaphore(_CONCURRENT_READS)

    async def read(reference: str) -> RequestState | None:
        async with limit:
            with contextlib.suppress(NoSuchRequest):
                return await requests.state(reference)
            return None

    found = await asyncio.gather(*(read(r.reference) for r in reversed(listed)))
    return [s for s in found if s is not None and s.recommendation is not None]


async def next_meetings(request: Request, state: MeetingState) -> list[str]:
    """The scheduled meetings after this one, soonest first: where unfinished business
    can be carried when it closes."""
    found = await web_services(request).meetings.search(stage=MeetingStage.scheduled)
    later = [
        m
        for m in found
        if m.meeting_id != state.meeting_id
        and m.meeting_date is not None
        and m.meeting_date >= state.meeting_day
    ]
    return [m.meeting_id for m in sorted(later, key=lambda m: m.meeting_date or state.meeting_day)]


def day_links(state: MeetingState, user: User) -> tuple[list[DayLink], dict[str, list[DayLink]]]:
    """The day's pages this person may use: attendance, and each item's vote and minute."""
    roles = user.roles
    sitting = state.stage is MeetingStage.in_session
    general: list[DayLink] = []
    if not state.stage.is_final and roles & {Role.clerk, Role.chair}:
        general.append(DayLink(meeting_url(state.meeting_id, "attendance"), "Attendance"))
    per_item: dict[str, list[DayLink]] = {}
    for item in state.agenda:
        links = []
        base = f"items/{item.request_ref}"
        if sitting and roles & {Role.chair, Role.clerk, Role.member}:
            links.append(DayLink(meeting_url(state.meeting_id, f"{base}/vote"), "Vote"))
        if roles & {Role.clerk, Role.chair} and sitting:
            links.append(DayLink(meeting_url(state.meeting_id, f"{base}/minute"), "Minute"))
        per_item[item.request_ref] = links
    return general, per_item


async def show_meeting(
    request: Request,
    who: Visitor,
    user: User,
    state: MeetingState,
    *,
    status_code: int = 200,
    errors: FormErrors | None = None,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The meeting's page for ``user``, with any refusal in the error summary."""
    may = allowed(state, user)
    ready = await ready_to_table(request) if MeetingTransition.add_item in may else []
    closing = MeetingTransition.close_meeting in may
    closing_to = await next_meetings(request, state) if closing else []
    general, per_item = day_links(state, user)
    day = present.uk_date(state.meeting_day)
    requests = {s.reference: s for s in await agenda_states(request, state)}
    progress = {
        item.request_ref: item_progress(item, requests.get(item.request_ref))
        for item in state.agenda
    }
    return page(
        request,
        who,
        "meeting.html",
        f"Meeting on {day}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        day=day,
        may=may,
        T=MeetingTransition,
        ready=ready,
        late=papers_too_late(state, datetime.now(UTC)),
        closing_to=closing_to,
        general_links=general,
        item_links=per_item,
        typed=typed or {},
        done=DONE.get(request.query_params.get("done", ""), ""),
        progress=progress,
        new_key=new_form_key,
        request_url=request_url,
        base=meeting_url(state.meeting_id),
        clock_time=present.clock_time,
        meeting_stage_tag=present.meeting_stage_tag,
        meetings_url=MEETINGS,
    )


@router.get(f"{MEETINGS}/{{meeting_id}}")
async def show(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """The meeting's page, which anyone signed in may read."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    state = await meeting_state(request, meeting_id)
    if state is None:
        return not_found(request, who)
    return await show_meeting(request, who, user, state)
