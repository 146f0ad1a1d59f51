"""The public record, which anyone may read without signing in: the decision register,
each entry at a permanent address (printed or saved, it is the decision notice), and its
exports. The meetings' agendas and minutes are in web.public_meeting_pages.

Schools Forums meet in public, so what they decided, from which funding source and at
which meeting is public, and so are the decided vote counts the register keeps. Who
recorded an entry, and the workflow and run that wrote it, are the system's business,
and never leave these pages or exports. An entry's public id is its idempotency key,
which the register never changes or reuses: the address built on it stays the same
however many entries are added. The register holds what the forum decided and never
what is still open: an item tabled for a meeting is not in it (nor in the exports)
until the forum decides it, and a vote's count only once the vote is closed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from contracts.register import (
    DECISION_OUTCOMES,
    EVALUATION_OUTCOMES,
    EntryKind,
    RegisterEntry,
)
from domain.calendar import to_london
from domain.people import MemberGroup
from domain.request.draft import FundingSource
from domain.values import REFERENCE_PATTERN
from storage.register import EXPORT_COLUMNS, DecisionRegister, ExportValue
from web.forms import FormErrors
from web.pages import page
from web.present import pounds
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)

PUBLIC_REGISTER = "/public/register"
PUBLIC_MEETINGS = "/public/meetings"

LISTED_KINDS = (EntryKind.DECISION, EntryKind.EVALUATION)
"""What the register page lists and exports: what the forum decided at its meetings."""

_PAGE_KINDS = frozenset(
    {
        *LISTED_KINDS,
        EntryKind.MINUTE_CONFIRMED,
        EntryKind.FUNDING_PERIOD,
        EntryKind.FUNDING_PENDING,
        EntryKind.FUNDING_CONFIRMED,
        EntryKind.CITATION,
    }
)
"""Entries with a page of their own. Spending started is the officer's record of their
own budget, not a fact of the forum's, so it has none."""

PRIVATE_EXPORT_COLUMNS = frozenset({"idempotency_key", "recorded_by", "workflow_id", "run_id"})

PUBLIC_EXPORT_COLUMNS: tuple[str, ...] = (
    "entry_id",
    "address",
    *(column for column in EXPORT_COLUMNS if column not in PRIVATE_EXPORT_COLUMNS),
)
"""The exports' columns: the entry's public id and address, then the register's own
columns less who recorded it and the workflow and run that did."""

_JSON_COLUMNS = frozenset({"amendments", "phases"})

OUTCOME_LABELS: dict[str, str] = {
    "approved": "Approved",
    "approved_as_amended": "Approved as amended",
    "rejected": "Rejected",
    "deferred": "Deferred",
    "extended": "Extended after evaluation",
    "ended": "Ended after evaluation",
}
_OUTCOME_TAGS: dict[str, str] = {
    "approved": "govuk-tag--green",
    "approved_as_amended": "govuk-tag--green",
    "rejected": "govuk-tag--red",
    "deferred": "govuk-tag--yellow",
    "extended": "govuk-tag--blue",
    "ended": "govuk-tag--grey",
}
FILTER_OUTCOMES: tuple[str, ...] = tuple(
    outcome for outcome in OUTCOME_LABELS if outcome in DECISION_OUTCOMES | EVALUATION_OUTCOMES
)

_PHASE_OUTCOME_LABELS = {
    "approved": "Approved",
    "rejected": "Rejected",
    "not_decided": "Not decided",
}

_YEAR = re.compile(r"^\d{4}$")
_FIRST_YEAR, _LAST_YEAR = 2000, 2099
_REFERENCE = re.compile(REFERENCE_PATTERN)
# A spreadsheet runs a cell that starts with one of these as a formula; titles and
# summaries are typed by people, so exported text is kept from being executed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def source_label(code: str) -> str:
    """A funding source as a minute names it; a code the product no longer lists is
    shown as recorded, since the register outlives the list."""
    try:
        return FundingSource(code).label
    except ValueError:
        return code.replace("_", " ")


def phase_label(code: str) -> str:
    """A member group as the constitution names it, or the code as recorded."""
    try:
        return MemberGroup(code).label
    except ValueError:
        return code.replace("_", " ")


def entry_address(entry_id: str) -> str:
    """The permanent address of the entry whose public id is ``entry_id``."""
    return f"{PUBLIC_REGISTER}/{entry_id}"


@dataclass(frozen=True)
class RegisterSearch:
    """What a visitor asked the register for, as typed, and what it means once read."""

    typed: Mapping[str, str]
    year: int | None
    source: FundingSource | None
    outcome: str | None
    errors: FormErrors

    @property
    def query_string(self) -> str:
        """The filters as given, for the export links (empty when there are none)."""
        chosen = {name: value for name, value in self.typed.items() if value}
        return "?" + urlencode(chosen) if chosen else ""


def read_search(request: Request) -> RegisterSearch:
    """The query's filters; each one that cannot be read is an error naming its rule."""
    params = request.query_params
    typed = {name: params.get(name, "").strip() for name in ("year", "source", "outcome")}
    errors = FormErrors()
    year: int | None = None
    if typed["year"]:
        if not _YEAR.match(typed["year"]):
            errors.add("year", "Enter the year as 4 digits, like 2018")
        elif not _FIRST_YEAR <= int(typed["year"]) <= _LAST_YEAR:
            errors.add("year", f"Enter a year from {_FIRST_YEAR} to {_LAST_YEAR}")
        else:
            year = int(typed["year"])
    source: FundingSource | None = None
    if typed["source"]:
        try:
            source = FundingSource(typed["source"])
        except ValueError:
            errors.add("source", "Choose a funding source from the list")
    outcome: str | None = None
    if typed["outcome"]:
        if typed["outcome"] in FILTER_OUTCOMES:
            outcome = typed["outcome"]
        else:
            errors.add("outcome", "Choose an outcome from the list")
    return RegisterSearch(typed=typed, year=year, source=source, outcome=outcome, errors=errors)


def the_register(request: Request) -> DecisionRegister:
    """The application's decision register, which the API was composed with."""
    # The web services hold no register of their own; the composed application's
    # services do, and one register (one connection pool) serves both.
    found = getattr(getattr(request.app.state, "services", None), "register", None)
    if not isinstance(found, DecisionRegister):
        raise RuntimeError("the application was composed without a decision register")
    return found


def listed_entries(register: DecisionRegister, chosen: RegisterSearch) -> list[RegisterEntry]:
    """The entries matching the filters, oldest first, of the kinds the register lists."""
    if chosen.errors:
        return []
    year = chosen.year
    found = register.search(
        source=chosen.source.value if chosen.source else None,
        outcome=chosen.outcome,
        since=date(year, 1, 1) if year is not None else None,
        until=date(year, 12, 31) if year is not None else None,
    )
    return [entry for entry in found if entry.kind in LISTED_KINDS]


def public_rows(
    register: DecisionRegister, entries: Sequence[RegisterEntry]
) -> list[dict[str, ExportValue]]:
    """The export rows of ``entries`` with the public columns only, oldest first."""
    wanted = {entry.idempotency_key for entry in entries}
    rows: list[dict[str, ExportValue]] = []
    for row in register.export_rows():
        entry_id = row["idempotency_key"]
        if entry_id not in wanted or not isinstance(entry_id, str):
            continue
        public = {"entry_id": entry_id, "address": entry_address(entry_id)} | row
        rows.append({column: public[column] for column in PUBLIC_EXPORT_COLUMNS})
    return rows


def _attachment(extension: str) -> str:
    today = to_london(datetime.now(UTC)).date().isoformat()
    return f'attachment; filename="forumflow-public-register-{today}.{extension}"'


def _export_headers(extension: str) -> dict[str, str]:
    return {
        "Content-Disposition": _attachment(extension),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def _cell(value: ExportValue) -> ExportValue:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _refused_export(chosen: RegisterSearch) -> Response:
    problems = [
        {"field": f"query.{error.field}", "rule": error.message} for error in chosen.errors.found
    ]
    return JSONResponse(
        {"title": "The filters could not be read", "status": 422, "errors": problems},
        status_code=422,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


@dataclass(frozen=True)
class ListedEntry:
    """One line of the register page."""

    entry: RegisterEntry
    address: str
    outcome_label: str
    outcome_tag: str
    funding: tuple[str, ...]


def listed(entry: RegisterEntry) -> ListedEntry:
    """How the register page shows ``entry``."""
    return ListedEntry(
        entry=entry,
        address=entry_address(entry.idempotency_key),
        outcome_label=OUTCOME_LABELS.get(entry.outcome, entry.outcome.replace("_", " ")),
        outcome_tag=_OUTCOME_TAGS.get(entry.outcome, ""),
        funding=tuple(
            f"{source_label(option.source)}, {pounds(option.amount_pence)}"
            for option in entry.agreed_options
        ),
    )


@router.get(PUBLIC_REGISTER)
async def register_page(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The decision register, newest meeting first, filtered by year, source and outcome."""
    chosen = read_search(request)
    entries = await asyncio.to_thread(listed_entries, the_register(request), chosen)
    newest_first = sorted(entries, key=lambda e: (e.effective_date, e.recorded_at), reverse=True)
    return page(
        request,
        who,
        "public_register.html",
        "Decision register",
        status_code=422 if chosen.errors else 200,
        current="public_register",
        error=bool(chosen.errors),
        errors=chosen.errors,
        chosen=chosen,
        rows=[listed(entry) for entry in newest_first],
        sources=[(source.value, source.label) for source in FundingSource],
        outcomes=[(outcome, OUTCOME_LABELS[outcome]) for outcome in FILTER_OUTCOMES],
    )


@router.get(PUBLIC_REGISTER + ".csv")
async def register_csv(request: Request) -> Response:
    """The register's public rows as CSV, one row per agreed funding option, with the
    page's filters; money is integer pence."""
    chosen = read_search(request)
    if chosen.errors:
        return _refused_export(chosen)
    register = the_register(request)
    entries = await asyncio.to_thread(listed_entries, register, chosen)
    rows = await asyncio.to_thread(public_rows, register, entries)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PUBLIC_EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _cell(row[column]) for column in PUBLIC_EXPORT_COLUMNS})
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8", headers=_export_headers("csv")
    )


@router.get(PUBLIC_REGISTER + ".json")
async def register_json(request: Request) -> Response:
    """The same rows as the CSV, as a JSON array of objects keyed by column; the
    amendments and phases are JSON arrays."""
    chosen = read_search(request)
    if chosen.errors:
        return _refused_export(chosen)
    register = the_register(request)
    entries = await asyncio.to_thread(listed_entries, register, chosen)
    rows = await asyncio.to_thread(public_rows, register, entries)
    body: list[dict[str, Any]] = [
        {
            column: json.loads(value)
            if column in _JSON_COLUMNS and isinstance(value, str)
            else value
            for column, value in row.items()
        }
        for row in rows
    ]
    return JSONResponse(body, headers=_export_headers("json"))


@dataclass(frozen=True)
class EntryPage:
    """What an entry's page shows beyond the entry: its request's other entries that
    say how the decision stands, and what cites it."""

    entry: RegisterEntry
    minutes_confirmed: RegisterEntry | None
    funding_pending: RegisterEntry | None
    funding_confirmed: RegisterEntry | None
    cited_by: tuple[RegisterEntry, ...]
    cited: RegisterEntry | None


def entry_page(register: DecisionRegister, entry_id: str) -> EntryPage | None:
    """The entry whose public id is ``entry_id`` and what stands around it; None if the
    register has no such entry with a page."""
    reference = entry_id.split("/", 1)[0]
    if not _REFERENCE.match(reference):
        return None
    about_request = register.entries_for(reference)
    found = [e for e in about_request if e.idempotency_key == entry_id]
    if not found or found[0].kind not in _PAGE_KINDS:
        return None
    entry = found[0]

    def latest(kind: EntryKind) -> RegisterEntry | None:
        same = [
            e
            for e in about_request
            if e.kind is kind and e.cycle == entry.cycle and e.meeting_date == entry.meeting_date
        ]
        return same[-1] if same else None

    cited_by = tuple(e for e in register.search(kind=EntryKind.CITATION) if e.cites == entry_id)
    cited: RegisterEntry | None = None
    if entry.kind is EntryKind.CITATION and entry.cites:
        cited_reference = entry.cites.split("/", 1)[0]
        if _REFERENCE.match(cited_reference):
            cited = next(
                (
                    e
                    for e in register.entries_for(cited_reference)
                    if e.idempotency_key == entry.cites and e.kind in _PAGE_KINDS
                ),
                None,
            )
    return EntryPage(
        entry=entry,
        minutes_confirmed=latest(EntryKind.MINUTE_CONFIRMED),
        funding_pending=latest(EntryKind.FUNDING_PENDING),
        funding_confirmed=latest(EntryKind.FUNDING_CONFIRMED),
        cited_by=cited_by,
        cited=cited,
    )


_KIND_HEADINGS: dict[EntryKind, str] = {
    EntryKind.DECISION: "Decision",
    EntryKind.MINUTE_CONFIRMED: "Minutes confirmed",
    EntryKind.EVALUATION: "Evaluation decided",
    EntryKind.FUNDING_PERIOD: "Funding period started",
    EntryKind.FUNDING_PENDING: "Approved, funding not yet confirmed",
    EntryKind.FUNDING_CONFIRMED: "Funding confirmed",
    EntryKind.CITATION: "Citation in a paper",
}


@router.get(PUBLIC_REGISTER + "/{entry_id:path}")
async def register_entry(
    request: Request, entry_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """One register entry at its permanent address; the not-found page for any other."""
    found = await asyncio.to_thread(entry_page, the_register(request), entry_id)
    if found is None:
        raise HTTPException(status_code=404)
    entry = found.entry
    return page(
        request,
        who,
        "public_entry.html",
        f"{_KIND_HEADINGS[entry.kind]}: {entry.title}",
        current="public_register",
        found=found,
        entry=entry,
        heading=_KIND_HEADINGS[entry.kind],
        shown=listed(entry),
        address=entry_address(entry.idempotency_key),
        permanent_url=web_services(request).settings.resolved_public_url.rstrip("/")
        + entry_address(entry.idempotency_key),
        address_of=entry_address,
        phase_label=phase_label,
        phase_outcome=lambda outcome: _PHASE_OUTCOME_LABELS.get(outcome, outcome),
        # The confirmer named on a funding confirmation may be a person: not shown.
        summary=entry.summary if entry.kind is not EntryKind.FUNDING_CONFIRMED else "",
    )
