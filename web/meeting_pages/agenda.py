"""The agenda builder's actions on the meeting's page: table a request, take an item off,
move an item up or down (a button each, never dragging alone: WCAG 2.5.7), publish the
agenda and papers, and close the meeting. Each is a small POST answered by a redirect;
a refusal is shown on the meeting's page in the error summary, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.meeting.commands import (
    CloseMeeting,
    MeetingCommand,
    MeetingTransition,
    OrderItem,
    PublishAgenda,
    RemoveItem,
)
from domain.meeting.models import MeetingState
from domain.request.commands import TableRequest, Transition
from storage.accounts import User
from web.forms import FormErrors, choice, text, whole_number
from web.meeting_pages.common import (
    MEETINGS,
    meeting_state,
    meeting_url,
    posted_to_meeting,
    send_to_meeting,
)
from web.meeting_pages.meeting_page import next_meetings, ready_to_table, show_meeting
from web.pages import redirect
from web.request_pages.common import forbidden, not_found, not_theirs, send
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

_ONE = f"{MEETINGS}/{{meeting_id}}"
NO_NEXT_MEETING = "none"


def done(meeting_id: str, what: str, anchor: str = "") -> str:
    """The meeting's page after an action, which its banner confirms."""
    return f"{meeting_url(meeting_id)}?done={what}" + (f"#{anchor}" if anchor else "")


async def refused_on_page(
    request: Request,
    who: Visitor,
    user: User,
    meeting_id: str,
    problems: FormErrors,
    typed: Mapping[str, str],
    status_code: int,
) -> Response:
    """The meeting's page again, the problems in its error summary."""
    state = await meeting_state(request, meeting_id)
    if state is None:
        return not_found(request, who)
    return await show_meeting(
        request, who, user, state, status_code=status_code, errors=problems, typed=typed
    )


async def _send_or_refuse(
    request: Request,
    who: Visitor,
    sent: tuple[Mapping[str, Any], User, MeetingState],
    command: MeetingCommand,
    outcome: str,
    anchor_of: Mapping[str | None, str],
    typed: Mapping[str, str],
) -> Response:
    """Send ``command`` to the meeting; on refusal, the page with the refusal beside the
    part of the page it names (``anchor_of`` maps a refusal's field to an element id)."""
    form, user, state = sent
    refusal = await send_to_meeting(request, user, state.meeting_id, command, form)
    if refusal is None:
        anchor = "agenda" if outcome == "ordered" else ""
        return redirect(done(state.meeting_id, outcome, anchor))
    errors = FormErrors()
    errors.add(anchor_of.get(refusal.field, anchor_of[None]), refusal.message)
    return await refused_on_page(request, who, user, state.meeting_id, errors, typed, 409)


@router.post(f"{_ONE}/table")
async def table(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """The chair tables a ready request for this meeting: the request puts itself on the
    agenda. After the papers deadline the chair's reason for the late item is needed."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.add_item)
    if isinstance(sent, Response):
        return sent
    form, user, _ = sent
    ready = {r.reference: r for r in await ready_to_table(request)}
    reference = choice(form, "request", ready)
    typed = {"request": text(form, "request"), "late_reason": text(form, "late_reason")}
    errors = FormErrors()
    if reference is None:
        errors.add("request", "Select the request to table for this meeting")
        return await refused_on_page(request, who, user, meeting_id, errors, typed, 422)
    command = TableRequest(meeting_id=meeting_id, late_reason=typed["late_reason"] or None)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(done(meeting_id, "tabled", "agenda"))
    if not_theirs(refusal):
        return forbidden(request, who, user, Transition.table, ready[reference], refusal)
    field = "late_reason" if refusal.field == "late_reason" else "request"
    errors.add(field, refusal.message)
    return await refused_on_page(request, who, user, meeting_id, errors, typed, 409)


@router.post(f"{_ONE}/remove")
async def remove(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """The chair takes an item off the agenda, with the reason the request is told."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.remove_item)
    if isinstance(sent, Response):
        return sent
    form, user, state = sent
    reference = choice(form, "request_ref", (i.request_ref for i in state.agenda))
    if reference is None:
        return redirect(meeting_url(meeting_id) + "#agenda")  # gone already: a stale page
    reason = text(form, "reason")
    field_id = f"reason-{reference}"
    typed = {field_id: reason, "removing": reference}
    if not reason:
        errors = FormErrors()
        errors.add(field_id, f"Enter why {reference} is taken off the agenda")
        return await refused_on_page(request, who, user, meeting_id, errors, typed, 422)
    command = RemoveItem(request_ref=reference, reason=reason)
    return await _send_or_refuse(request, who, sent, command, "removed", {None: field_id}, typed)


@router.post(f"{_ONE}/order")
async def order(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """Move an item to another place on the agenda (the Move up and Move down buttons)."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.order_item)
    if isinstance(sent, Response):
        return sent
    form, user, state = sent
    reference = choice(form, "request_ref", (i.request_ref for i in state.agenda))
    errors = FormErrors()
    position = whole_number(text(form, "position"), "agenda", "the place on the agenda", errors)
    if reference is None or position is None or position < 1:
        errors.add("agenda", "Choose an item on the agenda and the place to move it to")
        return await refused_on_page(request, who, user, meeting_id, errors, {}, 422)
    command = OrderItem(request_ref=reference, position=position)
    return await _send_or_refuse(request, who, sent, command, "ordered", {None: "agenda"}, {})


@router.post(f"{_ONE}/publish")
async def publish(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """The clerk or chair publishes the agenda and papers (again, after a change)."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.publish_agenda)
    if isinstance(sent, Response):
        return sent
    return await _send_or_refuse(
        request, who, sent, PublishAgenda(), "published", {None: "actions"}, {}
    )


@router.post(f"{_ONE}/close")
async def close(request: Request, meeting_id: str, who: Visitor = Depends(visitor)) -> Response:
    """The chair closes the meeting, naming the next one to carry unfinished business to."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.close_meeting)
    if isinstance(sent, Response):
        return sent
    form, user, state = sent
    later = await next_meetings(request, state)
    chosen = choice(form, "next_meeting", [*later, NO_NEXT_MEETING])
    typed = {"next_meeting": text(form, "next_meeting")}
    if chosen is None:
        errors = FormErrors()
        errors.add("next_meeting", "Select the next meeting, or that none is scheduled yet")
        return await refused_on_page(request, who, user, meeting_id, errors, typed, 422)
    command = CloseMeeting(next_meeting_id=None if chosen == NO_NEXT_MEETING else chosen)
    anchors = {None: "next_meeting", "next_meeting_id": "next_meeting"}
    return await _send_or_refuse(request, who, sent, command, "closed", anchors, typed)
