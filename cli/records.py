"""The record the forum keeps: the decision register, and the calendar feed."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import DateOption, Output
from cli.render import register as render
from cli.session import Session
from cli.vocabulary import FundingSource

register_app = typer.Typer(
    help="The decision register: what was decided, and where the money came from.",
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    """The register's export formats."""

    csv = "csv"
    json = "json"


def _filters(
    source: FundingSource | None,
    kind: str | None,
    outcome: str | None,
    since: date | None,
    until: date | None,
    request: str | None,
) -> dict[str, Any]:
    return {
        "source": source.value if source else None,
        "kind": kind,
        "outcome": outcome,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "request_ref": request,
    }


Source = Annotated[
    FundingSource | None, typer.Option(help="an agreed option is funded from this source")
]
Kind = Annotated[
    str | None,
    typer.Option(help="decision, minute_confirmed, evaluation or funding_period"),
]
Outcome = Annotated[
    str | None, typer.Option(help="approved, approved_as_amended, rejected, deferred, ...")
]
Since = Annotated[date | None, DateOption("--since", help="meeting (else recorded) on or after")]
Until = Annotated[date | None, DateOption("--until", help="meeting (else recorded) on or before")]
Request = Annotated[str | None, typer.Option("--request", help="one request's entries only")]


@register_app.command("list")
def list_entries(
    ctx: typer.Context,
    source: Source = None,
    kind: Kind = None,
    outcome: Outcome = None,
    since: Since = None,
    until: Until = None,
    request: Request = None,
) -> None:
    """Register entries, oldest first, with the funding source of every agreed pound."""
    session = Session.of(ctx)
    params = _filters(source, kind, outcome, since, until, request)
    session.show(session.call("GET", "/register", params=params), render.register_entries)


@register_app.command("export")
def export(
    ctx: typer.Context,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, or json rows")
    ] = ExportFormat.csv,
    output: Output = None,
    source: Source = None,
    kind: Kind = None,
    outcome: Outcome = None,
    since: Since = None,
    until: Until = None,
    request: Request = None,
) -> None:
    """The register as flat rows, one per agreed funding option (money in pence)."""
    session = Session.of(ctx)
    params = _filters(source, kind, outcome, since, until, request)
    response = session.call("GET", f"/register/export.{export_format.value}", params=params)
    session.save(response, output, f"the register ({export_format.value.upper()})")


def calendar(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            writable=True,
            help="the .ics file to write ('-' for stdout)",
        ),
    ] = Path("forum.ics"),
) -> None:
    """Write the forum's calendar (meetings, papers deadlines, what is due) as an .ics file."""
    session = Session.of(ctx)
    session.save(session.call("GET", "/calendar.ics"), output, "the calendar")


def install(app: typer.Typer) -> None:
    """Add the register and calendar commands to ``app``."""
    app.add_typer(register_app, name="register")
    app.command("calendar")(calendar)
