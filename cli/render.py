"""How the CLI shows the API's answers to people: rich tables, pounds, London dates.

Every function takes the API's JSON as parsed (``Any``: the CLI does not re-validate
what the API already validated) and prints it. Money is whole pence on the wire and
shown with :func:`domain.models.format_pence`; instants are shown in Europe/London.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.calendar import format_uk_date, to_london
from domain.models import FundingSource, format_pence

NONE = "-"


# --- values ------------------------------------------------------------------------


def money(pence: Any) -> str:
    """Whole pence as pounds, e.g. "£89,604"."""
    return format_pence(pence) if isinstance(pence, int) else NONE


def uk_date(value: Any) -> str:
    """An ISO date (or date-time) as a UK long date, e.g. "4 July 2018"."""
    if not value:
        return NONE
    text = str(value)
    if "T" in text:
        return london_time(text, with_time=False)
    return format_uk_date(date.fromisoformat(text))


def london_time(value: Any, *, with_time: bool = True) -> str:
    """An ISO instant in Europe/London, e.g. "4 July 2018 14:00"."""
    if not value:
        return NONE
    moment = to_london(datetime.fromisoformat(str(value)))
    day = format_uk_date(moment.date())
    return f"{day} {moment:%H:%M}" if with_time else day


def source_label(code: Any, detail: Any = None) -> str:
    """A funding-source code as a paper names it, with its code."""
    try:
        label = FundingSource(str(code)).label
    except ValueError:
        label = str(code)
    named = f"{label}: {detail}" if detail else label
    return f"{named} ({code})"


def words(value: Any) -> str:
    """An enum value for people: "option_listing" -> "option listing"."""
    return str(value).replace("_", " ") if value else NONE


def yes_no(value: Any) -> str:
    """A flag as yes or no."""
    return "yes" if value else "no"


def _text(value: Any) -> str:
    return escape(str(value)) if value not in (None, "") else NONE


def _listed(values: Iterable[Any]) -> str:
    joined = ", ".join(str(v) for v in values)
    return escape(joined) if joined else NONE


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


# --- requests ----------------------------------------------------------------------


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
        ("author", _text(draft.get("author_id"))),
    ]
    if draft.get("purpose"):
        rows.append(("purpose", _text(draft["purpose"])))
    if state.get("meeting_date"):
        rows.append(("meeting", uk_date(state["meeting_date"])))
    if state.get("membership"):
        present = len(state.get("present_member_ids") or ())
        total_members = len(state["membership"]["members"])
        rows.append(("present", f"{present} of {total_members} members"))
    if state.get("votes"):
        rows.append(("votes", tally_of(state["votes"])))
    for amendment in state.get("amendments") or ():
        rows.append(("amendment", _text(amendment)))
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
                    ("recommends", _text(recommendation["text"])),
                    ("options", f"{mode}: {_listed(recommendation.get('option_ids') or ())}"),
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
                    ("summary", _text(report["summary"])),
                    ("recommends", _text(report["recommendation"])),
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
            _listed(option.get("conditions") or ()),
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
        rows.append(("agreed", _listed(decision["chosen_option_ids"])))
    for phase in decision.get("phases") or ():
        rows.append((f"{words(phase['group'])}", _phase_text(phase)))
    for amendment in decision.get("amendments") or ():
        rows.append(("amendment", _text(amendment)))
    if decision.get("reason"):
        rows.append(("reason", _text(decision["reason"])))
    return fields(rows, title="Decision")


def minute_fields(minute: Any, confirmed_at: Any = None) -> Table:
    """The clerk's minute of an approval."""
    period = minute.get("period")
    rows = [
        ("agreed", _listed(minute.get("agreed_option_ids") or ())),
        ("amount", money(minute.get("amount_pence"))),
        (
            "period",
            f"{uk_date(period['start'])} to {uk_date(period['end'])}" if period else NONE,
        ),
        ("text", _text(minute.get("text"))),
        ("recorded by", _text(minute.get("recorded_by"))),
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


def transition_result(console: Console, result: Any) -> None:
    """What an accepted transition did, as the audit trail says it."""
    entry = result["audit_entry"]
    console.print(
        f"{escape(entry['summary'])}\n"
        f"stage: {words(result['stage'])}  (by {escape(entry['actor_name'])} as "
        f"{entry['role']}, {london_time(entry['at'])})"
    )
    for key in result.get("register_keys") or ():
        console.print(f"decision register: {escape(key)}")


def request_list(console: Console, listing: Any) -> None:
    """Requests found by ``forum request list``."""
    requests = listing.get("requests") or ()
    grid = table("reference", "stage", "meeting", "funding sources", "next deadline", "started")
    for item in requests:
        grid.add_row(
            escape(item["reference"]),
            words(item.get("stage")),
            uk_date(item.get("meeting_date")),
            _listed(item.get("funding_sources") or ()),
            london_time(item.get("next_deadline")),
            london_time(item.get("started_at")),
        )
    console.print(grid)
    console.print(f"{len(requests)} request{'s' if len(requests) != 1 else ''}")


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
                _listed(notice.get("recipients") or ()),
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


REQUEST_COMMANDS: dict[str, str] = {
    "edit_draft": "forum request edit",
    "submit_draft": "forum request submit",
    "add_option": "forum option add",
    "remove_option": "forum option remove",
    "set_recommendation": "forum recommend",
    "table": "forum table",
    "follow_meeting": "forum follow-meeting",
    "withdraw": "forum withdraw",
    "record_attendance": "forum attendance",
    "open_vote": "forum vote open",
    "amend_recommendation": "forum amend",
    "cast_vote": "forum vote cast",
    "close_vote": "forum vote close",
    "defer": "forum defer",
    "record_minute": "forum minute record",
    "confirm_minutes": "forum minutes confirm",
    "report_evaluation": "forum evaluation report",
    "extend": "forum extend",
    "close": "forum close",
}
"""The command that takes each request transition."""


def allowed_actions(console: Console, allowed: Any) -> None:
    """What the signed-in user may do next, with the command for each."""
    console.print(f"stage: {words(allowed['stage'])}")
    transitions = allowed.get("transitions") or ()
    if not transitions:
        console.print("You can take no action on this request now.")
        return
    grid = table("action", "command")
    for transition in transitions:
        grid.add_row(words(transition), REQUEST_COMMANDS.get(transition, NONE))
    console.print(grid)


# --- meetings ----------------------------------------------------------------------


def meeting_transition(console: Console, result: Any) -> None:
    """What an accepted meeting transition did."""
    entry = result["audit_entry"]
    role = f" as {entry['role']}" if entry.get("role") else ""
    console.print(
        f"{escape(entry['summary'])}\n"
        f"stage: {words(result['stage'])}  (by {escape(entry['actor_name'])}{role}, "
        f"{london_time(entry['at'])})"
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
            _listed(notes) if notes else "",
        )
    return grid


def meeting_state(console: Console, meeting: Any) -> None:
    """A meeting: when and where, stage, attendance, agenda, action log and audit trail."""
    console.print(f"[bold]{escape(meeting['meeting_id'])}[/]")
    members = (meeting.get("membership") or {}).get("members") or ()
    rows = [
        ("when", london_time(meeting["starts_at"])),
        ("where", _text(meeting.get("location"))),
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
                _listed(carried),
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
    console.print(f"{len(meetings)} meeting{'s' if len(meetings) != 1 else ''}")


# --- the register ------------------------------------------------------------------


def funded_from(options: Iterable[Any]) -> str:
    """Agreed options, one a line: "centrally retained budget: £89,604"."""
    lines = []
    for option in options:
        try:
            label = FundingSource(str(option["source"])).label
        except ValueError:
            label = str(option["source"])
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
    console.print(f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'}")


# --- users -------------------------------------------------------------------------


def _roles(user: Any) -> str:
    return ", ".join(sorted(user.get("roles") or ())) or NONE


def user(console: Console, person: Any) -> None:
    """One user."""
    rows = [
        ("user", escape(person["user_id"])),
        ("name", _text(person.get("name"))),
        ("email", _text(person.get("email"))),
        ("roles", _roles(person)),
    ]
    if person.get("group"):
        rows.append(("group", words(person["group"])))
    console.print(fields(rows))


def user_list(console: Console, listing: Any) -> None:
    """Everyone who may sign in."""
    people = listing.get("users", listing) if isinstance(listing, dict) else listing
    grid = table("user", "name", "email", "roles", "group")
    for person in people:
        grid.add_row(
            escape(person["user_id"]),
            _text(person.get("name")),
            _text(person.get("email")),
            _roles(person),
            words(person.get("group")),
        )
    console.print(grid)
    console.print(f"{len(people)} user{'s' if len(people) != 1 else ''}")


def issued_token(console: Console, issued: Any) -> None:
    """A freshly minted token, shown this once."""
    console.print(f"Token for {escape(issued['user_id'])} ({escape(issued.get('label', ''))}):")
    console.print(escape(issued["token"]))
    console.print("It is shown this once; keep it as FORUM_TOKEN.")


def revoked(console: Console, result: Any) -> None:
    """Tokens revoked."""
    if isinstance(result, dict) and "revoked" in result:
        console.print(
            f"Revoked {result['revoked']} token(s) of {escape(str(result.get('user_id')))}."
        )
    else:
        console.print("Revoked.")
