"""The recommendation: what the forum is asked to agree, and which option it names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from domain.request.commands import SetRecommendation, Transition
from domain.request.draft import Recommendation
from domain.request.models import RequestState
from storage.accounts import User
from web.forms import choice, chosen, text
from web.request_pages.common import REQUESTS
from web.request_pages.form_page import Reading, RequestForm, add_problems
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

NO_OPTION = "none"
CHOICE = "choice"
OPTION = "option:"
"""The recommendation form's answers: no option yet, a choice, or ``option:`` and one id."""


def _typed_recommendation(state: RequestState) -> dict[str, Any]:
    """The recommendation form showing the request's recommendation (empty for none)."""
    recommendation = state.recommendation
    if recommendation is None:
        return {"typed": {"text": "", "recommend": "", "choice-options": ()}}
    if recommendation.mode == "one_of":
        recommend = CHOICE
    elif len(recommendation.option_ids) == 1:
        recommend = f"{OPTION}{recommendation.option_ids[0]}"
    else:
        recommend = NO_OPTION if not recommendation.option_ids else ""
    typed = {
        "text": recommendation.text,
        "recommend": recommend,
        "choice-options": recommendation.option_ids if recommend == CHOICE else (),
    }
    return {"typed": typed}


def _read_recommendation(form: Mapping[str, Any], state: RequestState, user: User) -> Reading:
    """The recommendation written, or what to correct in it."""
    listed = [option.option_id for option in state.options]
    typed: dict[str, Any] = {
        "text": text(form, "text"),
        "recommend": text(form, "recommend"),
        "choice-options": tuple(i for i in chosen(form, "choice-options") if i in listed),
    }
    reading = Reading({"typed": typed})
    errors = reading.errors
    recommend = choice(form, "recommend", (*(OPTION + i for i in listed), CHOICE, NO_OPTION))
    if recommend is None:
        errors.add("recommend", "Select which funding option the forum is asked to agree")
    if recommend == CHOICE:
        option_ids, mode = typed["choice-options"], "one_of"
    elif recommend in (None, NO_OPTION):
        option_ids, mode = (), "all_of"
    else:
        option_ids, mode = (recommend.removeprefix(OPTION),), "all_of"
    try:
        written = Recommendation.model_validate(
            {"text": typed["text"], "option_ids": option_ids, "mode": mode}
        )
    except ValidationError as error:
        add_problems(
            errors, error, "text", "Enter what the forum is asked to agree", "choice-options"
        )
        return reading
    reading.command = SetRecommendation(recommendation=written)
    return reading


RECOMMENDATION_FORM = RequestForm(
    template="recommendation_form.html",
    title="The recommendation for {reference}",
    transition=Transition.set_recommendation,
    done="recommendation-set",
    refused_at=lambda field: "recommend",
    blank=_typed_recommendation,
    read=_read_recommendation,
    fixed=lambda state: {"NO_OPTION": NO_OPTION, "CHOICE": CHOICE},
)


@router.get(f"{REQUESTS}/{{reference}}/recommendation")
async def recommendation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The form for what the forum is asked to agree."""
    return await RECOMMENDATION_FORM.show(request, who, reference)


@router.post(f"{REQUESTS}/{{reference}}/recommendation")
async def set_recommendation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Write the recommendation: one listed option, a choice between named options, or
    (as seed 000's paper did) none yet, which the tabling rule will refuse."""
    return await RECOMMENDATION_FORM.take(request, who, reference)
