"""Commands on funding requests: one per action a person takes in the lifecycle.

Each action is ``POST /requests/{ref}/actions/{transition}`` with that command's
fields; the API and the request's workflow decide whether it is allowed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import render
from cli.inputs import read_json, read_object, split_ids
from cli.options import (
    DateOption,
    IdempotencyKey,
    JsonFile,
    MoneyOption,
    OptionalJsonFile,
    Output,
    Reason,
    Reference,
)
from cli.session import Session, segment
from domain.models import DecisionType, FundingSource, Stage, VoteChoice

request_app = typer.Typer(help="Draft, read and find funding requests.", no_args_is_help=True)
option_app = typer.Typer(help="List or remove the request's funding options.", no_args_is_help=True)
vote_app = typer.Typer(help="Open the vote, cast a vote, close the vote.", no_args_is_help=True)
minute_app = typer.Typer(help="The clerk's minute of an approval.", no_args_is_help=True)
minutes_app = typer.Typer(help="The chair confirms the minutes.", no_args_is_help=True)
evaluation_app = typer.Typer(help="What the money achieved.", no_args_is_help=True)


def act(
    ctx: typer.Context,
    reference: str,
    transition: str,
    body: dict[str, Any],
    idempotency_key: str | None = None,
) -> None:
    """Ask the API for ``transition`` on the request and show what it did."""
    session = Session.of(ctx)
    response = session.call(
        "POST",
        f"/requests/{segment(reference)}/actions/{transition}",
        body=body,
        idempotency_key=idempotency_key,
    )
    session.show(response, render.transition_result)


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
    act(ctx, reference, "submit_draft", {}, idempotency_key)


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
    session.show(response, render.allowed_actions)


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
    act(ctx, reference, "add_option", {"option": option}, idempotency_key)


@option_app.command("remove")
def remove_option(
    ctx: typer.Context,
    reference: Reference,
    option_id: Annotated[str, typer.Argument(help="the option's id")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Take a listed option off the request (officer)."""
    act(ctx, reference, "remove_option", {"option_id": option_id}, idempotency_key)


# --- one command each --------------------------------------------------------------


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
    act(ctx, reference, "set_recommendation", {"recommendation": recommendation}, idempotency_key)


def membership_body(path: Path) -> Any:
    """A membership file: {"members": [...]}, a bare list of members, or {"membership"}."""
    document = read_json(path)
    if isinstance(document, list):
        return {"members": document}
    if isinstance(document, dict) and "membership" in document:
        return document["membership"]
    return document


def table_request(
    ctx: typer.Context,
    reference: Reference,
    meeting_date: Annotated[date, DateOption("--meeting-date", help="the meeting's day")],
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            "-f",
            "--membership",
            exists=True,
            dir_okay=False,
            help="a JSON file of the forum's membership for that meeting",
        ),
    ],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Put the request on a meeting's agenda with the forum's membership (chair)."""
    body = {"meeting_date": meeting_date.isoformat(), "membership": membership_body(file)}
    act(ctx, reference, "table", body, idempotency_key)


def follow_meeting(
    ctx: typer.Context,
    reference: Reference,
    meeting: Annotated[str, typer.Option("--meeting", help="the moved meeting's id")],
    from_date: Annotated[date, DateOption("--from", help="the day the request is tabled for now")],
    to_date: Annotated[date, DateOption("--to", help="the meeting's new day")],
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Move a tabled request to its meeting's new day (chair; forumflow does this itself
    for requests on a moved meeting's agenda)."""
    body = {
        "meeting_id": meeting,
        "from_date": from_date.isoformat(),
        "meeting_date": to_date.isoformat(),
        "reason": reason,
    }
    act(ctx, reference, "follow_meeting", body, idempotency_key)


def withdraw(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """Withdraw the request before it is decided (officer)."""
    act(ctx, reference, "withdraw", {"reason": reason}, idempotency_key)


def present_ids(present: list[str] | None, file: Path | None) -> list[str]:
    """Member ids from --present, and from a file of ids or of a membership (everyone)."""
    ids = split_ids(present)
    if file is not None:
        document = read_json(file)
        if isinstance(document, dict) and "present_member_ids" in document:
            document = document["present_member_ids"]
        elif isinstance(document, dict) and "members" in document:
            document = [m.get("member_id") for m in document["members"] if isinstance(m, dict)]
        if not isinstance(document, list):
            raise typer.BadParameter(
                f"{file}: give a JSON list of member ids, or a membership (everyone is present)"
            )
        ids.extend(str(i) for i in document)
    if not ids:
        raise typer.BadParameter("name who is present with --present or --file")
    return ids


PresentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--present", metavar="MEMBER_ID", help="a present member's id (repeat, or comma-separate)"
    ),
]
PresentFile = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        exists=True,
        dir_okay=False,
        help="a JSON list of present ids, or a membership file (all of it present)",
    ),
]


def attendance(
    ctx: typer.Context,
    reference: Reference,
    present: PresentOption = None,
    file: PresentFile = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record who is present at the meeting (clerk); replaces earlier attendance."""
    body = {"present_member_ids": present_ids(present, file)}
    act(ctx, reference, "record_attendance", body, idempotency_key)


@vote_app.command("open")
def open_vote(
    ctx: typer.Context, reference: Reference, idempotency_key: IdempotencyKey = None
) -> None:
    """Open the vote on the recommendation (chair)."""
    act(ctx, reference, "open_vote", {}, idempotency_key)


@vote_app.command("cast")
def cast_vote(
    ctx: typer.Context,
    reference: Reference,
    choice: Annotated[VoteChoice, typer.Argument(help="for, against or abstain")],
    option: Annotated[
        str | None, typer.Option("--option", help="in a choice, the option you support")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Cast your vote (member)."""
    body: dict[str, Any] = {"choice": choice.value}
    if option is not None:
        body["option_id"] = option
    act(ctx, reference, "cast_vote", body, idempotency_key)


@vote_app.command("close")
def close_vote(
    ctx: typer.Context,
    reference: Reference,
    defer: Annotated[
        str | None, typer.Option("--defer", help="defer the request instead, for this reason")
    ] = None,
    casting_vote: Annotated[
        VoteChoice | None, typer.Option(help="the chair's casting vote on a tie")
    ] = None,
    casting_option: Annotated[
        str | None, typer.Option(help="the option the casting vote supports, in a choice")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Close the vote and decide, or defer (chair)."""
    body: dict[str, Any] = {}
    if defer is not None:
        body["defer_reason"] = defer
    if casting_vote is not None:
        body["chair_casting_choice"] = casting_vote.value
    if casting_option is not None:
        body["chair_casting_option_id"] = casting_option
    act(ctx, reference, "close_vote", body, idempotency_key)


def amend(
    ctx: typer.Context,
    reference: Reference,
    text: Annotated[str, typer.Option("--text", help="the amendment the meeting made")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record an amendment the meeting made to the recommendation (clerk)."""
    act(ctx, reference, "amend_recommendation", {"amendment": text}, idempotency_key)


def defer(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """Send the request back to option listing (chair)."""
    act(ctx, reference, "defer", {"reason": reason}, idempotency_key)


@minute_app.command("record")
def record_minute(
    ctx: typer.Context, reference: Reference, file: JsonFile, idempotency_key: IdempotencyKey = None
) -> None:
    """Record the minute of an approval (clerk), from a JSON file; money in pence."""
    minute = read_object(file)
    act(ctx, reference, "record_minute", {"minute": minute.get("minute", minute)}, idempotency_key)


@minutes_app.command("confirm")
def confirm_minutes(
    ctx: typer.Context, reference: Reference, idempotency_key: IdempotencyKey = None
) -> None:
    """Confirm the minutes: the decision is now final (chair)."""
    act(ctx, reference, "confirm_minutes", {}, idempotency_key)


@evaluation_app.command("report")
def report_evaluation(
    ctx: typer.Context, reference: Reference, file: JsonFile, idempotency_key: IdempotencyKey = None
) -> None:
    """Report what the money achieved (officer), from a JSON file."""
    report = read_object(file)
    act(
        ctx,
        reference,
        "report_evaluation",
        {"report": report.get("report", report)},
        idempotency_key,
    )


def extend(
    ctx: typer.Context,
    reference: Reference,
    start: Annotated[date, DateOption("--start", help="first day of the new funding period")],
    end: Annotated[date, DateOption("--end", help="last day of the new funding period")],
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Extend the work: a new funding cycle for the new period starts (chair)."""
    body = {"new_period": {"start": start.isoformat(), "end": end.isoformat()}, "reason": reason}
    act(ctx, reference, "extend", body, idempotency_key)


def close(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """End the work; the request is closed (chair)."""
    act(ctx, reference, "close", {"reason": reason}, idempotency_key)


def install(app: typer.Typer) -> None:
    """Add the request commands to ``app``."""
    app.add_typer(request_app, name="request")
    app.add_typer(option_app, name="option")
    app.command("recommend")(recommend)
    app.command("table")(table_request)
    app.command("follow-meeting")(follow_meeting)
    app.command("withdraw")(withdraw)
    app.command("attendance")(attendance)
    app.add_typer(vote_app, name="vote")
    app.command("amend")(amend)
    app.command("defer")(defer)
    app.add_typer(minute_app, name="minute")
    app.add_typer(minutes_app, name="minutes")
    app.add_typer(evaluation_app, name="evaluation")
    app.command("extend")(extend)
    app.command("close")(close)
