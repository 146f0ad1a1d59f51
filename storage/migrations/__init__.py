"""Schema migrations for forumflow's database, with Alembic.

One database holds the decision register, the notice delivery log and the user
directory, and one chain of revisions (``versions/``) describes its schema:
``upgrade_database`` brings a database to the newest revision, and every start-up
(the run command, ``python -m worker``, ``python -m forumflow api``) calls it before
using the database. Alembic is configured here, in code: no ``alembic.ini`` is read.

A database made before migrations existed (by the stores' old ``create_schema``,
with no ``alembic_version`` table) is adopted: the tables it lacks are created as
the baseline revision has them, and it is stamped with the revision its tables
match before it is upgraded.

Upgrades are serialised, so two processes starting at once do not both migrate: on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by ``BEGIN IMMEDIATE``
(SQLite's write lock). Each upgrade runs in that one transaction, so on both
databases it is applied whole or not at all.

Add a revision with ``python -m storage.migrations revision -m "what changes"``
(``--autogenerate`` drafts it from the tables' metadata); see README.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from alembic import command, op
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from storage.engine import ensure_sqlite_directory, supported_dialect

log = structlog.get_logger(__name__)


class _StepsOnly(logging.Filter):
    """Alembic logs two lines each time it looks at a database, on every start; keep
    only the lines about a revision being applied or stamped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl ", "Will assume "))


logging.getLogger("alembic.runtime.migration").addFilter(_StepsOnly())

SCRIPT_LOCATION = Path(__file__).resolve().parent
"""This package: env.py, script.py.mako and versions/."""

BASELINE = "0001"
"""The revision of the schema as ``create_schema`` made it at commit f2a610f."""

PHASES = "0002"
"""The revision adding register_entries.phases, which ``create_schema`` added after f2a610f."""

# A second writer waits this long for SQLite's write lock (seconds): long enough for
# another process's migration to finish.
_SQLITE_LOCK_TIMEOUT = 120.0

# First half of the PostgreSQL advisory lock's key ("ffmg"); the second half is the
# schema's hash, so databases in other schemas of the same server do not wait.
_ADVISORY_LOCK_KEY = 0x66666D67
_ADVISORY_LOCK = text(
    "SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"
)


@dataclass(frozen=True)
class SchemaUpgrade:
    """What ``upgrade_database`` found and did."""

    before: str | None
    """The revision the database was at; None if it had none (new, or made before migrations)."""
    adopted: str | None
    """The revision an unversioned database made by the old ``create_schema`` was stamped with."""
    after: str | None
    """The revision it is at now."""

    @property
    def changed(self) -> bool:
        """Whether anything was created, stamped or migrated."""
        return self.before != self.after


class UnknownRevision(RuntimeError):  # noqa: N818 - a named outcome
    """The database is at a revision this code does not have: a newer forumflow upgraded it."""

    def __init__(self, revision: str, database: str) -> None:
        super().__init__(
            f"the database {database} is at schema revision {revision!r}, which this version "
            f"of forumflow does not know (its newest is {head_revision()!r}): a newer version "
            "upgraded it; run that version, or restore a backup taken before the upgrade"
        )
        self.revision = revision


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package; ``connection``: the one env.py migrates
    (in its transaction, which the caller commits)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    # r0003_what_changes.py: revisions are numbered, so the files sort in order.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def script_directory() -> ScriptDirectory:
    """The revisions, loaded once per process."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision."""
    head = script_directory().get_current_head()
    assert head is not None, f"no revisions in {SCRIPT_LOCATION / 'versions'}"
    return head


def schema_metadata() -> tuple[MetaData, ...]:
    """The tables the current code uses, as the stores declare them: what the head
    revision must create (tests/register/test_migrations.py checks that it does)."""
    from storage.accounts import metadata as accounts_metadata
    from storage.deliveries import deliveries_metadata
    from storage.digests import digests_metadata
    from storage.register_tables import metadata as register_metadata
    from storage.signin import metadata as signin_metadata

    return (
        register_metadata,
        deliveries_metadata,
        accounts_metadata,
        signin_metadata,
        digests_metadata,
    )


def migration_engine(url: str | URL) -> Engine:
    """An engine for migrating the database at ``url``: each transaction holds SQLite's
    write lock from its start (``BEGIN IMMEDIATE``), and foreign keys stay off, so a
    table that Alembic rebuilds on SQLite does not cascade deletes into its children."""
    parsed = make_url(url)
    if supported_dialect(parsed) != "sqlite":
        return create_engine(parsed, poolclass=NullPool)
    ensure_sqlite_directory(parsed)
    engine = create_engine(
        parsed, poolclass=NullPool, connect_args={"timeout": _SQLITE_LOCK_TIMEOUT}
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _connection_record: Any) -> None:
    # The driver emits no BEGIN of its own (nor a COMMIT before DDL): _sqlite_begin does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def migrating(url: str | URL) -> Iterator[Connection]:
    """A connection to the database at ``url`` in a transaction that no other migration
    of it can enter until this one commits (when the block ends without an error)."""
    engine = migration_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(_ADVISORY_LOCK, {"key": _ADVISORY_LOCK_KEY})
            yield conn
    finally:
        engine.dispose()


def upgrade_database(url: str | URL, revision: str = "head") -> SchemaUpgrade:
    """Bring the database at ``url`` to ``revision`` (the newest by default), creating
    it if it is empty and adopting it if the old ``create_schema`` made it; safe to
    call on every start and from several processes at once."""
    target = head_revision() if revision == "head" else revision
    with migrating(url) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        if before is not None and not _known(before):
            raise UnknownRevision(before, make_url(url).render_as_string(hide_password=True))
        adopted = _adopt(conn) if before is None else None
        if (adopted or before) != target:
            command.upgrade(alembic_config(conn), target)
        after = MigrationContext.configure(conn).get_current_revision()
    result = SchemaUpgrade(before=before, adopted=adopted, after=after)
    if result.changed:
        log.info(
            "database schema upgraded",
            database=make_url(url).render_as_string(hide_password=True),
            from_revision=before,
            adopted=adopted,
            to_revision=after,
        )
    return result


def _known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def _adopt(conn: Connection) -> str | None:
    """Stamp an unversioned database that the old ``create_schema`` made with the
    revision its tables match, first creating the baseline tables it lacks (each store
    made only its own, so a database may have some and not others); None if it holds
    none of them (a new database, which the revisions create from nothing)."""
    from storage.migrations.versions import r0001_f2a610f_schema as baseline

    present = set(inspect(conn).get_table_names())
    if not present & baseline.TABLES.keys():
        return None
    context = MigrationContext.configure(conn)
    with Operations.context(context):
        for name, create in baseline.TABLES.items():
            if name not in present:
                create()
        columns = {column["name"] for column in inspect(conn).get_columns("register_entries")}
        if "recurrent" not in columns:
            # A register older than the recurrent flag: the old create_schema added it
            # like this, and its rows read as one-off.
            op.add_column(
                "register_entries",
                sa.Column("recurrent", sa.Boolean(), nullable=True, server_default=sa.false()),
            )
    stamp = PHASES if "phases" in columns else BASELINE
    context.stamp(script_directory(), stamp)
    return stamp
