"""What comes of a request after its options: tabling it for a meeting, withdrawing it,
and reporting the evaluation of what the money achieved."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from clients.meetings import NoSuchMeeting
from domain.request.commands import ReportEvaluation, TableRequest, Transition, Withdraw
from domain.request.decision import EvaluationReport
from domain.request.models import RequestState
from storage.accounts import User
from web.forms import FormErrors, choice, text
from web.pages import redirect
from web.request_pages.common import REQUESTS, done_url, not_found, posted, send, valid_reference
from web.request_pages.form_page import Reading, RequestForm, add_problems
from web.request_pages.request_page import (
    meetings_open_for_tabling,
    refused_on_request_page,
    show_request,
)
from web.request_view import request_view
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)


@router.post(f"{REQUESTS}/{{reference}}/table")
async def table(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """The chair tables the request for a scheduled meeting, with that meeting's
    membership; the tabling rules may refuse it."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    form, user = sent
    if not valid_reference(reference):
        return not_found(request, who)
    meetings = {m.meeting_id: m for m in await meetings_open_for_tabling(request)}
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
    command = TableRequest(meeting_id=meeting.meeting_id)
    refusal = await send(request, user, reference, command, form)
    if refusal is None:
        return redirect(done_url(reference, "tabled"))
    return await refused_on_request_page(
        request, who, user, reference, Transition.table, refusal, typed
    )


def _read_withdrawal(form: Mapping[str, Any], state: RequestState, user: User) -> Reading:
    """The reason the request is withdrawn, which the audit trail keeps."""
    reason = text(form, "reason")
    reading = Reading({"reason": reason})
    try:
        reading.command = Withdraw(reason=reason)
    except ValidationError:
        reading.errors.add("reason", "Enter why the request is withdrawn")
    return reading


WITHDRAW_FORM = RequestForm(
    template="withdraw_form.html",
    title="Withdraw {reference}",
    transition=Transition.withdraw,
    done="withdrawn",
    refused_at=lambda field: "reason",
    blank=lambda state: {"reason": ""},
    read=_read_withdrawal,
)


@router.get(f"{REQUESTS}/{{reference}}/withdraw")
async def withdraw_form(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Ask why the request is withdrawn: the audit trail keeps the reason."""
    return await WITHDRAW_FORM.show(request, who, reference)


@router.post(f"{REQUESTS}/{{reference}}/withdraw")
async def withdraw(request: Request, reference: str, who: Visitor = Depends(visitor)) -> Response:
    """Withdraw the request, with the reason."""
    return await WITHDRAW_FORM.take(request, who, reference)


def _measures(state: RequestState) -> tuple[str, ...]:
    """The measures the evaluation plan named, one outcome asked for each."""
    plan = state.draft.evaluation_plan
    return plan.measures if plan else ()


def _signed_whole(raw: str, field_id: str, measure: str, errors: FormErrors) -> int | None:
    """A measured value typed as a whole number (it may be negative: a fall)."""
    digits = raw.replace(",", "")
    if not re.fullmatch(r"-?\d+", digits):
        errors.add(field_id, f"Enter {measure} as a whole number, like 707")
        return None
    return int(digits)


def _read_evaluation(form: Mapping[str, Any], state: RequestState, user: User) -> Reading:
    """The evaluation report typed; a measure left empty is recorded as not reported."""
    measures = _measures(state)
    typed = {"summary": text(form, "summary"), "recommendation": text(form, "recommendation")}
    reading = Reading({"typed": typed})
    errors = reading.errors
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
    if errors:
        return reading
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
        summary = "Enter a summary of what the money achieved"
        add_problems(errors, error, "summary", summary, "outcome-0-value")
        return reading
    reading.command = ReportEvaluation(report=report)
    return reading


EVALUATION_FORM = RequestForm(
    template="evaluation_form.html",
    title="Report the evaluation of {reference}",
    transition=Transition.report_evaluation,
    done="evaluation-reported",
    refused_at=lambda field: "summary",
    blank=lambda state: {"typed": {}},
    read=_read_evaluation,
    fixed=lambda state: {"measures": _measures(state)},
)


@router.get(f"{REQUESTS}/{{reference}}/evaluation")
async def evaluation_form(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The form for the evaluation report: one outcome per measure the plan named."""
    return await EVALUATION_FORM.show(request, who, reference)


@router.post(f"{REQUESTS}/{{reference}}/evaluation")
async def report_evaluation(
    request: Request, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """Report what the money achieved; a measure left empty is recorded as not reported."""
    return await EVALUATION_FORM.take(request, who, reference)
