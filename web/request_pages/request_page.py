"""The request page, and the actions on it with nothing to type (a button), whose
refusals are shown on the request page itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.records import TransitionRefused
from clients.requests import NoSuchRequest
from domain.meeting.models import MeetingStage
from domain.people import Role
from domain.request.commands import Command, Transition
from domain.request.lifecycle import transition_of
from domain.request.models import RequestState
from storage.accounts import UnknownUser, User, UserDirectory
from web.forms import FormErrors
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import (
    REQUESTS,
    done_url,
    forbidden,
    new_form_key,
    not_found,
    not_theirs,
    page_anchor,
    posted,
    request_url,
    send,
    valid_reference,
)
from web.request_view import RequestView, request_view
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)


def _name_of(directory: UserDirectory, user_id: str) -> str:
    """A person's name, or their id if the directory no longer has them."""
    try:
        return directory.get(user_id).name
    except UnknownUser:
        return user_id


def author_name(state: RequestState) -> str:
    """The author's name as the audit trail recorded it when they drafted the request."""
    first = state.audit[0] if state.audit else None
    if first is not None and first.actor_id == state.author_id:
        return first.actor_name
    return state.author_id


async def meetings_open_for_tabling(request: Request) -> list[Any]:
    """The scheduled meetings, soonest first, to table a request for."""
    found = await web_services(request).meetings.search(stage=MeetingStage.scheduled)
    return sorted((m for m in found if m.meeting_date is not None), key=lambda m: m.meeting_date)


async def show_request(
    request: Request,
    who: Visitor,
    user: User,
    view: RequestView,
    *,
    status_code: int = 200,
    errors: FormErrors | None = None,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The request page for ``user``: the request, its options, recommendation,
    deadlines and audit trail, and the actions they may take now."""
    services = web_services(request)
    state = view.state
    meetings = await meetings_open_for_tabling(request) if Transition.table in view.allowed else []
    may_edit = Transition.edit_draft in view.allowed

    def change(anchor: str, what: str) -> dict[str, Any]:
        """A summary row's "Change" link to that field of the draft, if it may be changed."""
        if not may_edit:
            return {}
        href = f"{request_url(state.reference)}/edit#{anchor}"
        return {"items": [{"href": href, "text": "Change", "visuallyHiddenText": what}]}

    return page(
        request,
        who,
        "request.html",
        f"{state.reference}: {state.draft.title}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        view=view,
        state=state,
        allowed=view.allowed,
        author=author_name(state),
        co_authors=[_name_of(services.directory, i) for i in state.draft.co_author_ids],
        may_change=state.is_author_or_co_author(user.user_id),
        is_officer=Role.officer in user.roles,
        meetings=meetings,
        typed=typed or {},
        new_key=new_form_key,
        change=change,
        names_co_authors=may_edit and state.author_id == user.user_id,
        done=request.query_params.get("done", ""),
        T=Transition,
    )


async def refused_on_request_page(
    request: Request,
    who: Visitor,
    user: User,
    reference: str,
    transition: Transition,
    refusal: TransitionRefused,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The request page again, with the refusal in the error summary (or the 403 page)."""
    view = await request_view(web_services(request).requests, reference, user)
    if not_theirs(refusal):
        return forbidden(request, who, user, transition, view.state, refusal)
    errors = FormErrors()
    errors.add(page_anchor(refusal.field), refusal.message)
    return await show_request(request, who, user, view, status_code=409, errors=errors, typed=typed)


async def button(
    request: Request, who: Visitor, reference: str, command: Command, done: str
) -> Response:
    """An action with nothing to type: send it, and go back to the request page."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    form, user = sent
    if not valid_reference(reference):
        return not_found(request, who)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(done_url(reference, done))
    return await refused_on_request_page(
        request, who, user, reference, transition_of(command), refusal
    )


@router.get(f"{REQUESTS}/{{reference}}")
async def show(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The request page."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if not valid_reference(reference):
        return not_found(request, who)
    try:
        view = await request_view(web_services(request).requests, reference, user)
    except NoSuchRequest:
        return not_found(request, who)
    return await show_request(request, who, user, view)
