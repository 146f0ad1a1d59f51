"""What people type, turned into what the API takes: pence, ISO dates, JSON bodies.

The CLI checks only what it must to build a body; the API validates the rest and a
refusal (422) names the field and the rule.

Amounts are typed in pounds as a paper writes them ("£89,604", "89604", "89604.00",
"£12.50") and sent as whole pence; anything that is not a whole number of pence is
refused, never rounded. Times without an offset are Europe/London wall time.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer

from cli.vocabulary import LONDON

_POUNDS = re.compile(r"^(?:£|GBP\s*)?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?$")


def pounds_to_pence(text: str) -> int:
    """ "£89,604" -> 8960400; "12.5" -> 1250. Raises ``typer.BadParameter`` otherwise."""
    match = _POUNDS.match(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not an amount in pounds; write it like £89,604 or 89604.00 "
            "(whole pence at most, no minus sign)"
        )
    whole = int(match["whole"].replace(",", ""))
    pence = int((match["pence"] or "0").ljust(2, "0"))
    return whole * 100 + pence


def parse_date(text: str) -> date:
    """An ISO date, 2018-07-04."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def parse_london_time(text: str) -> datetime:
    """An ISO date and time; without an offset it is London wall time (BST or GMT)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date and time; write it as YYYY-MM-DDTHH:MM (London time)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path`` ("-" reads stdin)."""
    try:
        text = typer.get_text_stream("stdin").read() if str(path) == "-" else Path(path).read_text()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise typer.BadParameter(f"{path} is not valid JSON: {error}") from None


def read_object(path: str | Path) -> dict[str, Any]:
    """A JSON object from ``path``."""
    document = read_json(path)
    if not isinstance(document, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object")
    return document


def split_ids(values: list[str] | None) -> list[str]:
    """Ids given as repeated options and/or comma-separated lists, in order."""
    found: list[str] = []
    for value in values or ():
        found.extend(part.strip() for part in value.split(",") if part.strip())
    return found


def membership_body(path: Path) -> Any:
    """A membership file: {"members": [...]}, a bare list of members, or {"membership"}."""
    document = read_json(path)
    if isinstance(document, list):
        return {"members": document}
    if isinstance(document, dict) and "membership" in document:
        return document["membership"]
    return document


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
