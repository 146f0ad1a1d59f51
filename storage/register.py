"""The decision register's database: SQLite by default, PostgreSQL in production.

Temporal forgets closed workflows (24h on the dev server); this does not. Writes are
idempotent under the entry's key so an activity can be retried blindly, and every
call takes its own connection from the engine so Temporal's activity threadpool can
share one `DecisionRegister`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
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
    create_engine,
    event,
    exists,
    false,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.types import TypeDecorator

from contracts.register import (
    APPROVED_OUTCOMES,
    AgreedFunding,
    EntryKind,
    PhaseTally,
    RegisterConflict,
    RegisterEntry,
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

SUPPORTED_DIALECTS = frozenset({"sqlite", "postgresql"})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type and would silently drop the offset, so values are
    converted to UTC before the offset is dropped and UTC is reattached on reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the register stores timezone-aware timestamps only")
        as_utc = value.astimezone(UTC)
        return as_utc.replace(tzinfo=None) if dialect.name == "sqlite" else as_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Stable constraint names, which the migrations spell out. A change to these tables
# needs a revision in register/migrations/versions: tests/register/test_migrations.py
# fails while the newest revision's schema differs from these declarations.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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
    Column("recorded_by", Text, nullable=False),
    Column("workflow_id", Text, nullable=False),
    Column("run_id", Text, nullable=False),
    CheckConstraint("cycle >= 1", name="cycle_positive"),
    CheckConstraint(f"kind IN ({_KNOWN_KINDS_SQL})", name="kind_known"),
    CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    CheckConstraint("period_end >= period_start", name="period_ordered"),
    Index(None, "request_ref", "recorded_at"),
    Index(None, "kind", "effective_date"),
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


def create_register_engine(url: str) -> Engine:
    """An engine for the register at `url`; SQLite files get WAL and foreign keys."""
    parsed = make_url(url)
    dialect = parsed.get_dialect().name
    if dialect not in SUPPORTED_DIALECTS:
        raise ValueError(
            f"the register needs SQLite or PostgreSQL (idempotent upsert), not {dialect!r}"
        )
    if dialect != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    _ensure_sqlite_directory(parsed)
    # The busy timeout lets concurrent writers queue for SQLite's single write lock
    # rather than fail at once.
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _ensure_sqlite_directory(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        # Each pooled connection would get its own empty database, and nothing survives.
        raise ValueError("the register must be a SQLite file, not an in-memory database")
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers proceed while an activity writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


class DecisionRegister:
    """The durable record of decisions, confirmations, evaluations and funding periods.

    Thread-safe: it holds only the engine, and each call uses its own connection.
    """

    def __init__(self, url: str) -> None:
        self._engine = create_register_engine(url)

    @property
    def engine(self) -> Engine:
        """The underlying engine, for health checks and tests."""
        return self._engine

    def create_schema(self) -> None:
        """Upgrade the database to the newest schema migration (the register's tables, the
        delivery log's and the user directory's: one database, one chain of revisions);
        safe to call on every start. See storage.migrations."""
        from storage.migrations import upgrade_database

        upgrade_database(self._engine.url)

    def close(self) -> None:
        """Release the engine's pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> DecisionRegister:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def record(self, entry: RegisterEntry) -> bool:
        """Write `entry` once: True if written now, False if already recorded identically.

        Raises RegisterConflict if its idempotency key is recorded with other content.
        Race-safe: the database's unique key decides, not a prior read.
        """
        insert_entry = (
            self._insert(register_entries)
            .values(_entry_row(entry))
            .on_conflict_do_nothing(index_elements=[register_entries.c.idempotency_key])
            .returning(register_entries.c.id)
        )
        with self._engine.begin() as conn:
            entry_id = conn.execute(insert_entry).scalar_one_or_none()
            if entry_id is not None:
                if entry.agreed_options:
                    conn.execute(
                        register_agreed_funding.insert(),
                        _agreed_funding_rows(entry_id, entry.agreed_options),
                    )
                return True
            # ON CONFLICT waits for a concurrent insert of the key to commit, so its
            # row (and child rows, same transaction) is visible to this next statement.
            (recorded,) = _load(
                conn,
                _entries_query().where(register_entries.c.idempotency_key == entry.idempotency_key),
            )
        differing = entry.differing_fields(recorded)
        if differing:
            raise RegisterConflict(entry.idempotency_key, differing)
        return False

    def entries_for(self, request_ref: str) -> list[RegisterEntry]:
        """Every entry about one request, oldest first (by recorded_at, then insertion)."""
        with self._engine.connect() as conn:
            return _load(
                conn, _entries_query().where(register_entries.c.request_ref == request_ref)
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
        query = _entries_query()
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
            return _load(conn, query)

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
        query = _entries_query()
        if request_ref is not None:
            query = query.where(register_entries.c.request_ref == request_ref)
        with self._engine.connect() as conn:
            entries = _load(conn, query)
        return [row for entry in entries for row in _export_rows(entry)]

    def _insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _entry_row(entry: RegisterEntry) -> dict[str, Any]:
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
        "recorded_by": entry.recorded_by,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
    }


def _agreed_funding_rows(entry_id: int, options: Iterable[AgreedFunding]) -> list[dict[str, Any]]:
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


def _entries_query() -> Select[Any]:
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


def _load(conn: Connection, query: Select[Any]) -> list[RegisterEntry]:
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
        recorded_by=first.recorded_by,
        workflow_id=first.workflow_id,
        run_id=first.run_id,
    )


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
