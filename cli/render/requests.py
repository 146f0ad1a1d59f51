"""How the CLI shows funding requests: the request as it stands, its trail and deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.render.values import (
    NONE,
    fields,
    listed,
    london_time,
    money,
    plural,
    source_label,
    table,
    text,
    uk_date,
    words,
    yes_no,
)


def request_state(console: Console, state: Any) -> None:
    """A request as it stands: draft, options, recommendation, vote, decision, minute."""
    draft = state["draft"]
    console.print(f"[bold]{escape(draft['reference'])}[/]: {escape(draft['title'])}")
    total = sum(line["quantity"] * line["unit_cost_pence"] for line in draft["cost_lines"])
    rows = [
        ("stage", f"{words(state['stage'])} (funding cycle {state.get('cycle', 1)})"),
        ("cost", money(total)),
    ]
    rows.extend(
        (
            "",
            f"{line['quantity']} x {escape(line['description'])} at "
            f"{money(line['unit_cost_pence'])}",
        )
        for line in draft["cost_lines"]
    )
    period = draft["period"]
    rows += [
        ("period", f"{uk_date(period['start'])} to {uk_date(period['end'])}"),
        ("recurrent", yes_no(draft.get("recurrent"))),
        ("procurement", yes_no(draft.get("procurement_needed"))),
        ("author", text(draft.get("author_id"))),
    ]
    if draft.get("purpose"):
        rows.append(("purpose", text(draft["purpose"])))
    if state.get("meeting_date"):
        rows.append(("meeting", uk_date(state["meeting_date"])))
    if state.get("membership"):
        present = len(state.get("present_member_ids") or ())
        total_members = len(state["membership"]["members"])
        rows.append(("present", f"{present} of {total_members} members"))
    if state.get("votes"):
        rows.append(("votes", tally_of(state["votes"])))
    for amendment in state.get("amendments") or ():
        rows.append(("amendment", text(amendment)))
    console.print(fields(rows))
    options = state.get("options") or ()
    if options:
        console.print(options_table(options))
    recommendation = state.get("recommendation")
    if recommendation:
        mode = "all of" if recommendation.get("mode", "all_of") == "all_of" else "one of"
        console.print(
            fields(
                [
                    ("recommends", text(recommendation["text"])),
                    ("options", f"{mode}: {listed(recommendation.get('option_ids') or ())}"),
                ],
                title="Recommendation",
            )
        )
    if state.get("decision"):
        console.print(decision_fields(state["decision"]))
    if state.get("minute"):
        console.print(minute_fields(state["minute"], state.get("minutes_confirmed_at")))
    if state.get("evaluation"):
        report = state["evaluation"]
        console.print(
            fields(
                [
                    ("summary", text(report["summary"])),
                    ("recommends", text(report["recommendation"])),
                    *(
                        ("outcome", f"{o['value']} {escape(o['unit'])} ({escape(o['measure'])})")
                        for o in report["outcomes"]
                    ),
                ],
                title="Evaluation",
            )
        )
    for deferral in state.get("deferrals") or ():
        console.print(
            f"Deferred at the meeting of {uk_date(deferral['meeting_date'])}: "
            f"{escape(deferral['reason'])}"
        )


def tally_of(votes: Iterable[Any]) -> str:
    """Votes cast so far, by choice."""
    counts = {"for": 0, "against": 0, "abstain": 0}
    for vote in votes:
        counts[vote["choice"]] = counts.get(vote["choice"], 0) + 1
    return f"{counts['for']} for, {counts['against']} against, {counts['abstain']} abstaining"


def options_table(options: Iterable[Any]) -> Table:
    """Funding options: where the money would come from, how much, for when."""
    grid = table("option", "source", "amount", "period", "conditions", title="Funding options")
    for option in options:
        period = option["period"]
        grid.add_row(
            escape(option["option_id"]),
            escape(source_label(option["source"], option.get("source_detail"))),
            money(option["amount_pence"]),
            f"{uk_date(period['start'])} to {uk_date(period['end'])}",
            listed(option.get("conditions") or ()),
        )
    return grid


def _phase_text(phase: Any) -> str:
    """One phase's de-delegation decision, e.g. "rejected (0 for, 2 against, 0 abstaining)"."""
    if phase["outcome"] == "not_decided":
        return "not decided (no member of the phase present)"
    tally = phase["tally"]
    return (
        f"{words(phase['outcome'])} ({tally['for_count']} for, {tally['against_count']} "
        f"against, {tally['abstentions']} abstaining)"
    )


def decision_fields(decision: Any) -> Table:
    """The forum's decision and its count."""
    tally = decision["tally"]
    count = (
        f"{tally['for_count']} for, {tally['against_count']} against, "
        f"{tally['abstentions']} abstaining"
    )
    if tally.get("casting_vote_used"):
        count += f"; settled by the casting vote of {tally.get('casting_vote_by')}"
    rows = [
        ("outcome", words(decision["outcome"])),
        ("meeting", uk_date(decision["meeting_date"])),
        ("decided", london_time(decision["decided_at"])),
        ("count", count),
    ]
    if decision.get("chosen_option_ids"):
        rows.append(("agreed", listed(decision["chosen_option_ids"])))
    for phase in decision.get("phases") or ():
        rows.append((f"{words(phase['group'])}", _phase_text(phase)))
    for amendment in decision.get("amendments") or ():
        rows.append(("amendment", text(amendment)))
    if decision.get("reason"):
        rows.append(("reason", text(decision["reason"])))
    return fields(rows, title="Decision")


def minute_fields(minute: Any, confirmed_at: Any = None) -> Table:
    """The clerk's minute of an approval."""
    period = minute.get("period")
    rows = [
        ("agreed", listed(minute.get("agreed_option_ids") or ())),
        ("amount", money(minute.get("amount_pence"))),
        (
            "period",
            f"{uk_date(period['start'])} to {uk_date(period['end'])}" if period else NONE,
        ),
        ("text", text(minute.get("text"))),
        ("recorded by", text(minute.get("recorded_by"))),
        ("confirmed", london_time(confirmed_at) if confirmed_at else "not yet"),
    ]
    rows.extend(
        (
            "action",
            f"{escape(a['description'])} ({escape(a['owner'])}, {uk_date(a['due_meeting'])})",
        )
        for a in minute.get("actions") or ()
    )
    return fields(rows, title="Minute")


def request_list(console: Console, listing: Any) -> None:
    """Requests found by ``forum request list``."""
    requests = listing.get("requests") or ()
    grid = table("reference", "stage", "meeting", "funding sources", "next deadline", "started")
    for item in requests:
        grid.add_row(
            escape(item["reference"]),
            words(item.get("stage")),
            uk_date(item.get("meeting_date")),
            listed(item.get("funding_sources") or ()),
            london_time(item.get("next_deadline")),
            london_time(item.get("started_at")),
        )
    console.print(grid)
    console.print(plural(len(requests), "request", "requests"))


def audit_trail(console: Console, trail: Any) -> None:
    """Every accepted transition, and every notice sent, oldest first."""
    grid = table("when (London)", "who", "role", "transition", "stage", "what", title=None)
    for entry in trail.get("entries") or ():
        before = words(entry.get("from_stage")) if entry.get("from_stage") else "new"
        what = escape(entry["summary"])
        if entry.get("reason"):
            what += f" Reason: {escape(entry['reason'])}"
        grid.add_row(
            london_time(entry["at"]),
            escape(entry["actor_name"]),
            entry["role"],
            words(entry["transition"]),
            f"{before} -> {words(entry['to_stage'])}",
            what,
        )
    console.print(f"[bold]Audit trail of {escape(trail['reference'])}[/]")
    console.print(grid)
    notices = trail.get("notices") or ()
    if notices:
        sent = table("when (London)", "kind", "subject", "to", "outcome", title="Notices")
        for notice in notices:
            sent.add_row(
                london_time(notice["at"]),
                words(notice["kind"]),
                escape(notice["subject"]),
                listed(notice.get("recipients") or ()),
                words(notice["outcome"]),
            )
        console.print(sent)


def deadlines(console: Console, due: Any) -> None:
    """What is due on the request and when."""
    grid = table("due (London)", "what", "who", "escalates")
    for deadline in due.get("deadlines") or ():
        grid.add_row(
            london_time(deadline["due"]),
            escape(deadline["label"]),
            deadline["responsible_role"],
            yes_no(deadline.get("escalates")),
        )
    console.print(f"[bold]Deadlines of {escape(due['reference'])}[/]")
    console.print(grid if due.get("deadlines") else "Nothing is due.")
    if due.get("warning"):
        console.print(f"[bold yellow]Warning:[/] {escape(due['warning'])}")
