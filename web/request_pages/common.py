"""What every request page shares: its addresses, the form key, the 403 and 404 pages,
the guards in front of a form, and sending a command to the request's workflow."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from clients.records import RecordFinished, TransitionRefused
from clients.requests import NoSuchRequest
from domain.people import roles_text
from domain.request.commands import Command, Transition
from domain.request.lifecycle import AUTHORS_ONLY, DOING, PERMISSIONS
from domain.request.models import RequestState
from domain.values import Reference
from storage.accounts import User
from web.forms import text
from web.pages import SIGN_IN, form_accepted, page, redirect, refused_form
from web.request_view import RequestView, request_view
from web.sessions import Visitor, web_services

REQUESTS = "/funding-requests"
NEW_REQUEST = f"{REQUESTS}/new"

FORM_KEY = "form_key"
_REFERENCE = TypeAdapter(Reference)
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")

# The refusals that are about who is asking, not what they asked: shown as the 403 page.
_NOT_THEIRS = ("role-not-permitted", "officer-not-author")

# Which part of the request page a refusal's field is about, for the error summary's link.
_PAGE_ANCHORS: dict[str, str] = {
    "title": "title",
    "purpose": "purpose",
    "background": "background",
    "cost_lines": "cost",
    "period": "period",
    "evaluation_plan": "evaluation-plan",
    "co_author_ids": "co-authors",
    "author_id": "co-authors",
    "options": "options",
    "option": "options",
    "option_id": "options",
    "recommendation": "recommendation",
    "recommendation.option_ids": "recommendation-option-ids",
    "meeting_date": "meeting",
    "membership": "meeting",
}


def request_url(reference: str) -> str:
    """The request's page."""
    return f"{REQUESTS}/{reference}"


def done_url(reference: str, done: str) -> str:
    """The request's page after an action, which its banner confirms."""
    return f"{request_url(reference)}?done={done}"


def page_anchor(field: str | None) -> str:
    """The element of the request page that a refusal naming ``field`` is about."""
    if not field:
        return "actions"
    path = field.removeprefix("draft.")
    if path in _PAGE_ANCHORS:
        return _PAGE_ANCHORS[path]
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return _PAGE_ANCHORS.get(head, "actions")


def new_form_key() -> str:
    """A key for one rendering of a form: the Update id its submission is sent with."""
    return secrets.token_urlsafe(16)


def update_id(form: Mapping[str, Any], user: User) -> str | None:
    """The Update id for this form's submission, from the key it was rendered with."""
    key = text(form, FORM_KEY)
    return f"web-{user.user_id}-{key}" if _FORM_KEY.match(key) else None


def valid_reference(reference: str) -> bool:
    """Whether ``reference`` could name a request: anything else is not looked up."""
    try:
        _REFERENCE.validate_python(reference)
    except ValidationError:
        return False
    return True


def not_found(request: Request, who: Visitor) -> Response:
    """The "Page not found" page, for a reference nobody created."""
    return page(request, who, "not_found.html", "Page not found", status_code=404)


def not_theirs(refusal: TransitionRefused) -> bool:
    """Whether the workflow refused because of who asked (the 403 page), not what."""
    return refusal.rule in _NOT_THEIRS


def forbidden(
    request: Request,
    who: Visitor,
    user: User,
    transition: Transition,
    state: RequestState,
    refusal: TransitionRefused | None = None,
) -> Response:
    """403: the action needs a role ``user`` lacks, or is a change only the request's
    author and co-authors may make."""
    needed = PERMISSIONS[transition]
    doing = f"{DOING[transition]} {state.reference}"
    if not needed & user.roles:
        reason = (
            f"To {doing} you need {roles_text(needed, any_of=True)}. You are signed in as "
            f"{user.name}, "
            f"who holds {roles_text(user.roles)}."
        )
    elif refusal is not None:
        reason = refusal.message
    else:
        reason = (
            f"Only its author and the co-authors they name can change {state.reference}. "
            "You can read it; ask its author to name you a co-author."
        )
    return page(
        request,
        who,
        "forbidden.html",
        f"You cannot {doing}",
        status_code=403,
        reason=reason,
        needed=roles_text(needed, any_of=True),
        reference=state.reference,
    )


async def guarded(
    request: Request, who: Visitor, reference: str, transition: Transition
) -> tuple[User, RequestView] | Response:
    """The person and the request, if the workflow says they may take ``transition``
    now; otherwise the page to show instead (sign in, not found, 403, or the request)."""
    if not valid_reference(reference):
        return not_found(request, who)
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    try:
        view = await request_view(web_services(request).requests, reference, user)
    except NoSuchRequest:
        return not_found(request, who)
    if transition in view.allowed:
        return user, view
    needs_authorship = transition in AUTHORS_ONLY and not view.state.is_author_or_co_author(
        user.user_id
    )
    if not PERMISSIONS[transition] & user.roles or needs_authorship:
        return forbidden(request, who, user, transition, view.state)
    # Not at this stage (a stale link): the request page offers what is possible now.
    return redirect(request_url(reference))


async def posted(request: Request, who: Visitor) -> tuple[Mapping[str, Any], User] | Response:
    """The form and the person, if the form carries this browser's CSRF token."""
    form = await request.form()
    if not form_accepted(form, who):
        return refused_form(request, who)
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    return form, user


async def posted_about(
    request: Request, who: Visitor, reference: str
) -> tuple[Mapping[str, Any], User, RequestState] | Response:
    """The form, the person and the request it is about, or the page to show instead."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    if not valid_reference(reference):
        return not_found(request, who)
    try:
        state = await web_services(request).requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
    return (*sent, state)


async def refusal_of(submitted: Awaitable[object]) -> TransitionRefused | None:
    """Await a transition sent to a request's or meeting's workflow: its refusal, or None.

    A record whose workflow has ended refuses like a rule does.
    """
    try:
        await submitted
    except TransitionRefused as refused:
        return refused
    except RecordFinished as finished:
        return TransitionRefused(
            "RecordFinished", str(finished), {"rule": "record-finished", "field": None}
        )
    return None


async def send(
    request: Request,
    user: User,
    reference: str,
    command: Command,
    form: Mapping[str, Any],
) -> TransitionRefused | None:
    """Ask the request's workflow for ``command`` as ``user``; its refusal, or None."""
    return await refusal_of(
        web_services(request).requests.submit(
            reference, command, user.actor(), idempotency_key=update_id(form, user)
        )
    )
