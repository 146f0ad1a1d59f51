"""How the CLI shows meetings: when and where, the agenda, attendance and action log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.render.values import (
    fields,
    listed,
    london_time,
    plural,
    table,
    text,
    uk_date,
    words,
    yes_no,
)


def agenda_table(items: Iterable[Any]) -> Table:
    """Agenda items: the request, its title, and what became of it."""
    grid = table("request", "title", "status", "tabled (London)", "note", title="Agenda")
    for item in items:
        notes = []
        if item.get("late"):
            notes.append(f"late: {item.get('late_reason')}")
        if item.get("carried_from"):
            notes.append(f"carried from {item['carried_from']}")
        grid.add_row(
            escape(item["request_ref"]),
            escape(item["title"]),
            words(item.get("status")),
            london_time(item.get("tabled_at")),
            listed(notes) if notes else "",
        )
    return grid


def meeting_state(console: Console, meeting: Any) -> None:
    """A meeting: when and where, stage, attendance, agenda, action log and audit trail."""
    console.print(f"[bold]{escape(meeting['meeting_id'])}[/]")
    members = (meeting.get("membership") or {}).get("members") or ()
    rows = [
        ("when", london_time(meeting["starts_at"])),
        ("where", text(meeting.get("location"))),
        ("stage", words(meeting["stage"])),
        ("members", str(len(members))),
        ("present", str(len(meeting.get("present_member_ids") or ()))),
    ]
    if meeting.get("papers_closed_at"):
        rows.append(("papers closed", london_time(meeting["papers_closed_at"])))
    if meeting.get("previous_meeting_id"):
        confirmed = meeting.get("previous_minutes_confirmed_at")
        rows.append(
            (
                "previous",
                f"{escape(meeting['previous_meeting_id'])} (minutes "
                f"{'confirmed ' + london_time(confirmed) if confirmed else 'not yet confirmed'})",
            )
        )
    if meeting.get("next_meeting_id"):
        rows.append(("next", escape(meeting["next_meeting_id"])))
    for moved in meeting.get("moved_from") or ():
        rows.append(("moved from", london_time(moved)))
    console.print(fields(rows))
    console.print(agenda_table(meeting.get("agenda") or ()))
    actions = meeting.get("actions") or ()
    if actions:
        log = table("action", "request", "what", "owner", "done", "carried", title="Actions")
        for action in actions:
            carried = list(action.get("carried_from") or ())
            if action.get("carried_to"):
                carried.append(f"to {action['carried_to']}")
            log.add_row(
                escape(action["action_id"]),
                escape(action["request_ref"]),
                escape(action["description"]),
                escape(action["owner"]),
                yes_no(action.get("done")),
                listed(carried),
            )
        console.print(log)
    audit = meeting.get("audit") or ()
    if audit:
        trail = table("when (London)", "who", "transition", "what", title="Audit trail")
        for entry in audit:
            trail.add_row(
                london_time(entry["at"]),
                escape(entry["actor_name"]),
                words(entry["transition"]),
                escape(entry["summary"]),
            )
        console.print(trail)


def meeting_agenda(console: Console, agenda: Any) -> None:
    """The agenda as published."""
    console.print(
        f"[bold]{escape(agenda['meeting_id'])}[/]: {london_time(agenda['starts_at'])}, "
        f"{escape(agenda['location'])} ({words(agenda['stage'])})"
    )
    state = "closed" if agenda.get("papers_closed") else "open"
    console.print(f"papers deadline: {uk_date(agenda['papers_deadline'])} (papers {state})")
    console.print(agenda_table(agenda.get("items") or ()))


def meeting_list(console: Console, listing: Any) -> None:
    """Meetings found by ``forum meeting list``."""
    meetings = listing.get("meetings") or ()
    grid = table("meeting", "day", "stage", "papers close (London)", "workflow")
    for meeting in meetings:
        grid.add_row(
            escape(meeting["meeting_id"]),
            uk_date(meeting.get("meeting_date")),
            words(meeting.get("stage")),
            london_time(meeting.get("papers_close_at")),
            words(meeting.get("workflow_status")),
        )
    console.print(grid)
    console.print(plural(len(meetings), "meeting", "meetings"))
