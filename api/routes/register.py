"""The decision register: what the forum decided and where every pound came from.

Read by any signed-in user, as JSON entries or as flat export rows (CSV or JSON) with
one row per agreed funding option, so a spreadsheet can total the money by source.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import current_user, services
from api.params import CalendarDate
from api.problems import invalid, json_problem_responses, responses
from api.schemas.problems import FieldProblem
from api.schemas.register import ExportRow, RegisterEntry, RegisterList
from api.services import ApiServices
from api.utc import UtcRoute, in_utc
from contracts.register import EntryKind
from contracts.register import RegisterEntry as RecordedEntry
from domain.calendar import to_london
from domain.request.draft import FundingSource
from domain.values import REFERENCE_PATTERN
from storage.accounts import User
from storage.register import EXPORT_COLUMNS, DecisionRegister

router = APIRouter(prefix="/register", tags=["register"], route_class=UtcRoute)

# A spreadsheet runs a cell that starts with one of these as a formula; titles and
# summaries are typed by people, so exported text is kept from being executed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvResponse(Response):
    """A CSV document (RFC 4180)."""

    media_type = "text/csv"


@dataclass(frozen=True)
class RegisterFilter:
    """Which entries to read; every filter given must hold."""

    source: FundingSource | None
    kind: EntryKind | None
    outcome: str | None
    since: date | None
    until: date | None
    request_ref: str | None
    cites: str | None = None


def register_filter(
    source: FundingSource | None = Query(
        default=None, description="an agreed option is funded from this source"
    ),
    kind: EntryKind | None = None,
    outcome: str | None = Query(
        default=None,
        pattern=r"^[a-z][a-z_]{1,39}$",
        description="e.g. approved, approved_as_amended, rejected, deferred, extended, ended",
    ),
    since: CalendarDate | None = Query(
        default=None, description="meeting date (else the day recorded) on or after this"
    ),
    until: CalendarDate | None = Query(
        default=None, description="meeting date (else the day recorded) on or before this"
    ),
    request_ref: str | None = Query(
        default=None, pattern=REFERENCE_PATTERN, description="one request only"
    ),
    cites: str | None = Query(
        default=None,
        min_length=1,
        max_length=300,
        description="what cites this entry: the citation entries naming this entry id "
        "(an idempotency_key)",
    ),
) -> RegisterFilter:
    """The query's filters; 422 when ``until`` is before ``since``."""
    if since is not None and until is not None and until < since:
        raise invalid(
            (FieldProblem(field="query.until", rule=f"must be on or after since ({since})"),)
        )
    return RegisterFilter(source, kind, outcome, since, until, request_ref, cites)


Filter = Annotated[RegisterFilter, Depends(register_filter)]


def _entries(register: DecisionRegister, chosen: RegisterFilter) -> list[RecordedEntry]:
    found = register.search(
        source=chosen.source.value if chosen.source else None,
        kind=chosen.kind,
        outcome=chosen.outcome,
        since=chosen.since,
        until=chosen.until,
    )
    if chosen.request_ref is not None:
        found = [entry for entry in found if entry.request_ref == chosen.request_ref]
    if chosen.cites is not None:
        found = [entry for entry in found if entry.cites == chosen.cites]
    return found


def _rows(register: DecisionRegister, chosen: RegisterFilter) -> list[ExportRow]:
    keys = {entry.idempotency_key for entry in _entries(register, chosen)}
    return [
        ExportRow.model_validate(row)
        for row in register.export_rows(chosen.request_ref)
        if row["idempotency_key"] in keys
    ]


def _attachment(extension: str) -> dict[str, str]:
    today = to_london(datetime.now(UTC)).date().isoformat()
    return {"Content-Disposition": f'attachment; filename="forumflow-register-{today}.{extension}"'}


def _cell(value: object) -> object:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@router.get(
    "",
    response_model=RegisterList,
    responses=responses(401, 422),
    summary="Register entries",
)
def list_entries(
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
    chosen: Filter,
) -> RegisterList:
    """Decisions, confirmed minutes, evaluations and funding periods, oldest first."""
    return RegisterList(
        entries=tuple(RegisterEntry.of(entry) for entry in _entries(svc.register, chosen))
    )


@router.get(
    "/export.csv",
    response_class=CsvResponse,
    responses={
        200: {
            "description": "The register as CSV, with a header row",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **json_problem_responses(401, 422),
    },
    summary="Export the register as CSV",
)
def export_csv(
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
    chosen: Filter,
) -> CsvResponse:
    """One row per agreed funding option (entry fields repeated), or one row for an entry
    without options; money is integer pence: total ``option_amount_pence`` by
    ``option_source``. Text starting like a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in in_utc(_rows(svc.register, chosen)):
        cells = row.model_dump(mode="json")
        writer.writerow({column: _cell(cells[column]) for column in EXPORT_COLUMNS})
    return CsvResponse(out.getvalue(), headers=_attachment("csv"))


@router.get(
    "/export.json",
    response_model=list[ExportRow],
    responses=responses(401, 422),
    summary="Export the register as JSON rows",
)
def export_json(
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
    chosen: Filter,
    response: Response,
) -> list[ExportRow]:
    """The same rows as the CSV export, as a JSON array of objects keyed by column; the
    list columns (amendments, phases) are JSON arrays."""
    response.headers.update(_attachment("json"))
    return _rows(svc.register, chosen)
