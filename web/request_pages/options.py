"""The funding options on a request: the form that lists one, and taking one off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from domain.request.commands import AddOption, RemoveOption, Transition
from domain.request.draft import FundingOption, FundingSource
from domain.request.models import RequestState
from storage.accounts import User
from web.forms import DateFields, choice, domain_problems, lines, pence, text
from web.present import pounds_field
from web.request_pages.common import REQUESTS, not_found
from web.request_pages.form_page import Reading, RequestForm
from web.request_pages.request_page import button
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

SOURCES = tuple(FundingSource)

# The option form's input for each field of a funding option.
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


def _option_id(state: RequestState, source: FundingSource) -> str:
    """An id for a new option from its source ("centrally-retained"), unique on the request."""
    base = source.value.replace("_", "-")
    taken = {option.option_id for option in state.options}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _blank_option(state: RequestState) -> dict[str, Any]:
    """The request's cost and period, which most options pay in full (nothing the draft
    says is asked again)."""
    draft = state.draft
    return {
        "typed": {"amount": pounds_field(draft.total_pence)},
        "start": DateFields.of(draft.period.start),
        "end": DateFields.of(draft.period.end),
    }


def _read_option(form: Mapping[str, Any], state: RequestState, user: User) -> Reading:
    """The funding option typed, or what to correct in it."""
    typed = {
        "source": text(form, "source"),
        "source-detail": text(form, "source-detail"),
        "amount": text(form, "amount"),
        "conditions": "\n".join(lines(form, "conditions")),
        "covers": text(form, "covers"),
    }
    start, end = DateFields.read(form, "period-start"), DateFields.read(form, "period-end")
    reading = Reading({"typed": typed, "start": start, "end": end})
    errors = reading.errors
    source = choice(form, "source", (s.value for s in SOURCES))
    if source is None:
        errors.add("source", "Select where the money would come from")
    amount = pence(typed["amount"], "amount", "the amount", errors)
    first = start.value(
        "period-start", "the date the option's funding starts", errors, required=True
    )
    last = end.value("period-end", "the date the option's funding ends", errors, required=True)
    if errors or source is None:
        return reading
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
        return reading
    reading.command = AddOption(option=option)
    return reading


def _option_refused_at(field: str | None) -> str:
    """The option form's input that a workflow refusal naming ``field`` is about."""
    return _OPTION_FIELDS.get((field or "").removeprefix("option."), "source")


OPTION_FORM = RequestForm(
    template="option_form.html",
    title="Add a funding option to {reference}",
    transition=Transition.add_option,
    done="option-added",
    refused_at=_option_refused_at,
    blank=_blank_option,
    read=_read_option,
    fixed=lambda state: {"sources": SOURCES},
)


@router.get(f"{REQUESTS}/{{reference}}/options/new")
async def new_option(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The form for a funding option, filled in with the request's cost and period."""
    return await OPTION_FORM.show(request, who, reference)


@router.post(f"{REQUESTS}/{{reference}}/options/new")
async def add_option(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """List the option on the request, or show the form again with what to correct."""
    return await OPTION_FORM.take(request, who, reference)


@router.post(f"{REQUESTS}/{{reference}}/options/{{option_id}}/remove")
async def remove_option(
    request: Request, reference: str, option_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """Take the option off the request."""
    try:
        command = RemoveOption(option_id=option_id)
    except ValidationError:
        return not_found(request, who)
    return await button(request, who, reference, command, "option-removed")
