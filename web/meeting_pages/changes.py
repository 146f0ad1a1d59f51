"""Moving a meeting to another day or time, and cancelling it (the chair), each a question
page whose refusals are shown on it with what was typed kept. A move is passed on to
every request on the agenda; a cancellation sends them back to option listing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from domain.calendar import LONDON
from domain.meeting.commands import CancelMeeting, MeetingCommand, MeetingTransition, MoveMeeting
from domain.meeting.models import MeetingState
from web import present
from web.forms import DateFields, FormErrors, domain_problems, text
from web.meeting_pages.common import (
    MEETINGS,
    guarded_meeting,
    meeting_forbidden,
    meeting_url,
    posted_to_meeting,
    send_to_meeting,
)
from web.meeting_pages.schedule import time_field, time_of_day
from web.pages import page as render_page
from web.pages import redirect
from web.request_pages.common import new_form_key
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

_ONE = f"{MEETINGS}/{{meeting_id}}"
_MOVE_ORDER = ["new-date-day", "new-date-month", "new-date-year", "time", "reason"]


def _render(
    request: Request,
    who: Visitor,
    state: MeetingState,
    template: str,
    title: str,
    typed: Mapping[str, Any],
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        who,
        template,
        f"{title} of {present.uk_date(state.meeting_day)}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        form_key=new_form_key(),
        base=meeting_url(state.meeting_id),
        clock_time=present.clock_time,
        **typed,
    )


async def _sent(
    request: Request,
    who: Visitor,
    state: MeetingState,
    form: Mapping[str, Any],
    command: MeetingCommand,
    outcome: str,
) -> tuple[Response | None, str | None, str]:
    """The redirect after the command, or the refusal's field and message."""
    user = who.user
    assert user is not None  # the guard let only a signed-in person through
    refusal = await send_to_meeting(request, user, state.meeting_id, command, form)
    if refusal is None:
        return redirect(f"{meeting_url(state.meeting_id)}?done={outcome}"), None, ""
    if refusal.rule == "role-not-permitted":
        transition = MeetingTransition(command.model_dump()["kind"])
        return meeting_forbidden(request, who, user, transition, state.meeting_id), None, ""
    return None, refusal.field, refusal.message


@router.get(f"{_ONE}/move")
async def move_form(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """Ask for the new day and time, and why the meeting moves."""
    guarded = await guarded_meeting(request, who, meeting_id, MeetingTransition.move_meeting)
    if isinstance(guarded, Response):
        return guarded
    state = guarded[1]
    start = state.starts_at.astimezone(LONDON)
    typed = {"day": DateFields(), "time": time_field(start), "reason": ""}
    return _render(request, who, state, "meeting_move.html", "Move the meeting", typed)


@router.post(f"{_ONE}/move")
async def move(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """Move the meeting, or show the form again with what to correct."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.move_meeting)
    if isinstance(sent, Response):
        return sent
    form, _, state = sent
    errors = FormErrors()
    typed_day = DateFields.read(form, "new-date")
    typed_time, reason = text(form, "time"), text(form, "reason")
    typed = {"day": typed_day, "time": typed_time, "reason": reason}
    day = typed_day.value("new-date", "the new date", errors, required=True)
    starts = time_of_day(typed_time, "time", errors)
    if not reason:
        errors.add("reason", "Enter why the meeting is moved: each request on the agenda is told")
    command = None
    if day is not None and starts is not None and not errors:
        try:
            new_start = datetime.combine(day, starts, tzinfo=LONDON)
            command = MoveMeeting(new_starts_at=new_start, reason=reason)
        except ValidationError as error:
            for _, _, problem in domain_problems(error):
                errors.add("new-date-day", problem)
    if command is None:
        errors.in_page_order(_MOVE_ORDER)
        return _render(
            request, who, state, "meeting_move.html", "Move the meeting", typed,
            errors=errors, status_code=422,
        )  # fmt: skip
    answer, field, message = await _sent(request, who, state, form, command, "moved")
    if answer is not None:
        return answer
    errors.add("reason" if field == "reason" else "new-date-day", message)
    return _render(
        request, who, state, "meeting_move.html", "Move the meeting", typed,
        errors=errors, status_code=409,
    )  # fmt: skip


@router.get(f"{_ONE}/cancel")
async def cancel_form(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """Ask why the meeting is cancelled."""
    guarded = await guarded_meeting(request, who, meeting_id, MeetingTransition.cancel_meeting)
    if isinstance(guarded, Response):
        return guarded
    state = guarded[1]
    return _render(request, who, state, "meeting_cancel.html", "Cancel the meeting", {"reason": ""})


@router.post(f"{_ONE}/cancel")
async def cancel(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """Cancel the meeting, or show the form again with what to correct."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.cancel_meeting)
    if isinstance(sent, Response):
        return sent
    form, _, state = sent
    errors = FormErrors()
    typed = {"reason": text(form, "reason")}
    if not typed["reason"]:
        errors.add(
            "reason", "Enter why the meeting is cancelled: each request on the agenda is told"
        )
        return _render(
            request, who, state, "meeting_cancel.html", "Cancel the meeting", typed,
            errors=errors, status_code=422,
        )  # fmt: skip
    command = CancelMeeting(reason=typed["reason"])
    answer, _, message = await _sent(request, who, state, form, command, "cancelled")
    if answer is not None:
        return answer
    errors.add("reason", message)
    return _render(
        request, who, state, "meeting_cancel.html", "Cancel the meeting", typed,
        errors=errors, status_code=409,
    )  # fmt: skip
