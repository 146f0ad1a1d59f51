"""A form about one request (its option, recommendation, withdrawal or evaluation): shown
when the workflow allows the action, read and checked when sent, shown again with what to
correct, and otherwise sent to the workflow as one command."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from domain.request.commands import Command, Transition
from domain.request.models import RequestState
from storage.accounts import User
from web.forms import FormErrors, domain_problems
from web.pages import page, redirect
from web.request_pages.common import (
    done_url,
    forbidden,
    guarded,
    new_form_key,
    not_theirs,
    posted_about,
    send,
)
from web.sessions import Visitor


@dataclass
class Reading:
    """What a sent form said: the template's values to show it again with, the problems
    found, and the command to send when there are none."""

    shown: dict[str, Any]
    errors: FormErrors = field(default_factory=FormErrors)
    command: Command | None = None


def add_problems(
    errors: FormErrors, error: ValidationError, field_id: str, message: str, rest: str
) -> None:
    """The domain's objections to a form: one to the field ``field_id`` as ``message``
    beside its input, any other in the domain's words beside ``rest``."""
    for loc, _, problem in domain_problems(error):
        if loc[:1] == (field_id,):
            errors.add(field_id, message)
        else:
            errors.add(rest, problem)


def _nothing(state: RequestState) -> dict[str, Any]:
    """No values beyond the request for the template."""
    return {}


@dataclass(frozen=True)
class RequestForm:
    """One form's page: its template and title (``{reference}`` in it stands for the
    request's), the transition it asks for, the ``done`` banner on success, the input a
    workflow refusal naming a field is shown beside, the values it starts with, and how
    a sent form is read."""

    template: str
    title: str
    transition: Transition
    done: str
    refused_at: Callable[[str | None], str]
    blank: Callable[[RequestState], dict[str, Any]]
    read: Callable[[Mapping[str, Any], RequestState, User], Reading]
    fixed: Callable[[RequestState], dict[str, Any]] = _nothing

    def render(
        self,
        request: Request,
        who: Visitor,
        state: RequestState,
        shown: Mapping[str, Any],
        *,
        errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> Response:
        """The form about ``state``, with ``shown`` in it and ``errors`` beside it."""
        return page(
            request,
            who,
            self.template,
            self.title.format(reference=state.reference),
            status_code=status_code,
            error=bool(errors),
            errors=errors or FormErrors(),
            state=state,
            form_key=new_form_key(),
            **self.fixed(state),
            **shown,
        )

    async def show(self, request: Request, who: Visitor, reference: str) -> Response:
        """The empty form, if the workflow allows the action now."""
        allowed = await guarded(request, who, reference, self.transition)
        if isinstance(allowed, Response):
            return allowed
        state = allowed[1].state
        return self.render(request, who, state, self.blank(state))

    async def take(self, request: Request, who: Visitor, reference: str) -> Response:
        """Send the form's command, or show the form again with what to correct (422) or
        what the workflow refused (409); a refusal about who asked is the 403 page."""
        sent = await posted_about(request, who, reference)
        if isinstance(sent, Response):
            return sent
        form, user, state = sent
        reading = self.read(form, state, user)
        errors = reading.errors
        if reading.command is None or errors:
            return self.render(request, who, state, reading.shown, errors=errors, status_code=422)
        refusal = await send(request, user, reference, reading.command, form)
        if refusal is None:
            return redirect(done_url(reference, self.done))
        if not_theirs(refusal):
            return forbidden(request, who, user, self.transition, state, refusal)
        errors.add(self.refused_at(refusal.field), refusal.message)
        return self.render(request, who, state, reading.shown, errors=errors, status_code=409)
