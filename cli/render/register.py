"""How the CLI shows the decision register: every decision, and where its money came from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape

from cli.render.values import NONE, money, plural, source_name, table, uk_date, words


def funded_from(options: Iterable[Any]) -> str:
    """Agreed options, one a line: "centrally retained budget: £89,604"."""
    lines = []
    for option in options:
        label = source_name(option["source"])
        if option.get("source_detail"):
            label += f" ({option['source_detail']})"
        lines.append(f"{escape(label)}: {money(option['amount_pence'])}")
    return "\n".join(lines)


def register_entries(console: Console, listing: Any) -> None:
    """Register entries, with the source of every agreed pound (titles: see --json)."""
    entries = listing.get("entries") or ()
    grid = table("meeting", "request", "entry", "amount", "funded from")
    for entry in entries:
        cycle = entry.get("cycle", 1)
        grid.add_row(
            uk_date(entry.get("meeting_date") or entry.get("recorded_at")),
            escape(entry["request_ref"]) + (f" (cycle {cycle})" if cycle != 1 else ""),
            f"{words(entry['kind'])}: {words(entry['outcome'])}",
            money(entry.get("amount_pence")),
            funded_from(entry.get("agreed_options") or ()) or NONE,
        )
    console.print(grid)
    console.print(plural(len(entries), "entry", "entries"))
