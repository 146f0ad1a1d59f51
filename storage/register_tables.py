"""The decision register's tables, and how an entry maps onto their rows and back.

An entry is one row of ``register_entries``; each funding option it agreed is a row of
``register_agreed_funding``, in the order given. A change to these tables needs a
revision in storage/migrations/versions: tests/register/test_migrations.py fails while
the newest revision's schema differs from these declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
)

from contracts.register import (
    AgreedFunding,
    EntryKind,
    EvaluationEvidence,
    PhaseTally,
    RegisterEntry,
)
from storage.engine import NAMING_CONVENTION, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_KNOWN_KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in EntryKind)

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
_entry_id_type = BigInteger().with_variant(Integer(), "sqlite")

register_entries = Table(
    "register_entries",
    metadata,
    Column("id", _entry_id_type, primary_key=True, autoincrement=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("request_ref", Text, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("meeting_date", Date, nullable=True),
    # Derived from meeting_date/recorded_at at insert: computing it in SQL would need
    # dialect-specific date extraction from the timestamp.
    Column("effective_date", Date, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("amount_pence", BigInteger, nullable=True),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
    # Nullable with a default because it was added to registers that already held rows;
    # NULL there means the flag was not recorded: one-off.
    Column("recurrent", Boolean, nullable=True, server_default=false()),
    Column("amendments", JSON, nullable=False),
    # A de-delegation's outcome and count per school phase; NULL on entries written
    # before phases were recorded, read back as none.
    Column("phases", JSON, nullable=True),
    Column("summary", Text, nullable=False),
    # The follow-through of a decision, NULL on entries of the kinds that have none.
    Column("due_date", Date, nullable=True),
    Column("occurred_on", Date, nullable=True),
    Column("cites", Text, nullable=True),
    Column("evidence", JSON, nullable=True),
    Column("recorded_by", Text, nullable=False),
    Column("workflow_id", Text, nullable=False),
    Column("run_id", Text, nullable=False),
    CheckConstraint("cycle >= 1", name="cycle_positive"),
    CheckConstraint(f"kind IN ({_KNOWN_KINDS_SQL})", name="kind_known"),
    CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    CheckConstraint("period_end >= period_start", name="period_ordered"),
    Index(None, "request_ref", "recorded_at"),
    Index(None, "kind", "effective_date"),
    Index(None, "cites"),
)

register_agreed_funding = Table(
    "register_agreed_funding",
    metadata,
    Column(
        "entry_id",
        _entry_id_type,
        ForeignKey("register_entries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("option_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_detail", Text, nullable=True),
    Column("amount_pence", BigInteger, nullable=False),
    CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    UniqueConstraint("entry_id", "option_id"),
    Index(None, "source"),
)


def entry_row(entry: RegisterEntry) -> dict[str, Any]:
    """The ``register_entries`` row of ``entry`` (its agreed options go in their own rows)."""
    return {
        "idempotency_key": entry.idempotency_key,
        "request_ref": entry.request_ref,
        "cycle": entry.cycle,
        "kind": entry.kind.value,
        "recorded_at": entry.recorded_at,
        "meeting_date": entry.meeting_date,
        "effective_date": entry.effective_date,
        "outcome": entry.outcome,
        "title": entry.title,
        "amount_pence": entry.amount_pence,
        "period_start": entry.period_start,
        "period_end": entry.period_end,
        "recurrent": entry.recurrent,
        "amendments": list(entry.amendments),
        "phases": [phase.model_dump() for phase in entry.phases],
        "summary": entry.summary,
        "due_date": entry.due_date,
        "occurred_on": entry.occurred_on,
        "cites": entry.cites,
        "evidence": entry.evidence.model_dump(mode="json") if entry.evidence else None,
        "recorded_by": entry.recorded_by,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
    }


def agreed_funding_rows(entry_id: int, options: Iterable[AgreedFunding]) -> list[dict[str, Any]]:
    """The ``register_agreed_funding`` rows of entry ``entry_id``, numbered in order."""
    return [
        {
            "entry_id": entry_id,
            "position": position,
            "option_id": option.option_id,
            "source": option.source,
            "source_detail": option.source_detail,
            "amount_pence": option.amount_pence,
        }
        for position, option in enumerate(options)
    ]


def entries_query() -> Select[Any]:
    """Entries joined to their options in one statement, so a reader outside a
    transaction (SQLite's driver reads in autocommit) sees each entry whole."""
    return (
        select(
            register_entries,
            register_agreed_funding.c.option_id,
            register_agreed_funding.c.source,
            register_agreed_funding.c.source_detail,
            register_agreed_funding.c.amount_pence.label("option_amount_pence"),
        )
        .select_from(
            register_entries.outerjoin(
                register_agreed_funding,
                register_agreed_funding.c.entry_id == register_entries.c.id,
            )
        )
        .order_by(
            register_entries.c.recorded_at,
            register_entries.c.id,
            register_agreed_funding.c.position,
        )
    )


def load_entries(conn: Connection, query: Select[Any]) -> list[RegisterEntry]:
    """The entries ``query`` (an ``entries_query``, filtered) finds: one per entry's run
    of rows, with its options in the order they were agreed."""
    entries: list[RegisterEntry] = []
    current_id: int | None = None
    current_rows: list[Row[Any]] = []
    for row in conn.execute(query):
        if row.id != current_id and current_rows:
            entries.append(_entry_from_rows(current_rows))
            current_rows = []
        current_id = row.id
        current_rows.append(row)
    if current_rows:
        entries.append(_entry_from_rows(current_rows))
    return entries


def _entry_from_rows(rows: Sequence[Row[Any]]) -> RegisterEntry:
    first = rows[0]
    return RegisterEntry(
        idempotency_key=first.idempotency_key,
        request_ref=first.request_ref,
        cycle=first.cycle,
        kind=EntryKind(first.kind),
        recorded_at=first.recorded_at,
        meeting_date=first.meeting_date,
        outcome=first.outcome,
        title=first.title,
        amount_pence=first.amount_pence,
        period_start=first.period_start,
        period_end=first.period_end,
        recurrent=bool(first.recurrent),
        agreed_options=tuple(
            AgreedFunding(
                option_id=row.option_id,
                source=row.source,
                source_detail=row.source_detail,
                amount_pence=row.option_amount_pence,
            )
            for row in rows
            if row.option_id is not None
        ),
        amendments=tuple(first.amendments),
        phases=tuple(PhaseTally.model_validate(phase) for phase in first.phases or ()),
        summary=first.summary,
        due_date=first.due_date,
        occurred_on=first.occurred_on,
        cites=first.cites,
        evidence=(
            EvaluationEvidence.model_validate(first.evidence, strict=False)
            if first.evidence
            else None
        ),
        recorded_by=first.recorded_by,
        workflow_id=first.workflow_id,
        run_id=first.run_id,
    )
