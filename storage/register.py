"""The decision register: what the forum decided, and from which funding source.

Temporal forgets closed workflows (24h on the dev server); this does not. Writes are
idempotent under the entry's key so an activity can be retried blindly, and every
call takes its own connection from the engine so Temporal's activity threadpool can
share one `DecisionRegister`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Table, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from contracts.register import (
    APPROVED_OUTCOMES,
    AgreedFunding,
    EntryKind,
    RegisterConflict,
    RegisterEntry,
)
from storage.engine import Store
from storage.register_tables import (
    agreed_funding_rows,
    entries_query,
    entry_row,
    load_entries,
    register_agreed_funding,
    register_entries,
)

ExportValue = str | int | None

EXPORT_COLUMNS: tuple[str, ...] = (
    "idempotency_key",
    "request_ref",
    "cycle",
    "kind",
    "recorded_at",
    "meeting_date",
    "outcome",
    "title",
    "amount_pence",
    "period_start",
    "period_end",
    "recurrent",
    "option_id",
    "option_source",
    "option_source_detail",
    "option_amount_pence",
    "amendments",
    "phases",
    "summary",
    "recorded_by",
    "workflow_id",
    "run_id",
)
"""Column order of `DecisionRegister.export_rows`, for a CSV header."""

_OPTION_EXPORT_COLUMNS = tuple(column for column in EXPORT_COLUMNS if column.startswith("option_"))


class DecisionRegister(Store):
    """The durable record of decisions, confirmations, evaluations and funding periods."""

    def record(self, entry: RegisterEntry) -> bool:
        """Write `entry` once: True if written now, False if already recorded identically.

        Raises RegisterConflict if its idempotency key is recorded with other content.
        Race-safe: the database's unique key decides, not a prior read.
        """
        insert_entry = (
            self._insert(register_entries)
            .values(entry_row(entry))
            .on_conflict_do_nothing(index_elements=[register_entries.c.idempotency_key])
            .returning(register_entries.c.id)
        )
        with self._engine.begin() as conn:
            entry_id = conn.execute(insert_entry).scalar_one_or_none()
            if entry_id is not None:
                if entry.agreed_options:
                    conn.execute(
                        register_agreed_funding.insert(),
                        agreed_funding_rows(entry_id, entry.agreed_options),
                    )
                return True
            # ON CONFLICT waits for a concurrent insert of the key to commit, so its
            # row (and child rows, same transaction) is visible to this next statement.
            (recorded,) = load_entries(
                conn,
                entries_query().where(register_entries.c.idempotency_key == entry.idempotency_key),
            )
        differing = entry.differing_fields(recorded)
        if differing:
            raise RegisterConflict(entry.idempotency_key, differing)
        return False

    def entries_for(self, request_ref: str) -> list[RegisterEntry]:
        """Every entry about one request, oldest first (by recorded_at, then insertion)."""
        with self._engine.connect() as conn:
            return load_entries(
                conn, entries_query().where(register_entries.c.request_ref == request_ref)
            )

    def search(
        self,
        *,
        source: str | None = None,
        kind: EntryKind | None = None,
        outcome: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[RegisterEntry]:
        """Entries matching every filter given, oldest first.

        source: an agreed option has this funding-source code. since/until are
        inclusive and compare `RegisterEntry.effective_date` (the meeting date, else
        the UTC day the entry was recorded).
        """
        query = entries_query()
        if source is not None:
            # An alias, because the outer query already joins the funding table and
            # would otherwise correlate it away; and a subquery, so the entry keeps
            # all its options, not only the matching one.
            funding = register_agreed_funding.alias("funding_with_source")
            query = query.where(
                exists().where(
                    funding.c.entry_id == register_entries.c.id, funding.c.source == source
                )
            )
        if kind is not None:
            query = query.where(register_entries.c.kind == kind.value)
        if outcome is not None:
            query = query.where(register_entries.c.outcome == outcome)
        if since is not None:
            query = query.where(register_entries.c.effective_date >= since)
        if until is not None:
            query = query.where(register_entries.c.effective_date <= until)
        with self._engine.connect() as conn:
            return load_entries(conn, query)

    def funding_decision_for(
        self, request_ref: str, *, confirmed_only: bool = False
    ) -> RegisterEntry | None:
        """The approval that says how a request is funded, or None if never approved.

        The latest approved decision whose minutes were confirmed (a minute_confirmed
        entry of the same cycle and meeting_date), since only confirmed minutes are
        final. If no approval is confirmed yet, the latest approval, unless
        `confirmed_only`: minutes are confirmed at the next meeting, often months
        later, and the money is being spent meanwhile. Pass `confirmed_only=True` to
        cite only what confirmed minutes support.
        """
        entries = self.entries_for(request_ref)
        confirmed_meetings = {
            (entry.cycle, entry.meeting_date)
            for entry in entries
            if entry.kind is EntryKind.MINUTE_CONFIRMED
        }
        approvals = [
            entry
            for entry in entries
            if entry.kind is EntryKind.DECISION and entry.outcome in APPROVED_OUTCOMES
        ]
        confirmed = [
            approval
            for approval in approvals
            if (approval.cycle, approval.meeting_date) in confirmed_meetings
        ]
        if confirmed:
            return confirmed[-1]
        if approvals and not confirmed_only:
            return approvals[-1]
        return None

    def funding_source_for(
        self, request_ref: str, *, confirmed_only: bool = False
    ) -> tuple[AgreedFunding, ...]:
        """Which source(s) fund the request: the agreed options of `funding_decision_for`.

        Empty if the request was never approved (or, with `confirmed_only`, if no
        approval has confirmed minutes).
        """
        decision = self.funding_decision_for(request_ref, confirmed_only=confirmed_only)
        return decision.agreed_options if decision else ()

    def count(self, request_ref: str | None = None) -> int:
        """How many entries the register holds, for one request or in all."""
        query = select(func.count()).select_from(register_entries)
        if request_ref is not None:
            query = query.where(register_entries.c.request_ref == request_ref)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def export_rows(self, request_ref: str | None = None) -> list[dict[str, ExportValue]]:
        """The register as flat rows with the keys of EXPORT_COLUMNS, oldest first.

        One row per agreed option (entry fields repeated), or one row with empty
        option columns for an entry without options: sum `option_amount_pence`, not
        `amount_pence`, to total funding by source. Dates and timestamps are ISO 8601
        strings (timestamps in UTC), amendments a JSON array, money integer pence.
        """
        query = entries_query()
        if request_ref is not None:
            query = query.where(register_entries.c.request_ref == request_ref)
        with self._engine.connect() as conn:
            entries = load_entries(conn, query)
        return [row for entry in entries for row in _export_rows(entry)]

    def _insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _export_rows(entry: RegisterEntry) -> list[dict[str, ExportValue]]:
    shared: dict[str, ExportValue] = {
        "idempotency_key": entry.idempotency_key,
        "request_ref": entry.request_ref,
        "cycle": entry.cycle,
        "kind": entry.kind.value,
        "recorded_at": entry.recorded_at.isoformat(),
        "meeting_date": _iso(entry.meeting_date),
        "outcome": entry.outcome,
        "title": entry.title,
        "amount_pence": entry.amount_pence,
        "period_start": _iso(entry.period_start),
        "period_end": _iso(entry.period_end),
        "recurrent": entry.recurrent,
        "amendments": json.dumps(list(entry.amendments)),
        "phases": json.dumps([phase.model_dump() for phase in entry.phases]),
        "summary": entry.summary,
        "recorded_by": entry.recorded_by,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
    }
    rows = []
    for option_columns in _option_columns(entry.agreed_options):
        merged = shared | option_columns
        rows.append({column: merged[column] for column in EXPORT_COLUMNS})
    return rows


def _option_columns(options: Sequence[AgreedFunding]) -> list[dict[str, ExportValue]]:
    if not options:
        return [dict.fromkeys(_OPTION_EXPORT_COLUMNS)]
    return [
        {
            "option_id": option.option_id,
            "option_source": option.source,
            "option_source_detail": option.source_detail,
            "option_amount_pence": option.amount_pence,
        }
        for option in options
    ]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
