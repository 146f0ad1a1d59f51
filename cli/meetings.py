"""Commands on forum meetings: schedule one, read it, and one per meeting action.

Each action is ``POST /meetings/{id}/actions/{transition}`` (see :mod:`cli.actions`);
the API and the meeting's workflow decide whether it is allowed.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.actions import Aggregate, act
from cli.inputs import membership_body, present_ids, read_object, split_ids
from cli.options import (
    DateOption,
    IdempotencyKey,
    MeetingId,
    OptionalJsonFile,
    PresentFile,
    PresentOption,
    Reason,
    TimeOption,
)
from cli.render import meetings as render
from cli.session import Session, segment
from cli.vocabulary import MeetingStage

meeting_app = typer.Typer(
    help="Schedule meetings, run their agenda and action log.", no_args_is_help=True
)

RequestRef = Annotated[str, typer.Option("--request", help="the request's reference")]


@meeting_app.command("schedule")
def schedule(
    ctx: typer.Context,
    meeting_id: Annotated[
        str | None, typer.Argument(help="e.g. meeting-2018-07-04 (else the file's)")
    ] = None,
    starts_at: Annotated[
        datetime | None, TimeOption("--starts-at", help="London time, e.g. 2018-07-04T14:00")
    ] = None,
    location: Annotated[str | None, typer.Option(help="where the forum meets")] = None,
    membership: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="a JSON file of the forum's membership"),
    ] = None,
    previous: Annotated[
        str | None, typer.Option(help="the previous meeting's id (whose minutes it confirms)")
    ] = None,
    settings: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="a JSON file of the forum's settings"),
    ] = None,
    after_the_event: Annotated[
        bool,
        typer.Option(
            "--after-the-event", help="enter a meeting already held, so its decisions are recorded"
        ),
    ] = False,
    file: OptionalJsonFile = None,
) -> None:
    """Schedule a meeting (chair or clerk), from flags or a JSON file; flags win."""
    start: dict[str, Any] = read_object(file) if file is not None else {}
    if meeting_id is not None:
        start["meeting_id"] = meeting_id
    if starts_at is not None:
        start["starts_at"] = starts_at.isoformat()
    if location is not None:
        start["location"] = location
    if membership is not None:
        start["membership"] = membership_body(membership)
    if previous is not None:
        start["previous_meeting_id"] = previous
    if settings is not None:
        start["settings"] = read_object(settings)
    if after_the_event:
        start["recorded_after_the_event"] = True
    session = Session.of(ctx)
    session.show(session.call("POST", "/meetings", body=start), render.meeting_state)


@meeting_app.command("list")
def list_meetings(
    ctx: typer.Context,
    stage: Annotated[MeetingStage | None, typer.Option(help="only meetings at this stage")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many")] = 100,
) -> None:
    """The forum's meetings, the latest first."""
    session = Session.of(ctx)
    params = {"stage": stage.value if stage else None, "limit": limit}
    session.show(session.call("GET", "/meetings", params=params), render.meeting_list)


@meeting_app.command("show")
def show(ctx: typer.Context, meeting_id: MeetingId) -> None:
    """The whole meeting: agenda, attendance, action log and its audit trail."""
    session = Session.of(ctx)
    session.show(session.call("GET", f"/meetings/{segment(meeting_id)}"), render.meeting_state)


@meeting_app.command("agenda")
def agenda(ctx: typer.Context, meeting_id: MeetingId) -> None:
    """The agenda as published: when and where, the papers deadline and the items."""
    session = Session.of(ctx)
    response = session.call("GET", f"/meetings/{segment(meeting_id)}/agenda")
    session.show(response, render.meeting_agenda)


@meeting_app.command("add-item")
def add_item(
    ctx: typer.Context,
    meeting_id: MeetingId,
    request: RequestRef,
    title: Annotated[str, typer.Option(help="the item's title on the agenda")],
    late_reason: Annotated[
        str | None, typer.Option(help="after the papers deadline: why it is taken late")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Put a request on the agenda (chair)."""
    body: dict[str, Any] = {"request_ref": request, "title": title}
    if late_reason is not None:
        body["late_reason"] = late_reason
    act(ctx, Aggregate.meeting, meeting_id, "add_item", body, idempotency_key)


@meeting_app.command("remove-item")
def remove_item(
    ctx: typer.Context,
    meeting_id: MeetingId,
    request: RequestRef,
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Take a request off the agenda before the meeting (chair)."""
    body = {"request_ref": request, "reason": reason}
    act(ctx, Aggregate.meeting, meeting_id, "remove_item", body, idempotency_key)


@meeting_app.command("move")
def move(
    ctx: typer.Context,
    meeting_id: MeetingId,
    starts_at: Annotated[
        datetime, TimeOption("--starts-at", help="the new time, London, e.g. 2018-07-11T14:00")
    ],
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Move the meeting to another time; its id stays the same (chair)."""
    body = {"new_starts_at": starts_at.isoformat(), "reason": reason}
    act(ctx, Aggregate.meeting, meeting_id, "move_meeting", body, idempotency_key)


@meeting_app.command("attendance")
def attendance(
    ctx: typer.Context,
    meeting_id: MeetingId,
    present: PresentOption = None,
    file: PresentFile = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record who is present (clerk); replaces earlier attendance."""
    body = {"present_member_ids": present_ids(present, file)}
    act(ctx, Aggregate.meeting, meeting_id, "record_attendance", body, idempotency_key)


@meeting_app.command("open")
def open_meeting(
    ctx: typer.Context, meeting_id: MeetingId, idempotency_key: IdempotencyKey = None
) -> None:
    """Open a quorate meeting (chair)."""
    act(ctx, Aggregate.meeting, meeting_id, "open_meeting", {}, idempotency_key)


@meeting_app.command("mark-item")
def mark_item(
    ctx: typer.Context,
    meeting_id: MeetingId,
    request: RequestRef,
    status: Annotated[
        str, typer.Option(help="pending, decided, deferred, not_reached or withdrawn")
    ],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record what became of an agenda item (clerk)."""
    body = {"request_ref": request, "status": status}
    act(ctx, Aggregate.meeting, meeting_id, "mark_item", body, idempotency_key)


@meeting_app.command("order-item")
def order_item(
    ctx: typer.Context,
    meeting_id: MeetingId,
    request: RequestRef,
    position: Annotated[int, typer.Option(min=1, help="the item's place: 1 is first")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Move an agenda item to another place in the order (clerk or chair)."""
    body = {"request_ref": request, "position": position}
    act(ctx, Aggregate.meeting, meeting_id, "order_item", body, idempotency_key)


@meeting_app.command("publish")
def publish(
    ctx: typer.Context, meeting_id: MeetingId, idempotency_key: IdempotencyKey = None
) -> None:
    """Publish the agenda and papers, recording when (clerk or chair)."""
    act(ctx, Aggregate.meeting, meeting_id, "publish_agenda", {}, idempotency_key)


@meeting_app.command("add-action")
def add_action(
    ctx: typer.Context,
    meeting_id: MeetingId,
    action_id: Annotated[str, typer.Option("--action-id", help="the action's id")],
    request: RequestRef,
    description: Annotated[str, typer.Option(help="what is to be done")],
    owner: Annotated[str, typer.Option(help="who does it")],
    carried_from: Annotated[
        list[str] | None,
        typer.Option(metavar="MEETING_ID", help="an earlier meeting it was due at (repeat)"),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Log an action due at this meeting (clerk)."""
    body: dict[str, Any] = {
        "action_id": action_id,
        "request_ref": request,
        "description": description,
        "owner": owner,
    }
    if carried_from:
        body["carried_from"] = split_ids(carried_from)
    act(ctx, Aggregate.meeting, meeting_id, "add_action", body, idempotency_key)


@meeting_app.command("complete-action")
def complete_action(
    ctx: typer.Context,
    meeting_id: MeetingId,
    action_id: Annotated[str, typer.Argument(help="the action's id")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Mark an action done (clerk or officer)."""
    act(
        ctx,
        Aggregate.meeting,
        meeting_id,
        "complete_action",
        {"action_id": action_id},
        idempotency_key,
    )


@meeting_app.command("confirm-previous")
def confirm_previous(
    ctx: typer.Context, meeting_id: MeetingId, idempotency_key: IdempotencyKey = None
) -> None:
    """Confirm the previous meeting's minutes at this one (chair)."""
    act(ctx, Aggregate.meeting, meeting_id, "confirm_previous_minutes", {}, idempotency_key)


@meeting_app.command("close")
def close_meeting(
    ctx: typer.Context,
    meeting_id: MeetingId,
    next_meeting: Annotated[
        str | None, typer.Option(help="the next meeting, to carry unfinished business to")
    ] = None,
    next_date: Annotated[
        date | None, DateOption("--next-date", help="the next meeting's day, for the notices")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Close the meeting (chair)."""
    body: dict[str, Any] = {}
    if next_meeting is not None:
        body["next_meeting_id"] = next_meeting
    if next_date is not None:
        body["next_meeting_date"] = next_date.isoformat()
    act(ctx, Aggregate.meeting, meeting_id, "close_meeting", body, idempotency_key)


@meeting_app.command("cancel")
def cancel(
    ctx: typer.Context,
    meeting_id: MeetingId,
    reason: Reason,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Cancel a meeting that has not opened (chair)."""
    act(ctx, Aggregate.meeting, meeting_id, "cancel_meeting", {"reason": reason}, idempotency_key)


def install(app: typer.Typer) -> None:
    """Add the meeting commands to ``app``."""
    app.add_typer(meeting_app, name="meeting")
