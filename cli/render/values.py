"""Single values for people, and the table shapes every listing uses.

The CLI formats for itself, as a paper writes them: money is whole pence on the wire
and shown as pounds ("£89,604", "£12.50"); days are UK long dates ("4 July 2018")
spelled out rather than taken from the process locale; instants are shown on the
London clock, the forum's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from cli.vocabulary import LONDON, SOURCE_LABELS

NONE = "-"

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def money(pence: Any) -> str:
    """Whole pence as pounds: "£89,604", or "£12.50" when there are pence."""
    if not isinstance(pence, int):
        return NONE
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def uk_date(value: Any) -> str:
    """An ISO date (or date-time) as a UK long date, e.g. "4 July 2018"."""
    if not value:
        return NONE
    text = str(value)
    if "T" in text:
        return london_time(text, with_time=False)
    return _long_date(date.fromisoformat(text))


def london_time(value: Any, *, with_time: bool = True) -> str:
    """An ISO instant in Europe/London, e.g. "4 July 2018 14:00"."""
    if not value:
        return NONE
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # astimezone would read it as this machine's local time
        raise ValueError(f"{value!r} is not an instant: it has no time zone")
    moment = moment.astimezone(LONDON)
    day = _long_date(moment.date())
    return f"{day} {moment:%H:%M}" if with_time else day


def source_name(code: Any) -> str:
    """A funding-source code as a paper names it (an unknown code as itself)."""
    return SOURCE_LABELS.get(str(code), str(code))


def source_label(code: Any, detail: Any = None) -> str:
    """A funding-source code as a paper names it, with its detail and its code."""
    label = source_name(code)
    named = f"{label}: {detail}" if detail else label
    return f"{named} ({code})"


def words(value: Any) -> str:
    """An enum value for people: "option_listing" -> "option listing"."""
    return str(value).replace("_", " ") if value else NONE


def yes_no(value: Any) -> str:
    """A flag as yes or no."""
    return "yes" if value else "no"


def text(value: Any) -> str:
    """Free text from the API, escaped for rich; missing or empty as "-"."""
    return escape(str(value)) if value not in (None, "") else NONE


def listed(values: Iterable[Any]) -> str:
    """Values joined with commas, escaped for rich; none as "-"."""
    joined = ", ".join(str(v) for v in values)
    return escape(joined) if joined else NONE


def plural(count: int, singular: str, many: str) -> str:
    """The count line under a listing: "1 request", "2 requests"."""
    return f"{count} {singular if count == 1 else many}"


def table(*columns: str, title: str | None = None) -> Table:
    """A table with a header row, as every listing uses."""
    grid = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    return grid


def fields(rows: Sequence[tuple[str, str]], title: str | None = None) -> Table:
    """Label/value pairs, one per line."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    if title:
        grid.title = title
        grid.title_justify = "left"
    for label, value in rows:
        grid.add_row(label, value)
    return grid
