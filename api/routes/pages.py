"""Pages people read in a browser: a request's minute or decision notice, as HTML.

The notice states where the money comes from in plain words, because that is what the
forum's record has to make plain. Every string a person typed (titles, minute text,
amendments, names) is escaped, so a request cannot inject markup into the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from api.auth import current_user, services
from api.problems import ApiError, json_problem_responses
from api.services import ApiServices
from api.utc import UtcRoute
from domain.audit import AuditEntry
from domain.calendar import format_uk_date
from domain.notices import format_london_deadline
from domain.request.commands import Transition
from domain.request.decision import Decision, PhaseDecision, PhaseOutcome
from domain.request.draft import FundingOption
from domain.request.models import RequestState, Stage
from domain.values import Reference, format_pence
from storage.accounts import User

router = APIRouter(tags=["pages"], route_class=UtcRoute)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}dt{font-weight:600}dd{margin:0 0 .5rem 0}"
    "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.25rem .5rem;"
    "text-align:left}"
)


@router.get(
    "/requests/{reference}/notice",
    response_class=HTMLResponse,
    responses={
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "The minute (or, before minuting, the decision notice) as a page",
        },
        **json_problem_responses(401, 404, 409, 422),
    },
    summary="Minute or decision notice (HTML)",
)
async def notice_page(
    reference: Reference,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> HTMLResponse:
    """The request's minute, or its decision notice until it is minuted: the funding
    source, amount, period, meeting, outcome, votes, amendments and confirmation.
    Any signed-in user may read it; 409 until the forum has decided."""
    state = await svc.requests.state(reference)
    if state.decision is None:
        raise ApiError(
            409,
            "refused",
            f"Request {reference} has no decision to publish: it is at stage "
            f"'{state.stage.value}'. Its notice appears once the forum has voted on it.",
            rule="notice-requires-decision",
            field="decision",
        )
    return HTMLResponse(render_notice(state, state.decision))


def render_notice(state: RequestState, decision: Decision) -> str:
    """The notice of ``decision`` on ``state`` as a whole HTML document."""
    minute = state.minute
    kind = "Minute" if minute is not None else "Decision notice"
    title = f"{kind}: {state.draft.title} ({state.reference})"
    agreed = state.agreed_options if minute is not None else _chosen(state, decision)
    rows = [
        ("Request", f"{state.draft.title} ({state.reference})"),
        ("Meeting", format_uk_date(decision.meeting_date)),
        ("Outcome", decision.outcome.label.capitalize()),
        ("Amount", _amount(state, agreed)),
        ("Period", _period(state, agreed)),
        ("Votes", _votes(decision)),
    ]
    rows.extend((f"De-delegation, {p.group.label}", _phase(p)) for p in decision.phases)
    if decision.reason:
        rows.append(("Reason", decision.reason))
    amendments = minute.amendments if minute is not None else decision.amendments
    parts = [
        f"<h1>Schools Forum: {escape(kind)}</h1>",
        f"<p><strong>{escape(f'Funded from: {_sources(agreed)}')}</strong></p>",
        _definitions(rows),
        _options_table(agreed),
        "<h2>Amendments</h2>",
        _list(amendments) if amendments else "<p>None: the recommendation was not amended.</p>",
    ]
    if minute is not None:
        parts += ["<h2>Minute</h2>", f"<p>{escape(minute.text)}</p>"]
        if minute.actions:
            parts.append("<h2>Actions</h2>")
            parts.append(
                _list(
                    f"{a.description} ({a.owner}, by the meeting on "
                    f"{format_uk_date(a.due_meeting)})"
                    for a in minute.actions
                )
            )
    parts.append(f"<h2>Record</h2>{_record(state)}")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def _chosen(state: RequestState, decision: Decision) -> tuple[FundingOption, ...]:
    chosen = set(decision.chosen_option_ids)
    return tuple(o for o in state.options if o.option_id in chosen)


def _sources(agreed: tuple[FundingOption, ...]) -> str:
    if not agreed:
        return "nothing: no funding was agreed"
    return "; ".join(option.source_label for option in agreed)


def _amount(state: RequestState, agreed: tuple[FundingOption, ...]) -> str:
    if state.minute is not None:
        return format_pence(state.minute.amount_pence)
    if not agreed:
        return f"none agreed (the request asked for {format_pence(state.draft.total_pence)})"
    return format_pence(sum(option.amount_pence for option in agreed))


def _period(state: RequestState, agreed: tuple[FundingOption, ...]) -> str:
    if state.minute is not None and state.minute.period is not None:
        return state.minute.period.label
    labels = list(dict.fromkeys(option.period.label for option in agreed))
    return "; ".join(labels) if labels else f"none agreed (asked for {state.draft.period.label})"


def _votes(decision: Decision) -> str:
    tally = decision.tally
    text = f"For: {tally.for_count}, Against: {tally.against_count}, Abstained: {tally.abstentions}"
    if tally.casting_vote_used:
        text += f"; decided by the chair's casting vote ({tally.casting_vote_by})"
    return text


def _phase(phase: PhaseDecision) -> str:
    if phase.outcome is PhaseOutcome.not_decided:
        return "Not decided: no member of the phase was present"
    tally = phase.tally
    return (
        f"{phase.outcome.value.capitalize()} for its schools. For: {tally.for_count}, "
        f"Against: {tally.against_count}, Abstained: {tally.abstentions}"
    )


def _definitions(rows: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(value)}</dd>" for term, value in rows)
    return f"<dl>{items}</dl>"


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _options_table(agreed: tuple[FundingOption, ...]) -> str:
    if not agreed:
        return ""
    rows = "".join(
        "<tr>"
        f"<td>{escape(o.source_label)}</td>"
        f"<td>{escape(format_pence(o.amount_pence))}</td>"
        f"<td>{escape(o.period.label)}</td>"
        f"<td>{escape('; '.join(o.conditions) or 'none')}</td>"
        "</tr>"
        for o in agreed
    )
    return (
        "<h2>Agreed funding</h2><table><thead><tr><th>Source</th><th>Amount</th>"
        f"<th>Period</th><th>Conditions</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _last(state: RequestState, transition: Transition) -> AuditEntry[Stage] | None:
    # The audit runs on across funding periods; the latest entry is this period's.
    return next((e for e in reversed(state.audit) if e.transition == transition.value), None)


def _record(state: RequestState) -> str:
    lines: list[str] = []
    closed = _last(state, Transition.close_vote)
    if closed is not None:
        lines.append(f"Vote closed by {closed.actor_name} at {format_london_deadline(closed.at)}.")
    minuted = _last(state, Transition.record_minute) if state.minute is not None else None
    if minuted is not None:
        lines.append(f"Minuted by {minuted.actor_name} at {format_london_deadline(minuted.at)}.")
    confirmed = _last(state, Transition.confirm_minutes)
    if state.minutes_confirmed_at is not None and confirmed is not None:
        at = format_london_deadline(state.minutes_confirmed_at)
        lines.append(f"Minutes confirmed by {confirmed.actor_name} at {at}.")
    elif state.minute is not None:
        lines.append("Minutes not yet confirmed: they await the chair's confirmation.")
    elif state.decision is not None and state.decision.outcome.is_approval:
        lines.append("Not yet minuted: the clerk records the minute of an approval.")
    else:
        # Only an approval commits money, so only an approval is minuted.
        lines.append("A decision that agrees no funding is not minuted; this notice records it.")
    return "".join(f"<p>{escape(line)}</p>" for line in lines)
