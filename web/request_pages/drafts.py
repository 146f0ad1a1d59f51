"""A new request, changes to its draft, and its submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.records import TransitionRefused
from clients.requests import RequestAlreadyExists
from domain.people import Role, roles_text
from domain.request.commands import EditDraft, SubmitDraft, Transition
from domain.request.models import RequestState
from storage.accounts import User
from web.draft_form import ADD_LINE, REMOVE_LINE, DraftFields, FormAction
from web.forms import FormErrors
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import (
    NEW_REQUEST,
    REQUESTS,
    done_url,
    forbidden,
    guarded,
    new_form_key,
    not_theirs,
    page_anchor,
    posted,
    posted_about,
    request_url,
    send,
)
from web.request_pages.request_page import button, meetings_open_for_tabling
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

# The request form's input that a refusal naming a draft field is about ("title" for the rest).
_DRAFT_ANCHORS = {
    "co_author_ids": "co-authors",
    "author_id": "co-authors",
    "reference": "title",
    "purpose": "purpose",
    "background": "background",
    "evaluation_plan": "measures",
}


def _co_author_choices(request: Request, user: User) -> list[User]:
    """The other officers an author may name to work on the request with them."""
    officers = web_services(request).directory.holding(Role.officer)
    return [officer for officer in officers if officer.user_id != user.user_id]


def _draft_form(
    request: Request,
    who: Visitor,
    user: User,
    fields: DraftFields,
    *,
    state: RequestState | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The request form: empty or as typed for a new request, or the draft to change."""
    title = f"Change {state.reference}" if state is not None else "New request"
    names_co_authors = state is None or state.author_id == user.user_id
    return page(
        request,
        who,
        "request_form.html",
        title,
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        fields=fields,
        state=state,
        action=f"{request_url(state.reference)}/edit" if state is not None else NEW_REQUEST,
        officers=_co_author_choices(request, user) if names_co_authors else [],
        form_key=new_form_key(),
        current="new" if state is None else None,
    )


def _officer_needed(request: Request, who: Visitor, user: User) -> Response:
    """403 for drafting a request without the officer role (the domain's own rule,
    which the workflow's start checks again)."""
    return page(
        request,
        who,
        "forbidden.html",
        "You cannot draft a request",
        status_code=403,
        reason=(
            f"To draft a request you need {roles_text(frozenset({Role.officer}))}. You are "
            f"signed in as {user.name}, who holds {roles_text(user.roles)}."
        ),
        needed=roles_text(frozenset({Role.officer})),
        reference=None,
    )


def _line_change(form: Mapping[str, Any], fields: DraftFields) -> DraftFields | None:
    """The form with a line added or removed, if that is what the button asked for."""
    action = FormAction.read(form)
    if action.kind == ADD_LINE:
        return fields.with_line_added()
    if action.kind == REMOVE_LINE:
        return fields.with_line_removed(action.index)
    return None


@router.get(NEW_REQUEST)
async def new_request(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The form for a new request."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if Role.officer not in user.roles:
        return _officer_needed(request, who, user)
    return _draft_form(request, who, user, DraftFields())


@router.post(NEW_REQUEST)
async def create_request(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Create the request in drafting, or show the form again: with a line more or
    less, or with what to correct."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    form, user = sent
    fields = DraftFields.read(form)
    changed = _line_change(form, fields)
    if changed is not None:
        return _draft_form(request, who, user, changed)
    draft, errors = fields.draft(reference=fields.reference, author_id=None)
    if draft is None:
        return _draft_form(request, who, user, fields, errors=errors, status_code=422)
    services = web_services(request)
    scheduled = tuple(m.meeting_date for m in await meetings_open_for_tabling(request))
    try:
        await services.requests.create(draft, user.actor(), scheduled_meetings=scheduled)
    except TransitionRefused as refused:
        if refused.rule == "role-not-permitted":
            return _officer_needed(request, who, user)
        errors.add(page_anchor(refused.field), refused.message)
        return _draft_form(request, who, user, fields, errors=errors, status_code=409)
    except RequestAlreadyExists:
        existing = await services.requests.state(draft.reference)
        sent_again = existing.author_id == user.user_id and existing.draft == draft.model_copy(
            update={"author_id": user.user_id}
        )
        if not sent_again:
            errors.add(
                "reference",
                f"A request with the reference {draft.reference} already exists: "
                "choose another reference",
            )
            return _draft_form(request, who, user, fields, errors=errors, status_code=409)
    return redirect(done_url(draft.reference, "created"))


@router.get(f"{REQUESTS}/{{reference}}/edit")
async def edit_draft(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The draft, to change."""
    allowed = await guarded(request, who, reference, Transition.edit_draft)
    if isinstance(allowed, Response):
        return allowed
    user, view = allowed
    return _draft_form(request, who, user, DraftFields.of(view.state.draft), state=view.state)


@router.post(f"{REQUESTS}/{{reference}}/edit")
async def save_draft(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """Change the draft; the workflow's rules decide whether it may be changed."""
    sent = await posted_about(request, who, reference)
    if isinstance(sent, Response):
        return sent
    form, user, state = sent
    fields = DraftFields.read(form)
    changed = _line_change(form, fields)
    if changed is not None:
        return _draft_form(request, who, user, changed, state=state)
    # Only the author names co-authors; anyone else's form keeps them as they are.
    keep = None if state.author_id == user.user_id else state.draft.co_author_ids
    draft, errors = fields.draft(
        reference=reference, author_id=state.draft.author_id, co_author_ids=keep
    )
    if draft is None:
        return _draft_form(request, who, user, fields, state=state, errors=errors, status_code=422)
    refusal = await send(request, user, reference, EditDraft(draft=draft), form)
    if refusal is None:
        return redirect(done_url(reference, "edited"))
    if not_theirs(refusal):
        return forbidden(request, who, user, Transition.edit_draft, state, refusal)
    anchor = _DRAFT_ANCHORS.get((refusal.field or "").removeprefix("draft."), "title")
    errors.add(anchor, refusal.message)
    return _draft_form(request, who, user, fields, state=state, errors=errors, status_code=409)


@router.post(f"{REQUESTS}/{{reference}}/submit")
async def submit_draft(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Submit the draft: option listing begins, or the submission rule says what is missing."""
    return await button(request, who, reference, SubmitDraft(), "submitted")
