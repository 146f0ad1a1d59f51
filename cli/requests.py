"""Commands on funding requests up to the meeting: draft, read, find, list options, recommend.

Each action is ``POST /requests/{ref}/actions/{transition}`` with that command's
fields (see :mod:`cli.actions`); the API and the request's workflow decide whether it
is allowed. The forum's part, from tabling on, is in :mod:`cli.decisions`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.actions import Aggregate, act
from cli.inputs import read_object, split_ids
from cli.options import (
    DateOption,
    IdempotencyKey,
    JsonFile,
    MoneyOption,
    OptionalJsonFile,
    Output,
    Reference,
)
from cli.render import requests as render
from cli.render.actions import allowed_actions
from cli.session import Session, segment
from cli.vocabulary import DecisionType, FundingSource, Stage

request_app = typer.Typer(help="Draft, read and find funding requests.", no_args_is_help=True)
option_app = typer.Typer(help="List or remove the request's funding options.", no_args_is_help=True)


def _draft_body(path: str, reference: str | None) -> dict[str, Any]:
    """The draft in ``path`` (a bare draft, or a body with a "draft" key)."""
    document = read_object(path)
    body = dict(document) if "draft" in document else {"draft": document}
    if not isinstance(body["draft"], dict):
        raise typer.BadParameter(f"{path}: the draft must be a JSON object")
    if reference is not None:
        body["draft"] = {**body["draft"], "reference": reference}
    return body


# --- forum request ... -------------------------------------------------------------


@request_app.command("create")
def create(
    ctx: typer.Context,
    file: JsonFile,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="use this reference instead of the draft's"),
    ] = None,
    settings: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="a JSON file of the forum's settings"),
    ] = None,
    meeting: Annotated[
        list[date] | None,
        DateOption("--meeting", help="a published meeting date (repeat for each)"),
    ] = None,
) -> None:
    """Draft a new request (officer) from a JSON draft, e.g. examples/middlesbrough-draft.json.

    The file holds the draft (or a whole body: {"draft", "settings",
    "scheduled_meetings"}). Money in it is whole pence.
    """
    body = _draft_body(file, reference)
    if settings is not None:
        body["settings"] = read_object(settings)
    if meeting:
        body["scheduled_meetings"] = [day.isoformat() for day in meeting]
    session = Session.of(ctx)
    session.show(session.call("POST", "/requests", body=body), render.request_state)


@request_app.command("edit")
def edit(
    ctx: typer.Context, reference: Reference, file: JsonFile, idempotency_key: IdempotencyKey = None
) -> None:
    """Replace the draft (officer); its reference is always REFERENCE."""
    act(
        ctx,
        Aggregate.request,
        reference,
        "edit_draft",
        {"draft": _draft_body(file, reference)["draft"]},
        idempotency_key,
    )


@request_app.command("submit")
def submit(
    ctx: typer.Context, reference: Reference, idempotency_key: IdempotencyKey = None
) -> None:
    """Finish drafting and move on to listing funding options (officer)."""
    act(ctx, Aggregate.request, reference, "submit_draft", {}, idempotency_key)


@request_app.command("show")
def show(ctx: typer.Context, reference: Reference) -> None:
    """The request as it stands: draft, options, recommendation, votes, decision, minute."""
    session = Session.of(ctx)
    session.show(session.call("GET", f"/requests/{segment(reference)}"), render.request_state)


@request_app.command("audit")
def audit(ctx: typer.Context, reference: Reference) -> None:
    """Every accepted change and every notice sent, oldest first."""
    session = Session.of(ctx)
    response = session.call("GET", f"/requests/{segment(reference)}/audit")
    session.show(response, render.audit_trail)


@request_app.command("deadlines")
def deadlines(ctx: typer.Context, reference: Reference) -> None:
    """What is due on the request, when (London time) and by whom."""
    session = Session.of(ctx)
    response = session.call("GET", f"/requests/{segment(reference)}/deadlines")
    session.show(response, render.deadlines)


@request_app.command("actions")
def actions(ctx: typer.Context, reference: Reference) -> None:
    """What you may do next on the request, and the command for each."""
    session = Session.of(ctx)
    response = session.call("GET", f"/requests/{segment(reference)}/allowed-actions")
    session.show(response, allowed_actions)


@request_app.command("list")
def list_requests(
    ctx: typer.Context,
    stage: Annotated[Stage | None, typer.Option(help="only requests at this stage")] = None,
    meeting_date: Annotated[
        date | None, DateOption("--meeting-date", help="only requests tabled for this meeting")
    ] = None,
    funding_source: Annotated[
        FundingSource | None, typer.Option(help="only requests with an option from this source")
    ] = None,
    deadline_before: Annotated[
        date | None,
        DateOption("--deadline-before", help="only requests with a deadline on or before this day"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many")] = 100,
) -> None:
    """Find requests, newest first."""
    session = Session.of(ctx)
    params = {
        "stage": stage.value if stage else None,
        "meeting_date": meeting_date.isoformat() if meeting_date else None,
        "funding_source": funding_source.value if funding_source else None,
        "deadline_before": deadline_before.isoformat() if deadline_before else None,
        "limit": limit,
    }
    session.show(session.call("GET", "/requests", params=params), render.request_list)


@request_app.command("notice")
def notice(ctx: typer.Context, reference: Reference, output: Output = None) -> None:
    """The request's minute, or its decision notice until minuted, as an HTML page.

    There is none until the forum has voted (exit code 3).
    """
    session = Session.of(ctx)
    response = session.call("GET", f"/requests/{segment(reference)}/notice")
    session.save(response, output, "the notice")


# --- forum option ... --------------------------------------------------------------


@option_app.command("add")
def add_option(
    ctx: typer.Context,
    reference: Reference,
    file: OptionalJsonFile = None,
    option_id: Annotated[
        str | None, typer.Option("--id", help="the option's id, e.g. central")
    ] = None,
    source: Annotated[FundingSource | None, typer.Option(help="where the money comes from")] = None,
    source_detail: Annotated[
        str | None, typer.Option(help="e.g. the grant's name (needed for other_grant)")
    ] = None,
    amount: Annotated[int | None, MoneyOption("--amount", help="in pounds, e.g. £89,604")] = None,
    start: Annotated[date | None, DateOption("--start", help="first day it pays for")] = None,
    end: Annotated[date | None, DateOption("--end", help="last day it pays for")] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option(metavar="TEXT", help="a condition attached (repeat for each)"),
    ] = None,
    decision_type: Annotated[DecisionType | None, typer.Option(help="who may vote on it")] = None,
    covers: Annotated[str | None, typer.Option(help="the part of the cost it pays for")] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """List one more funding option (officer), from --file or from flags."""
    option: dict[str, Any] = read_object(file) if file is not None else {}
    option = option.get("option", option)
    flags: dict[str, Any] = {
        "option_id": option_id,
        "source": source.value if source else None,
        "source_detail": source_detail,
        "amount_pence": amount,
        "conditions": condition,
        "decision_type": decision_type.value if decision_type else None,
        "covers": covers,
    }
    option.update({k: v for k, v in flags.items() if v is not None})
    if start is not None or end is not None:
        period = dict(option.get("period") or {})
        if start is not None:
            period["start"] = start.isoformat()
        if end is not None:
            period["end"] = end.isoformat()
        option["period"] = period
    act(ctx, Aggregate.request, reference, "add_option", {"option": option}, idempotency_key)


@option_app.command("remove")
def remove_option(
    ctx: typer.Context,
    reference: Reference,
    option_id: Annotated[str, typer.Argument(help="the option's id")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Take a listed option off the request (officer)."""
    act(
        ctx,
        Aggregate.request,
        reference,
        "remove_option",
        {"option_id": option_id},
        idempotency_key,
    )


# --- forum recommend ---------------------------------------------------------------


def recommend(
    ctx: typer.Context,
    reference: Reference,
    text: Annotated[str | None, typer.Option(help="what the forum is asked to agree")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", metavar="OPTION_ID", help="a recommended option's id (repeat)"),
    ] = None,
    one_of: Annotated[
        bool, typer.Option("--one-of", help="the forum chooses one of the named options")
    ] = False,
    file: OptionalJsonFile = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Write (or rewrite) what the forum is asked to agree (officer)."""
    recommendation: dict[str, Any] = read_object(file) if file is not None else {}
    recommendation = recommendation.get("recommendation", recommendation)
    if text is not None:
        recommendation["text"] = text
    if option:
        recommendation["option_ids"] = split_ids(option)
    if one_of:
        recommendation["mode"] = "one_of"
    act(
        ctx,
        Aggregate.request,
        reference,
        "set_recommendation",
        {"recommendation": recommendation},
        idempotency_key,
    )


def install(app: typer.Typer) -> None:
    """Add the drafting commands to ``app``."""
    app.add_typer(request_app, name="request")
    app.add_typer(option_app, name="option")
    app.command("recommend")(recommend)
