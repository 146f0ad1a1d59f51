"""The minute of an agenda item: the clerk records it from the decision, the chair
confirms it, and a confirmed minute is shown locked (a correction is a new minute)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.meeting.models import MeetingStage
from domain.request.commands import ConfirmMinutes, RecordMinute, Transition
from storage.accounts import User
from web.forms import FormErrors
from web.meeting_pages.common import MEETINGS, meeting_url
from web.meeting_pages.meeting_item import (
    ItemAtMeeting,
    item_at_meeting,
    item_url,
    posted_to_item,
    send_to_item,
)
from web.meeting_pages.minute_form import (
    DueMeeting,
    MinuteTyped,
    prefilled,
    read_minute,
    refusal_anchor,
)
from web.meeting_pages.vote_view import option_label
from web.pages import page, redirect
from web.request_pages.common import new_form_key
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

MINUTE = f"{MEETINGS}/{{meeting_id}}/items/{{reference}}/minute"
_DONE = {"recorded": "Minute recorded.", "confirmed": "The minutes are confirmed."}


async def due_meetings(request: Request, item: ItemAtMeeting) -> list[DueMeeting]:
    """The scheduled meetings after this one, soonest first: where an action can be due."""
    found = await web_services(request).meetings.search(stage=MeetingStage.scheduled)
    after = item.meeting.meeting_day
    return sorted(
        (
            DueMeeting(m.meeting_id, m.meeting_date)
            for m in found
            if m.meeting_date is not None and m.meeting_date > after
        ),
        key=lambda m: (m.day, m.meeting_id),
    )


def people(request: Request) -> list[User]:
    """Everyone who may own an action, by name."""
    return sorted(web_services(request).directory.all(), key=lambda u: (u.name, u.user_id))


async def show_minute(
    request: Request,
    who: Visitor,
    item: ItemAtMeeting,
    *,
    typed: MinuteTyped | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The minute form for the clerk, or the minute as recorded (and confirmed)."""
    state = item.state
    allowed = item.allowed
    may_minute = Transition.record_minute in allowed
    return page(
        request,
        who,
        "meeting_day_minute.html",
        f"Minute of {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        decision=state.decision,
        minute=state.minute,
        confirmed_at=state.minutes_confirmed_at,
        may_minute=may_minute,
        may_confirm=Transition.confirm_minutes in allowed,
        typed=typed or prefilled(state),
        owners=people(request) if may_minute else [],
        meetings=await due_meetings(request, item) if may_minute else [],
        option_text=lambda oid: option_label(state.option(oid), oid),
        minute_url=item_url(item.meeting.meeting_id, state.reference, "minute"),
        confirm_url=item_url(item.meeting.meeting_id, state.reference, "confirm-minutes"),
        vote_url=item_url(item.meeting.meeting_id, state.reference, "vote"),
        meeting_url=meeting_url(item.meeting.meeting_id),
        request_url=f"/funding-requests/{state.reference}",
        form_key=new_form_key(),
        done=_DONE.get(request.query_params.get("done", "")) if not errors else None,
    )


@router.get(MINUTE)
async def minute_page(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The minute of the item: the form while it is the clerk's to record."""
    item = await item_at_meeting(request, who, meeting_id, reference)
    if isinstance(item, Response):
        return item
    return await show_minute(request, who, item)


@router.post(MINUTE)
async def record_minute(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Record the minute; the engine refuses one without its funding source, and the form
    comes back with the refusal and everything typed."""
    sent = await posted_to_item(request, who, meeting_id, reference)
    if isinstance(sent, Response):
        return sent
    form, item = sent
    errors = FormErrors()
    meetings = await due_meetings(request, item)
    typed, minute = read_minute(form, item.state, item.user, people(request), meetings, errors)
    if minute is None:
        return await show_minute(request, who, item, typed=typed, errors=errors, status_code=422)
    command = RecordMinute(minute=minute)
    outcome = await send_to_item(request, who, item, command, form, Transition.record_minute)
    if isinstance(outcome, Response):
        return outcome
    if outcome is None:
        return redirect(f"{item_url(meeting_id, reference, 'minute')}?done=recorded")
    errors.add(refusal_anchor(outcome.field), outcome.message)
    return await show_minute(request, who, item, typed=typed, errors=errors, status_code=409)


@router.post(f"{MEETINGS}/{{meeting_id}}/items/{{reference}}/confirm-minutes")
async def confirm_minutes(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The chair confirms the minutes: the decision is final and the minute locked."""
    sent = await posted_to_item(request, who, meeting_id, reference)
    if isinstance(sent, Response):
        return sent
    form, item = sent
    outcome = await send_to_item(
        request, who, item, ConfirmMinutes(), form, Transition.confirm_minutes
    )
    if isinstance(outcome, Response):
        return outcome
    if outcome is None:
        return redirect(f"{item_url(meeting_id, reference, 'minute')}?done=confirmed")
    errors = FormErrors()
    errors.add("minute-status", outcome.message)
    fresh = await item_at_meeting(request, who, meeting_id, reference)
    if isinstance(fresh, Response):
        return fresh
    return await show_minute(request, who, fresh, errors=errors, status_code=409)
