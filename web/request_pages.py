"""The officer's pages: their requests, a new request, the request page and its actions.

Every action is a plain form POST answered by a redirect back to the request page
(POST-redirect-GET), so each works without JavaScript. Each form carries a key of its
own, sent to the workflow as the Update id: a form sent twice (a double click, a
reload) has one effect. What a person may do comes from the workflow's allowed-actions
query, and whether an action is accepted from the workflow itself: a refusal comes back
as the workflow's ``TransitionRefused`` (rule code, message, field) and is shown in the
GOV.UK error summary on the page the form was on, with what was typed kept and nothing
changed. A role the action needs is a 403 page that names it; so is a change to a
request by an officer who is neither its author nor a co-author (any officer may read
any request, and the page offers them no change).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from clients.meetings import NoSuchMeeting
from clients.records import RecordFinished, TransitionRefused
from clients.requests import NoSuchRequest, RequestAlreadyExists
from domain.meeting.models import MeetingStage
from domain.people import Role, roles_text
from domain.request.commands import (
    AddOption,
    Command,
    EditDraft,
    RemoveOption,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Transition,
    Withdraw,
)
from domain.request.decision import EvaluationReport
from domain.request.draft import FundingOption, FundingSource, Recommendation
from domain.request.lifecycle import AUTHORS_ONLY, DOING, PERMISSIONS, transition_of
from domain.request.models import RequestState
from domain.values import Reference
from storage.accounts import UnknownUser, User, UserDirectory
from web.draft_form import ADD_LINE, REMOVE_LINE, DraftFields, FormAction
from web.forms import DateFields, FormErrors, choice, chosen, domain_problems, lines, pence, text
from web.pages import SIGN_IN, form_accepted, page, redirect, refused_form
from web.present import pounds_field
from web.request_view import RequestView, listed_rows, request_view
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

REQUESTS = "/funding-requests"
NEW_REQUEST = f"{REQUESTS}/new"

FORM_KEY = "form_key"
_REFERENCE = TypeAdapter(Reference)
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")

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


def not_found(request: Request, who: Visitor) -> Response:
    """The "Page not found" page, for a reference nobody created."""
    return page(request, who, "not_found.html", "Page not found", status_code=404)


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
            f"To {doing} you need {roles_text(needed)}. You are signed in as {user.name}, "
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
        needed=roles_text(needed),
        reference=state.reference,
    )


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


async def _meetings_open_for_tabling(request: Request) -> list[Any]:
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
    meetings = await _meetings_open_for_tabling(request) if Transition.table in view.allowed else []
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


async def send(
    request: Request,
    user: User,
    reference: str,
    command: Command,
    form: Mapping[str, Any],
) -> TransitionRefused | None:
    """Ask the request's workflow for ``command`` as ``user``; its refusal, or None.

    A request whose workflow has ended refuses like a rule does.
    """
    try:
        await web_services(request).requests.submit(
            reference, command, user.actor(), idempotency_key=update_id(form, user)
        )
    except TransitionRefused as refused:
        return refused
    except RecordFinished as finished:
        return TransitionRefused(
            "RecordFinished", str(finished), {"rule": "record-finished", "field": None}
        )
    return None


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
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, transition, view.state, refusal)
    errors = FormErrors()
    errors.add(page_anchor(refusal.field), refusal.message)
    return await show_request(request, who, user, view, status_code=409, errors=errors, typed=typed)


# --- the lists -----------------------------------------------------------------------


@router.get("/")
async def home(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """ "Your requests": those the signed-in person wrote or was named a co-author of,
    warnings first, each with its next deadline and what it needs from them now."""
    user = who.user
    if user is None:
        # The cookies are left as they are: the sign-in page tells a browser whose
        # session is over that it was signed out, and then drops the cookie.
        return redirect(SIGN_IN)
    rows = await listed_rows(web_services(request).requests, only_for=user.user_id)
    return page(
        request,
        who,
        "home.html",
        "Your requests",
        current="home",
        rows=rows,
        is_officer=Role.officer in user.roles,
    )


@router.get(REQUESTS)
async def all_requests(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Every request on the forum, which anyone signed in may read."""
    if who.user is None:
        return redirect(SIGN_IN)
    rows = await listed_rows(web_services(request).requests)
    return page(request, who, "requests.html", "All requests", current="all", rows=rows)


# --- a new request, and changes to its draft -----------------------------------------


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


@router.get(NEW_REQUEST)
async def new_request(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The form for a new request."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if Role.officer not in user.roles:
        return _officer_needed(request, who, user)
    return _draft_form(request, who, user, DraftFields())


def _line_change(form: Mapping[str, Any], fields: DraftFields) -> DraftFields | None:
    """The form with a line added or removed, if that is what the button asked for."""
    action = FormAction.read(form)
    if action.kind == ADD_LINE:
        return fields.with_line_added()
    if action.kind == REMOVE_LINE:
        return fields.with_line_removed(action.index)
    return None


@router.post(NEW_REQUEST)
async def create_request(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Create the request in drafting, or show the form again: with a line more or
    less, or with what to correct."""
    form = await request.form()
    if not form_accepted(form, who):
        return refused_form(request, who)
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    fields = DraftFields.read(form)
    changed = _line_change(form, fields)
    if changed is not None:
        return _draft_form(request, who, user, changed)
    draft, errors = fields.draft(reference=fields.reference, author_id=None)
    if draft is None:
        return _draft_form(request, who, user, fields, errors=errors, status_code=422)
    services = web_services(request)
    scheduled = tuple(m.meeting_date for m in await _meetings_open_for_tabling(request))
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
    return redirect(f"{request_url(draft.reference)}?done=created")


async def _guarded(
    request: Request, who: Visitor, reference: str, transition: Transition
) -> tuple[User, RequestView] | Response:
    """The person and the request, if the workflow says they may take ``transition``
    now; otherwise the page to show instead (sign in, not found, 403, or the request)."""
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


async def _posted(request: Request, who: Visitor) -> tuple[Mapping[str, Any], User] | Response:
    """The form and the person, if the form carries this browser's CSRF token."""
    form = await request.form()
    if not form_accepted(form, who):
        return refused_form(request, who)
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    return form, user


@router.get(f"{REQUESTS}/{{reference}}")
async def show(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The request page."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if not _valid_reference(reference):
        return not_found(request, who)
    try:
        view = await request_view(web_services(request).requests, reference, user)
    except NoSuchRequest:
        return not_found(request, who)
    return await show_request(request, who, user, view)


def _valid_reference(reference: str) -> bool:
    try:
        _REFERENCE.validate_python(reference)
    except ValidationError:
        return False
    return True


@router.get(f"{REQUESTS}/{{reference}}/edit")
async def edit_draft(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The draft, to change."""
    if not _valid_reference(reference):
        return not_found(request, who)
    guarded = await _guarded(request, who, reference, Transition.edit_draft)
    if isinstance(guarded, Response):
        return guarded
    user, view = guarded
    return _draft_form(request, who, user, DraftFields.of(view.state.draft), state=view.state)


@router.post(f"{REQUESTS}/{{reference}}/edit")
async def save_draft(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """Change the draft; the workflow's rules decide whether it may be changed."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    requests = web_services(request).requests
    try:
        state = await requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
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
        return redirect(f"{request_url(reference)}?done=edited")
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, Transition.edit_draft, state, refusal)
    errors.add(_draft_anchor(refusal.field), refusal.message)
    return _draft_form(request, who, user, fields, state=state, errors=errors, status_code=409)


def _draft_anchor(field: str | None) -> str:
    """The request form's input that a refusal naming ``field`` is about."""
    path = (field or "").removeprefix("draft.")
    return {
        "co_author_ids": "co-authors",
        "author_id": "co-authors",
        "reference": "title",
        "purpose": "purpose",
        "background": "background",
        "evaluation_plan": "measures",
    }.get(path, "title")


@router.post(f"{REQUESTS}/{{reference}}/submit")
async def submit_draft(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Submit the draft: option listing begins, or the submission rule says what is missing."""
    return await _button(request, who, reference, SubmitDraft(), "submitted")


async def _button(
    request: Request, who: Visitor, reference: str, command: Command, done: str
) -> Response:
    """An action with nothing to type: send it, and go back to the request page."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done={done}")
    return await refused_on_request_page(
        request, who, user, reference, transition_of(command), refusal
    )


# --- funding options and the recommendation ------------------------------------------


SOURCES = tuple(FundingSource)


def _option_form(
    request: Request,
    who: Visitor,
    state: RequestState,
    typed: Mapping[str, str],
    start: DateFields,
    end: DateFields,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        who,
        "option_form.html",
        f"Add a funding option to {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        sources=SOURCES,
        typed=typed,
        start=start,
        end=end,
        form_key=new_form_key(),
    )


@router.get(f"{REQUESTS}/{{reference}}/options/new")
async def new_option(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The form for a funding option, filled in with the request's cost and period, which
    most options pay in full (nothing the draft says is asked again)."""
    if not _valid_reference(reference):
        return not_found(request, who)
    guarded = await _guarded(request, who, reference, Transition.add_option)
    if isinstance(guarded, Response):
        return guarded
    _, view = guarded
    draft = view.state.draft
    typed = {"amount": pounds_field(draft.total_pence)}
    return _option_form(
        request,
        who,
        view.state,
        typed,
        DateFields.of(draft.period.start),
        DateFields.of(draft.period.end),
    )


def _option_id(state: RequestState, source: FundingSource) -> str:
    """An id for a new option from its source ("centrally-retained"), unique on the request."""
    base = source.value.replace("_", "-")
    taken = {option.option_id for option in state.options}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


_OPTION_FIELDS = {
    "source": "source",
    "source_detail": "source-detail",
    "amount_pence": "amount",
    "period": "period-start-day",
    "conditions": "conditions",
    "covers": "covers",
    "option_id": "source",
    "decision_type": "source",
}


@router.post(f"{REQUESTS}/{{reference}}/options/new")
async def add_option(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """List the option on the request, or show the form again with what to correct."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    try:
        state = await web_services(request).requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
    typed = {
        "source": text(form, "source"),
        "source-detail": text(form, "source-detail"),
        "amount": text(form, "amount"),
        "conditions": "\n".join(lines(form, "conditions")),
        "covers": text(form, "covers"),
    }
    start, end = DateFields.read(form, "period-start"), DateFields.read(form, "period-end")
    errors = FormErrors()
    source = choice(form, "source", (s.value for s in SOURCES))
    if source is None:
        errors.add("source", "Select where the money would come from")
    amount = pence(typed["amount"], "amount", "the amount", errors)
    first = start.value(
        "period-start", "the date the option's funding starts", errors, required=True
    )
    last = end.value("period-end", "the date the option's funding ends", errors, required=True)

    def again(status: int) -> Response:
        return _option_form(
            request, who, state, typed, start, end, errors=errors, status_code=status
        )

    if errors or source is None:
        return again(422)
    funding_source = FundingSource(source)
    try:
        option = FundingOption.model_validate(
            {
                "option_id": _option_id(state, funding_source),
                "source": funding_source,
                "source_detail": typed["source-detail"] or None,
                "amount_pence": amount,
                "period": {"start": first, "end": last},
                "conditions": tuple(typed["conditions"].splitlines()),
                "covers": typed["covers"] or None,
            }
        )
    except ValidationError as error:
        for loc, _, message in domain_problems(error):
            field = "period-end-day" if loc[:2] == ("period", "end") else None
            errors.add(field or _OPTION_FIELDS.get(loc[0] if loc else "", "source"), message)
        return again(422)
    refusal = await send(request, user, reference, AddOption(option=option), form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done=option-added")
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, Transition.add_option, state, refusal)
    field = (refusal.field or "").removeprefix("option.")
    errors.add(_OPTION_FIELDS.get(field, "source"), refusal.message)
    return again(409)


@router.post(f"{REQUESTS}/{{reference}}/options/{{option_id}}/remove")
async def remove_option(
    request: Request, reference: str, option_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """Take the option off the request."""
    try:
        command = RemoveOption(option_id=option_id)
    except ValidationError:
        return not_found(request, who)
    return await _button(request, who, reference, command, "option-removed")


NO_OPTION = "none"
CHOICE = "choice"
OPTION = "option:"
"""The recommendation form's answers: no option yet, a choice, or ``option:`` and one id."""


def _recommendation_form(
    request: Request,
    who: Visitor,
    state: RequestState,
    typed: Mapping[str, Any],
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        who,
        "recommendation_form.html",
        f"The recommendation for {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        typed=typed,
        form_key=new_form_key(),
        NO_OPTION=NO_OPTION,
        CHOICE=CHOICE,
    )


def _typed_recommendation(recommendation: Recommendation | None) -> dict[str, Any]:
    """The recommendation form showing ``recommendation`` (empty for none)."""
    if recommendation is None:
        return {"text": "", "recommend": "", "choice-options": ()}
    if recommendation.mode == "one_of":
        recommend = CHOICE
    elif len(recommendation.option_ids) == 1:
        recommend = f"{OPTION}{recommendation.option_ids[0]}"
    else:
        recommend = NO_OPTION if not recommendation.option_ids else ""
    return {
        "text": recommendation.text,
        "recommend": recommend,
        "choice-options": recommendation.option_ids if recommend == CHOICE else (),
    }


@router.get(f"{REQUESTS}/{{reference}}/recommendation")
async def recommendation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The form for what the forum is asked to agree."""
    if not _valid_reference(reference):
        return not_found(request, who)
    guarded = await _guarded(request, who, reference, Transition.set_recommendation)
    if isinstance(guarded, Response):
        return guarded
    _, view = guarded
    typed = _typed_recommendation(view.state.recommendation)
    return _recommendation_form(request, who, view.state, typed)


@router.post(f"{REQUESTS}/{{reference}}/recommendation")
async def set_recommendation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Write the recommendation: one listed option, a choice between named options, or
    (as seed 000's paper did) none yet, which the tabling rule will refuse."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    try:
        state = await web_services(request).requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
    listed = [option.option_id for option in state.options]
    typed: dict[str, Any] = {
        "text": text(form, "text"),
        "recommend": text(form, "recommend"),
        "choice-options": tuple(i for i in chosen(form, "choice-options") if i in listed),
    }
    errors = FormErrors()
    recommend = choice(form, "recommend", (*(OPTION + i for i in listed), CHOICE, NO_OPTION))
    if recommend is None:
        errors.add("recommend", "Select which funding option the forum is asked to agree")
    if recommend == CHOICE:
        option_ids, mode = typed["choice-options"], "one_of"
    elif recommend in (None, NO_OPTION):
        option_ids, mode = (), "all_of"
    else:
        option_ids, mode = (recommend.removeprefix(OPTION),), "all_of"

    def again(status: int) -> Response:
        return _recommendation_form(request, who, state, typed, errors=errors, status_code=status)

    try:
        written = Recommendation.model_validate(
            {"text": typed["text"], "option_ids": option_ids, "mode": mode}
        )
    except ValidationError as error:
        for loc, _, message in domain_problems(error):
            if loc[:1] == ("text",):
                errors.add("text", "Enter what the forum is asked to agree")
            else:
                errors.add("choice-options", message)
        return again(422)
    if errors:
        return again(422)
    command = SetRecommendation(recommendation=written)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done=recommendation-set")
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, Transition.set_recommendation, state, refusal)
    errors.add("recommend", refusal.message)
    return again(409)


# --- tabling, withdrawal and the evaluation ------------------------------------------


@router.post(f"{REQUESTS}/{{reference}}/table")
async def table(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The chair tables the request for a scheduled meeting, with that meeting's
    membership; the tabling rules may refuse it."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    meetings = {m.meeting_id: m for m in await _meetings_open_for_tabling(request)}
    meeting_id = choice(form, "meeting", meetings)
    typed = {"meeting": text(form, "meeting")}
    meeting = None
    if meeting_id is not None:
        with contextlib.suppress(NoSuchMeeting):  # listed, then gone: choose again
            meeting = await web_services(request).meetings.state(meeting_id)
    if meeting is None:
        view = await request_view(web_services(request).requests, reference, user)
        errors = FormErrors()
        errors.add("meeting", "Select the meeting to table the request for")
        return await show_request(
            request, who, user, view, status_code=422, errors=errors, typed=typed
        )
    command = TableRequest(meeting_date=meeting.meeting_day, membership=meeting.membership)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done=tabled")
    return await refused_on_request_page(
        request, who, user, reference, Transition.table, refusal, typed
    )


def _reason_form(
    request: Request,
    who: Visitor,
    state: RequestState,
    reason: str,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        who,
        "withdraw_form.html",
        f"Withdraw {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        reason=reason,
        form_key=new_form_key(),
    )


@router.get(f"{REQUESTS}/{{reference}}/withdraw")
async def withdraw_form(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Ask why the request is withdrawn: the audit trail keeps the reason."""
    if not _valid_reference(reference):
        return not_found(request, who)
    guarded = await _guarded(request, who, reference, Transition.withdraw)
    if isinstance(guarded, Response):
        return guarded
    return _reason_form(request, who, guarded[1].state, "")


@router.post(f"{REQUESTS}/{{reference}}/withdraw")
async def withdraw(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """Withdraw the request, with the reason."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    try:
        state = await web_services(request).requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
    reason = text(form, "reason")
    errors = FormErrors()
    try:
        command = Withdraw(reason=reason)
    except ValidationError:
        errors.add("reason", "Enter why the request is withdrawn")
        return _reason_form(request, who, state, reason, errors=errors, status_code=422)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done=withdrawn")
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, Transition.withdraw, state, refusal)
    errors.add("reason", refusal.message)
    return _reason_form(request, who, state, reason, errors=errors, status_code=409)


def _measures(state: RequestState) -> tuple[str, ...]:
    plan = state.draft.evaluation_plan
    return plan.measures if plan else ()


def _evaluation_form(
    request: Request,
    who: Visitor,
    state: RequestState,
    typed: Mapping[str, str],
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        who,
        "evaluation_form.html",
        f"Report the evaluation of {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        state=state,
        measures=_measures(state),
        typed=typed,
        form_key=new_form_key(),
    )


@router.get(f"{REQUESTS}/{{reference}}/evaluation")
async def evaluation_form(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The form for the evaluation report: one outcome per measure the plan named."""
    if not _valid_reference(reference):
        return not_found(request, who)
    guarded = await _guarded(request, who, reference, Transition.report_evaluation)
    if isinstance(guarded, Response):
        return guarded
    return _evaluation_form(request, who, guarded[1].state, {})


@router.post(f"{REQUESTS}/{{reference}}/evaluation")
async def report_evaluation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Report what the money achieved; a measure left empty is recorded as not reported."""
    posted = await _posted(request, who)
    if isinstance(posted, Response):
        return posted
    form, user = posted
    if not _valid_reference(reference):
        return not_found(request, who)
    try:
        state = await web_services(request).requests.state(reference)
    except NoSuchRequest:
        return not_found(request, who)
    measures = _measures(state)
    typed = {"summary": text(form, "summary"), "recommendation": text(form, "recommendation")}
    errors = FormErrors()
    outcomes = []
    for i, measure in enumerate(measures):
        value_raw, unit = text(form, f"outcome-{i}-value"), text(form, f"outcome-{i}-unit")
        typed[f"outcome-{i}-value"], typed[f"outcome-{i}-unit"] = value_raw, unit
        if not value_raw and not unit:
            continue
        value = _signed_whole(value_raw, f"outcome-{i}-value", measure, errors)
        if not unit:
            errors.add(f"outcome-{i}-unit", f"Enter the unit of {measure}, like referrals")
        outcomes.append({"measure": measure, "value": value, "unit": unit})
    if typed["recommendation"] not in ("extend", "end"):
        errors.add("recommendation", "Select whether you recommend extending or ending the work")
    if not outcomes and not errors and measures:
        errors.add("outcome-0-value", "Enter at least one outcome")

    def again(status: int) -> Response:
        return _evaluation_form(request, who, state, typed, errors=errors, status_code=status)

    if errors:
        return again(422)
    try:
        report = EvaluationReport.model_validate(
            {
                "summary": typed["summary"],
                "outcomes": tuple(outcomes),
                "recommendation": typed["recommendation"],
                "reported_by": user.user_id,
            }
        )
    except ValidationError as error:
        for loc, _, message in domain_problems(error):
            if loc[:1] == ("summary",):
                errors.add("summary", "Enter a summary of what the money achieved")
            else:
                errors.add("outcome-0-value", message)
        return again(422)
    refusal = await send(request, user, reference, ReportEvaluation(report=report), form)
    if refusal is None:
        return redirect(f"{request_url(reference)}?done=evaluation-reported")
    if refusal.rule in ("role-not-permitted", "officer-not-author"):
        return forbidden(request, who, user, Transition.report_evaluation, state, refusal)
    errors.add("summary", refusal.message)
    return again(409)


def _signed_whole(raw: str, field_id: str, measure: str, errors: FormErrors) -> int | None:
    """A measured value typed as a whole number (it may be negative: a fall)."""
    digits = raw.replace(",", "")
    if not re.fullmatch(r"-?\d+", digits):
        errors.add(field_id, f"Enter {measure} as a whole number, like 707")
        return None
    return int(digits)
