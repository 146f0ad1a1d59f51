"""Commands on a funding request from tabling on: the meeting, the vote, the minute, after.

Tabling, attendance, the vote, amendments and deferral, the minute and its
confirmation, the evaluation, and extending or closing the work; withdrawing is here
too, since it ends a request the forum has not decided. Each is one action (see
:mod:`cli.actions`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.actions import Aggregate, act
from cli.inputs import membership_body, present_ids, read_object
from cli.options import (
    DateOption,
    IdempotencyKey,
    JsonFile,
    PresentFile,
    PresentOption,
    Reason,
    Reference,
)
from cli.vocabulary import VoteChoice

vote_app = typer.Typer(help="Open the vote, cast a vote, close the vote.", no_args_is_help=True)
minute_app = typer.Typer(help="The clerk's minute of an approval.", no_args_is_help=True)
minutes_app = typer.Typer(help="The chair confirms the minutes.", no_args_is_help=True)
evaluation_app = typer.Typer(help="What the money achieved.", no_args_is_help=True)


def table_request(
    ctx: typer.Context,
    reference: Reference,
    meeting: Annotated[
        str | None,
        typer.Option(
            "--meeting",
            help="the scheduled meeting's id: the request goes on its agenda and follows it",
        ),
    ] = None,
    late_reason: Annotated[
        str | None,
        typer.Option("--late-reason", help="why papers are taken after the papers deadline"),
    ] = None,
    meeting_date: Annotated[
        date | None,
        DateOption("--meeting-date", help="without --meeting: the meeting's day"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            "--membership",
            exists=True,
            dir_okay=False,
            help="without --meeting: a JSON file of the forum's membership for that meeting",
        ),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Put the request on a scheduled meeting's agenda (chair). Name the meeting with
    --meeting; or give --meeting-date and --membership for a meeting forumflow does not
    run, whose agenda the clerk keeps elsewhere."""
    body: dict[str, Any] = {}
    if meeting is not None:
        body["meeting_id"] = meeting
    if meeting_date is not None:
        body["meeting_date"] = meeting_date.isoformat()
    if file is not None:
        body["membership"] = membership_body(file)
    if late_reason is not None:
        body["late_reason"] = late_reason
    act(ctx, Aggregate.request, reference, "table", body, idempotency_key)


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
    act(ctx, Aggregate.request, reference, "follow_meeting", body, idempotency_key)


def leave_agenda(
    ctx: typer.Context,
    reference: Reference,
    meeting: Annotated[str, typer.Option("--meeting", help="the meeting it is tabled for")],
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Send a tabled request back to option listing, off its meeting's agenda (chair;
    forumflow does this itself when the item is removed or the meeting cancelled)."""
    body = {"meeting_id": meeting, "reason": reason}
    act(ctx, Aggregate.request, reference, "leave_agenda", body, idempotency_key)


def withdraw(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """Withdraw the request before it is decided (officer)."""
    act(ctx, Aggregate.request, reference, "withdraw", {"reason": reason}, idempotency_key)


def attendance(
    ctx: typer.Context,
    reference: Reference,
    present: PresentOption = None,
    file: PresentFile = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record who is present at the meeting (clerk); replaces earlier attendance."""
    body = {"present_member_ids": present_ids(present, file)}
    act(ctx, Aggregate.request, reference, "record_attendance", body, idempotency_key)


@vote_app.command("open")
def open_vote(
    ctx: typer.Context, reference: Reference, idempotency_key: IdempotencyKey = None
) -> None:
    """Open the vote on the recommendation (chair)."""
    act(ctx, Aggregate.request, reference, "open_vote", {}, idempotency_key)


@vote_app.command("cast")
def cast_vote(
    ctx: typer.Context,
    reference: Reference,
    choice: Annotated[VoteChoice, typer.Argument(help="for, against or abstain")],
    option: Annotated[
        str | None, typer.Option("--option", help="in a choice, the option you support")
    ] = None,
    member: Annotated[
        str | None,
        typer.Option("--for-member", help="clerk: the member whose vote you record for them"),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Cast your vote (member), or record a member's vote on their behalf (clerk)."""
    body: dict[str, Any] = {"choice": choice.value}
    if option is not None:
        body["option_id"] = option
    if member is not None:
        body["member_id"] = member
    act(ctx, Aggregate.request, reference, "cast_vote", body, idempotency_key)


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
    act(ctx, Aggregate.request, reference, "close_vote", body, idempotency_key)


def amend(
    ctx: typer.Context,
    reference: Reference,
    text: Annotated[str, typer.Option("--text", help="the amendment the meeting made")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record an amendment the meeting made to the recommendation (clerk)."""
    act(
        ctx,
        Aggregate.request,
        reference,
        "amend_recommendation",
        {"amendment": text},
        idempotency_key,
    )


def defer(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """Send the request back to option listing (chair)."""
    act(ctx, Aggregate.request, reference, "defer", {"reason": reason}, idempotency_key)


@minute_app.command("record")
def record_minute(
    ctx: typer.Context, reference: Reference, file: JsonFile, idempotency_key: IdempotencyKey = None
) -> None:
    """Record the minute of an approval (clerk), from a JSON file; money in pence."""
    minute = read_object(file)
    act(
        ctx,
        Aggregate.request,
        reference,
        "record_minute",
        {"minute": minute.get("minute", minute)},
        idempotency_key,
    )


@minutes_app.command("confirm")
def confirm_minutes(
    ctx: typer.Context, reference: Reference, idempotency_key: IdempotencyKey = None
) -> None:
    """Confirm the minutes: the decision is now final (chair)."""
    act(ctx, Aggregate.request, reference, "confirm_minutes", {}, idempotency_key)


@evaluation_app.command("report")
def report_evaluation(
    ctx: typer.Context, reference: Reference, file: JsonFile, idempotency_key: IdempotencyKey = None
) -> None:
    """Report what the money achieved (officer), from a JSON file."""
    report = read_object(file)
    act(
        ctx,
        Aggregate.request,
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
    act(ctx, Aggregate.request, reference, "extend", body, idempotency_key)


def close(
    ctx: typer.Context, reference: Reference, reason: Reason, idempotency_key: IdempotencyKey = None
) -> None:
    """End the work; the request is closed (chair)."""
    act(ctx, Aggregate.request, reference, "close", {"reason": reason}, idempotency_key)


def install(app: typer.Typer) -> None:
    """Add the commands of the forum's part to ``app``."""
    app.command("table")(table_request)
    app.command("follow-meeting")(follow_meeting)
    app.command("leave-agenda")(leave_agenda)
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
