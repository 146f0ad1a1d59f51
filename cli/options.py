"""Option and argument types the command modules share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.inputs import parse_date, parse_london_time, pounds_to_pence

# str, not Path: typer compares a Path with "-" and so never lets the dash through.
JsonFile = Annotated[
    str,
    typer.Option(
        "--file",
        "-f",
        exists=True,
        dir_okay=False,
        readable=True,
        allow_dash=True,
        help="a JSON file holding the body ('-' reads stdin)",
    ),
]
OptionalJsonFile = Annotated[
    str | None,
    typer.Option(
        "--file",
        "-f",
        exists=True,
        dir_okay=False,
        readable=True,
        allow_dash=True,
        help="a JSON file holding the body ('-' reads stdin); flags override its fields",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="send the same key when retrying: the action then takes effect once",
    ),
]
Reference = Annotated[str, typer.Argument(help="the request's reference, e.g. SMF-2018-EHP")]
MeetingId = Annotated[str, typer.Argument(help="the meeting's id, e.g. meeting-2018-07-04")]
Reason = Annotated[str, typer.Option("--reason", help="why (recorded in the audit trail)")]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        dir_okay=False,
        writable=True,
        help="write the document to this file (stdout without it)",
    ),
]
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


def DateOption(*names: str, help: str) -> Any:  # noqa: N802
    """A YYYY-MM-DD option."""
    return typer.Option(*names, parser=parse_date, metavar="YYYY-MM-DD", help=help)


def TimeOption(*names: str, help: str) -> Any:  # noqa: N802
    """A London date-and-time option."""
    return typer.Option(*names, parser=parse_london_time, metavar="YYYY-MM-DDTHH:MM", help=help)


def MoneyOption(*names: str, help: str) -> Any:  # noqa: N802
    """An amount in pounds, sent as pence."""
    return typer.Option(*names, parser=pounds_to_pence, metavar="£AMOUNT", help=help)
