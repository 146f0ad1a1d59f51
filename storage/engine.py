"""The one database the stores share: how to open it, and the column type they all use.

The decision register, the notice delivery log and the user directory keep their tables
in one database, a SQLite file by default or PostgreSQL in production, and its schema
migrations open it too. What they must agree on lives here: which databases are
supported, how a SQLite file is prepared and connected, the constraint naming
convention the migrations spell out, and timestamps that always read back in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import DateTime, Dialect, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.types import TypeDecorator

SUPPORTED_DIALECTS = frozenset({"sqlite", "postgresql"})

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, which the migrations spell out (the user directory's tables
predate it and keep the names the database gave them)."""


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


def supported_dialect(url: URL) -> str:
    """The dialect of ``url``, which must be SQLite or PostgreSQL: the stores' idempotent
    writes rely on their upsert (``INSERT ... ON CONFLICT``)."""
    dialect = url.get_dialect().name
    if dialect not in SUPPORTED_DIALECTS:
        raise ValueError(
            f"the register needs SQLite or PostgreSQL (idempotent upsert), not {dialect!r}"
        )
    return dialect


def ensure_sqlite_directory(url: URL) -> None:
    """Create the directory of the SQLite file ``url`` names; refuse an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        # Each pooled connection would get its own empty database, and nothing survives.
        raise ValueError("the register must be a SQLite file, not an in-memory database")
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_register_engine(url: str | URL) -> Engine:
    """An engine for the database at ``url``; SQLite files get WAL and foreign keys."""
    parsed = make_url(url)
    if supported_dialect(parsed) != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    ensure_sqlite_directory(parsed)
    # The busy timeout lets concurrent writers queue for SQLite's single write lock
    # rather than fail at once.
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers proceed while an activity writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


class Store:
    """What every store on the one database shares: an engine it opens from a URL (or is
    given, and then leaves open for its owner), the schema upgrade, and closing.

    Thread-safe: a store holds only the engine, and each call uses its own connection.
    """

    def __init__(self, engine_or_url: Engine | str) -> None:
        if isinstance(engine_or_url, str):
            self._engine = create_register_engine(engine_or_url)
            self._owns_engine = True
        else:
            self._engine = engine_or_url
            self._owns_engine = False

    @property
    def engine(self) -> Engine:
        """The underlying engine, for health checks and tests."""
        return self._engine

    def create_schema(self) -> None:
        """Upgrade the database to the newest schema migration (every store's tables: one
        database, one chain of revisions); safe to call on every start."""
        # Imported here: the migrations read every store's tables, so they import the stores.
        from storage.migrations import upgrade_database

        upgrade_database(self._engine.url)

    def close(self) -> None:
        """Release pooled connections, if the engine was opened here."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
