"""The forum's meetings as the public reads them, without signing in: the forthcoming
and past meetings, a meeting's agenda and papers once the clerk has published them, and
its minutes once the chair has confirmed them.

Until then the answer is the not-found page a meeting nobody scheduled gets, so an
address cannot tell anyone that a meeting or an item exists. Only the items on the
agenda when it was last published are shown: a request tabled since waits for the next
publication. Minutes come from the decision register's confirmed-minute entries, the
same public record the register pages show; nothing about a vote still open is read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from clients.requests import NoSuchRequest
from contracts.register import EntryKind, RegisterEntry
from domain.calendar import format_uk_date, to_london
from domain.meeting.models import AgendaItem, MeetingStage, MeetingState
from domain.request.models import RequestState
from storage.register import DecisionRegister
from web.meeting_pages.common import meeting_state
from web.pages import page
from web.present import clock_time
from web.public_pages import PUBLIC_MEETINGS, entry_address, listed, source_label, the_register
from web.request_view import READ_CONCURRENCY
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

PAST_MEETINGS_SHOWN = 12


def public_agenda_url(meeting_id: str) -> str:
    """The public address of the meeting's agenda and papers."""
    return f"{PUBLIC_MEETINGS}/{meeting_id}"


def public_minutes_url(meeting_id: str) -> str:
    """The public address of the meeting's confirmed minutes."""
    return f"{PUBLIC_MEETINGS}/{meeting_id}/minutes"


def published_items(state: MeetingState) -> tuple[AgendaItem, ...]:
    """The agenda items as last published: none before the first publication."""
    published = state.published_at
    if published is None:
        return ()
    return tuple(item for item in state.agenda if item.tabled_at <= published)


@dataclass(frozen=True)
class MinutedItem:
    """An agenda item whose minute the chair has confirmed, and its decision's entry."""

    title: str
    minute: RegisterEntry
    decision: RegisterEntry | None


def confirmed_minutes(register: DecisionRegister, state: MeetingState) -> list[MinutedItem]:
    """The items on the meeting's agenda whose minutes are confirmed, in its order."""
    confirmed = []
    for item in state.agenda:
        at_this_meeting = [
            entry
            for entry in register.entries_for(item.request_ref)
            if entry.meeting_date == state.meeting_day
        ]
        minutes = [e for e in at_this_meeting if e.kind is EntryKind.MINUTE_CONFIRMED]
        if not minutes:
            continue
        minute = minutes[-1]
        decisions = [
            e for e in at_this_meeting if e.kind is EntryKind.DECISION and e.cycle == minute.cycle
        ]
        confirmed.append(MinutedItem(item.title, minute, decisions[-1] if decisions else None))
    return confirmed


def minutes_confirmed_for(register: DecisionRegister) -> frozenset[tuple[str, date]]:
    """(request, meeting day) of every confirmed minute, for the lists' links."""
    return frozenset(
        (entry.request_ref, entry.meeting_date)
        for entry in register.search(kind=EntryKind.MINUTE_CONFIRMED)
        if entry.meeting_date is not None
    )


@dataclass(frozen=True)
class ListedMeeting:
    """A meeting as the public list shows it, with the addresses of what is published."""

    day: date
    starts_at: datetime
    location: str
    papers_close_at: datetime
    agenda_url: str | None
    minutes_url: str | None


def listed_meeting(state: MeetingState, confirmed: frozenset[tuple[str, date]]) -> ListedMeeting:
    """How the list shows ``state``: links only to what the public may read."""
    has_minutes = any((i.request_ref, state.meeting_day) in confirmed for i in state.agenda)
    return ListedMeeting(
        day=state.meeting_day,
        starts_at=state.starts_at,
        location=state.location,
        papers_close_at=state.papers_close_at,
        agenda_url=public_agenda_url(state.meeting_id) if state.published_at else None,
        minutes_url=public_minutes_url(state.meeting_id) if has_minutes else None,
    )


async def public_meetings(request: Request) -> tuple[list[ListedMeeting], list[ListedMeeting]]:
    """The scheduled meetings from today, soonest first, and the meetings held, latest
    first, each read from its workflow."""
    meetings = web_services(request).meetings
    today = to_london(datetime.now(UTC)).date()
    scheduled, held = await asyncio.gather(
        meetings.search(stage=MeetingStage.scheduled), meetings.search(stage=MeetingStage.closed)
    )
    wanted = [m for m in scheduled if m.meeting_date is None or m.meeting_date >= today]
    wanted += list(held[:PAST_MEETINGS_SHOWN])
    states: list[MeetingState | BaseException] = await asyncio.gather(
        *(meetings.state(m.meeting_id) for m in wanted), return_exceptions=True
    )
    confirmed = await asyncio.to_thread(minutes_confirmed_for, the_register(request))
    read = [s for s in states if isinstance(s, MeetingState)]
    # The stage asked for may have moved on between the listing and the query.
    coming = [s for s in read if s.stage is MeetingStage.scheduled and s.meeting_day >= today]
    past = [s for s in read if s.stage is MeetingStage.closed]
    return (
        [listed_meeting(s, confirmed) for s in sorted(coming, key=lambda s: s.starts_at)],
        [
            listed_meeting(s, confirmed)
            for s in sorted(past, key=lambda s: s.starts_at, reverse=True)
        ],
    )


@router.get(PUBLIC_MEETINGS)
async def meetings_page(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The forthcoming meetings of the forum, soonest first, and those held, with links
    to the agendas published and the minutes confirmed."""
    coming, past = await public_meetings(request)
    return page(
        request,
        who,
        "public_meetings.html",
        "Forthcoming meetings",
        current="public_meetings",
        meetings=coming,
        past=past,
        weekday_date=lambda day: f"{day:%A} {format_uk_date(day)}",
        clock_time=clock_time,
    )


@dataclass(frozen=True)
class AgendaPaper:
    """One published item and its paper (None if its request could not be read)."""

    position: int
    item: AgendaItem
    paper: RequestState | None


async def agenda_papers(request: Request, items: tuple[AgendaItem, ...]) -> list[AgendaPaper]:
    """Each item with its request's paper, read concurrently."""
    requests = web_services(request).requests
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def paper(item: AgendaItem) -> RequestState | None:
        async with gate:
            try:
                return await requests.state(item.request_ref)
            except NoSuchRequest:
                return None

    papers = await asyncio.gather(*(paper(item) for item in items))
    return [
        AgendaPaper(position, item, found)
        for position, (item, found) in enumerate(zip(items, papers, strict=True), start=1)
    ]


async def public_meeting(request: Request, meeting_id: str) -> MeetingState:
    """The meeting, or the not-found page for one nobody scheduled."""
    state = await meeting_state(request, meeting_id)
    if state is None:
        raise HTTPException(status_code=404)
    return state


@router.get(PUBLIC_MEETINGS + "/{meeting_id}")
async def agenda_page(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """The agenda and papers as last published; not found before they are."""
    state = await public_meeting(request, meeting_id)
    if state.published_at is None:
        raise HTTPException(status_code=404)
    papers = await agenda_papers(request, published_items(state))
    confirmed = await asyncio.to_thread(minutes_confirmed_for, the_register(request))
    return page(
        request,
        who,
        "public_agenda.html",
        f"Agenda for the meeting of {format_uk_date(state.meeting_day)}",
        current="public_meetings",
        meeting=state,
        papers=papers,
        minutes_url=listed_meeting(state, confirmed).minutes_url,
        source_label=source_label,
    )


@router.get(PUBLIC_MEETINGS + "/{meeting_id}/minutes")
async def minutes_page(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """The minutes of the meeting's items the chair has confirmed; not found before."""
    state = await public_meeting(request, meeting_id)
    register = the_register(request)
    minutes = await asyncio.to_thread(confirmed_minutes, register, state)
    if not minutes:
        raise HTTPException(status_code=404)
    return page(
        request,
        who,
        "public_minutes.html",
        f"Minutes of the meeting of {format_uk_date(state.meeting_day)}",
        current="public_meetings",
        meeting=state,
        minutes=minutes,
        shown=listed,
        address_of=entry_address,
        agenda_url=public_agenda_url(state.meeting_id) if state.published_at else None,
    )
