"""Scheduling a meeting (the chair or the clerk): its day, time and place, with the
directory's members as its membership and the forum's configured settings.

A meeting held before it was entered in forumflow (4 July 2018, entered today) is
scheduled with "This meeting has already taken place" ticked, so the clock leaves it
alone; otherwise the day must be still to come.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from clients.meetings import MeetingAlreadyExists
from contracts.meeting import MeetingStart
from domain.calendar import LONDON, format_uk_date
from domain.meeting.lifecycle import new_meeting
from domain.people import Member, Membership, Role, roles_text
from domain.values import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY
from storage.accounts import User
from web.forms import DateFields, FormErrors, domain_problems, text
from web.meeting_pages.common import MEETINGS, NEW_MEETING, meeting_url
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import new_form_key, posted
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

SCHEDULERS = frozenset({Role.chair, Role.clerk})
RETROSPECTIVE = "recorded_after_the_event"
_FIELD_ORDER = ["meeting-date-day", "meeting-date-month", "meeting-date-year", "time"]
_FIELD_ORDER += ["location", RETROSPECTIVE, "membership"]
_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")
# Enough for every meeting of one day; a forum meets at most once or twice a day.
_MOST_ON_ONE_DAY = 20


def time_of_day(raw: str, field_id: str, errors: FormErrors) -> time | None:
    """A time typed as people write it ("10am", "2:30pm", "14:00", "midday"); None,
    with an error, otherwise."""
    typed = raw.lower().replace(" ", "")
    if typed in ("midday", "noon", "12noon"):
        return time(12, 0)
    found = _TIME.match(typed)
    hint = "like 10am, 2:30pm or 14:00"
    if not typed:
        errors.add(field_id, f"Enter the time the meeting starts, {hint}")
        return None
    if found is None:
        errors.add(field_id, f"Enter the time the meeting starts as a time, {hint}")
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if found["half"]:
        if not 1 <= hour <= 12:
            errors.add(field_id, f"Enter an hour from 1 to 12 before am or pm, {hint}")
            return None
        hour = hour % 12 + (12 if found["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        errors.add(field_id, f"Enter a real time, {hint}")
        return None
    return time(hour, minute)


def time_field(moment: datetime) -> str:
    """A start time as the form shows it back to be changed: "10:00"."""
    return moment.astimezone(LONDON).strftime("%H:%M")


def directory_membership(request: Request) -> tuple[Member, ...]:
    """The directory's forum members, as the meeting's membership."""
    return tuple(
        Member(member_id=u.user_id, name=u.name, group=u.group, email=u.email)
        for u in web_services(request).directory.holding(Role.member)
        if u.group is not None
    )


def not_a_scheduler(request: Request, who: Visitor, user: User) -> Response:
    """403: scheduling a meeting needs the chair or clerk role."""
    return page(
        request,
        who,
        "forbidden.html",
        "You cannot schedule a meeting",
        status_code=403,
        reason=(
            f"To schedule a meeting you need {roles_text(SCHEDULERS, any_of=True)}. You are "
            "signed in as "
            f"{user.name}, who holds {roles_text(user.roles)}."
        ),
        back_url=MEETINGS,
        back_text="Go back to the meetings",
    )


def _render(
    request: Request,
    who: Visitor,
    typed: Mapping[str, Any],
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        who,
        "meeting_schedule.html",
        "Schedule a meeting",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        form_key=new_form_key(),
        members=len(directory_membership(request)),
        **typed,
    )


@router.get(NEW_MEETING)
async def schedule_form(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The empty form, for the chair or the clerk."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if not user.roles & SCHEDULERS:
        return not_a_scheduler(request, who, user)
    blank = {"day": DateFields(), "time": "", "location": "", "retrospective": False}
    return _render(request, who, blank)


def _read(
    form: Mapping[str, Any], members: tuple[Member, ...], now: datetime, errors: FormErrors
) -> tuple[dict[str, Any], datetime | None]:
    """What was typed, to show again, and the meeting's start if it is one."""
    typed_day = DateFields.read(form, "meeting-date")
    retrospective = text(form, RETROSPECTIVE) == "yes"
    typed: dict[str, Any] = {
        "day": typed_day,
        "time": text(form, "time"),
        "location": text(form, "location"),
        "retrospective": retrospective,
    }
    day = typed_day.value("meeting-date", "the date of the meeting", errors, required=True)
    starts = time_of_day(text(form, "time"), "time", errors)
    if not typed["location"]:
        errors.add(
            "location", "Enter where the meeting is held, like Civic Centre, Committee Room 2"
        )
    if not members:
        errors.add(
            "membership",
            "The directory has no forum members: add the members (users with the member "
            "role) before scheduling a meeting",
        )
    if day is not None and not FIRST_PLANNABLE_DAY <= day <= LAST_PLANNABLE_DAY:
        errors.add(
            "meeting-date-day",
            f"The date of the meeting must be between {format_uk_date(FIRST_PLANNABLE_DAY)} "
            f"and {format_uk_date(LAST_PLANNABLE_DAY)}",
        )
        return typed, None
    if day is None or starts is None:
        return typed, None
    starts_at = datetime.combine(day, starts, tzinfo=LONDON)
    if retrospective and starts_at > now:
        errors.add(
            RETROSPECTIVE,
            f"A meeting on {format_uk_date(day)} has not taken place yet: untick "
            "\u201cThis meeting has already taken place\u201d, or enter the day it was held",
        )
    elif not retrospective and starts_at <= now:
        errors.add(
            "meeting-date-day",
            "The date of the meeting must be in the future; for a meeting already held, "
            "tick \u201cThis meeting has already taken place\u201d",
        )
    return typed, starts_at


def _startable(start: MeetingStart, errors: FormErrors) -> bool:
    """Whether the meeting's workflow could build the meeting (the same check as the
    API's: a day outside the working calendar is refused before anything starts)."""
    try:
        new_meeting(
            start.meeting_id,
            start.starts_at,
            start.location,
            start.membership,
            start.settings,
            None,
            datetime.now(UTC),
            recorded_after_the_event=start.recorded_after_the_event,
        )
    except (ValidationError, ValueError) as error:
        errors.add("meeting-date-day", f"The date of the meeting cannot be planned: {error}")
        return False
    return True


def meeting_ids_for(day: date, taken: set[str]) -> list[str]:
    """The ids a meeting on ``day`` may have, in order: "meeting-2018-07-04", then "-2"..."""
    first = f"meeting-{day.isoformat()}"
    ids = [first, *(f"{first}-{n}" for n in range(2, _MOST_ON_ONE_DAY + 1))]
    return [i for i in ids if i not in taken]


@router.post(NEW_MEETING)
async def schedule(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Schedule the meeting, or show the form again with what to correct (422)."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    form, user = sent
    if not user.roles & SCHEDULERS:
        return not_a_scheduler(request, who, user)
    services = web_services(request)
    members = directory_membership(request)
    errors = FormErrors()
    typed, starts_at = _read(form, members, datetime.now(UTC), errors)
    start = None
    if starts_at is not None and not errors:
        try:
            start = MeetingStart(
                meeting_id=f"meeting-{starts_at.date().isoformat()}",
                starts_at=starts_at,
                location=typed["location"],
                membership=Membership(members=members),
                settings=services.settings.forum_settings(),
                recorded_after_the_event=typed["retrospective"],
            )
        except ValidationError as error:
            for _, _, problem in domain_problems(error):
                errors.add("meeting-date-day", problem)
    if start is None or not _startable(start, errors):
        errors.in_page_order(_FIELD_ORDER)
        return _render(request, who, typed, errors=errors, status_code=422)
    taken = {m.meeting_id for m in await services.meetings.search(limit=1000)}
    for meeting_id in meeting_ids_for(start.starts_at.date(), taken):
        try:
            await services.meetings.schedule(start.model_copy(update={"meeting_id": meeting_id}))
        except MeetingAlreadyExists:
            continue  # scheduled by someone else a moment ago: the next number
        return redirect(f"{meeting_url(meeting_id)}?done=scheduled")
    errors.add("meeting-date-day", f"The forum already has {_MOST_ON_ONE_DAY} meetings that day")
    return _render(request, who, typed, errors=errors, status_code=409)
