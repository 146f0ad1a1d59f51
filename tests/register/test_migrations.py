"""Schema migrations (storage.migrations) on SQLite and, when configured, PostgreSQL.

Rows written at the first revision, or into a database the old ``create_schema`` made
(no ``alembic_version``), are all still there after the upgrade, read back through
the current stores; the first revision is f2a610f's schema exactly (its DDL is kept
in legacy_schemas/, captured from that commit's code); and the newest revision is what
the stores' table declarations describe, so a column added without a migration fails.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from contracts.register import PhaseTally, RegisterEntry
from devtools import seeds
from domain.notices import NoticeKind, Recipient
from domain.people import MemberGroup, Role
from storage.accounts import TOKEN_PREFIX, User, UserDirectory
from storage.deliveries import Delivery, DeliveryLog
from storage.engine import create_register_engine
from storage.migrations import (
    BASELINE,
    PHASES,
    UnknownRevision,
    alembic_config,
    head_revision,
    migrating,
    schema_metadata,
    upgrade_database,
)
from storage.register import DecisionRegister
from tests.databases import BACKENDS, database_urls
from tests.register.test_store import (
    CENTRAL_BUDGET,
    EHP_HIGH_NEEDS,
    EHP_POST_COST_PENCE,
    EHP_REF,
    REPO_ROOT,
    make_entry,
    minutes_confirmed,
)

LEGACY_SCHEMAS = Path(__file__).with_name("legacy_schemas")
BASELINE_TABLES = ("register_entries", "register_agreed_funding", "notice_deliveries")
USER_TABLES = ("users", "api_tokens")
SIGN_IN_TABLES = ("sign_in_links", "sign_in_attempts", "web_sessions")  # revision 0003
DIGEST_TABLES = ("notice_digest_items",)  # revision 0004

# The approval, split across two sources, and its minutes confirmed at the next meeting.
SPLIT_APPROVAL = make_entry(
    recorded_at=datetime(2018, 7, 4, 15, 30, 15, 123456, tzinfo=UTC),
    agreed_options=(
        EHP_HIGH_NEEDS.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE}),
        CENTRAL_BUDGET.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE}),
    ),
    outcome="approved_as_amended",
    amendments=("full time and not term time only",),
    recurrent=True,
)
CONFIRMATION = minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=2)

NOTICE = Delivery(
    idempotency_key=f"{EHP_REF}/1/reminder/papers",
    kind=NoticeKind.reminder,
    request_ref=EHP_REF,
    subject="Papers for 4 July 2018 are due",
    recipients=(
        Recipient(name="Sean Hogg", email="sean.hogg@council.example.org", role=Role.officer),
        Recipient(name="Forum Clerk", role=Role.clerk),
    ),
    status="sent",
    message_id="<reminder-1@forumflow>",
    first_attempt_at=datetime(2018, 6, 20, 9, 0, tzinfo=UTC),
    claimed_at=None,
    sent_at=datetime(2018, 6, 20, 9, 0, 2, 500, tzinfo=UTC),
    attempts=2,
)

CHAIR = User(
    user_id="chair",
    name="Forum Chair",
    email="chair@forum.example.org",
    roles=frozenset({Role.chair}),
    created_at=datetime(2018, 5, 1, 8, 0, 0, 1, tzinfo=UTC),
)
MEMBER = User(
    user_id="head-1",
    name="Primary Head",
    email="head@school.example.org",
    roles=frozenset({Role.member, Role.officer}),
    group=MemberGroup.maintained_primary,
    created_at=datetime(2018, 5, 2, 8, 0, tzinfo=UTC),
)
LIVE_TOKEN = TOKEN_PREFIX + "live-" + "a" * 38
REVOKED_TOKEN = TOKEN_PREFIX + "revoked-" + "b" * 35


def _typed(columns: dict[str, Any]) -> list[tuple[str, sa.types.TypeEngine[Any]]]:
    return list(columns.items())


# The tables as the first revision has them: plain SQL, none of the stores' code.
_entries_0001 = sa.table(
    "register_entries",
    *(
        sa.column(name, type_)
        for name, type_ in _typed(
            {
                "id": sa.Integer(),
                "idempotency_key": sa.Text(),
                "request_ref": sa.Text(),
                "cycle": sa.Integer(),
                "kind": sa.String(),
                "recorded_at": sa.DateTime(timezone=True),
                "meeting_date": sa.Date(),
                "effective_date": sa.Date(),
                "outcome": sa.Text(),
                "title": sa.Text(),
                "amount_pence": sa.BigInteger(),
                "period_start": sa.Date(),
                "period_end": sa.Date(),
                "recurrent": sa.Boolean(),
                "amendments": sa.JSON(),
                "summary": sa.Text(),
                "recorded_by": sa.Text(),
                "workflow_id": sa.Text(),
                "run_id": sa.Text(),
            }
        )
    ),
)
_funding_0001 = sa.table(
    "register_agreed_funding",
    sa.column("entry_id", sa.Integer()),
    sa.column("position", sa.Integer()),
    sa.column("option_id", sa.Text()),
    sa.column("source", sa.Text()),
    sa.column("source_detail", sa.Text()),
    sa.column("amount_pence", sa.BigInteger()),
)
_deliveries_0001 = sa.table(
    "notice_deliveries",
    *(
        sa.column(name, type_)
        for name, type_ in _typed(
            {
                "idempotency_key": sa.Text(),
                "kind": sa.String(),
                "request_ref": sa.Text(),
                "subject": sa.Text(),
                "recipients": sa.Text(),
                "status": sa.String(),
                "message_id": sa.Text(),
                "first_attempt_at": sa.DateTime(timezone=True),
                "claimed_at": sa.DateTime(timezone=True),
                "sent_at": sa.DateTime(timezone=True),
                "attempts": sa.Integer(),
            }
        )
    ),
)
_users_0001 = sa.table(
    "users",
    sa.column("user_id", sa.String()),
    sa.column("name", sa.Text()),
    sa.column("email", sa.Text()),
    sa.column("roles", sa.Text()),
    sa.column("member_group", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_tokens_0001 = sa.table(
    "api_tokens",
    sa.column("token_digest", sa.String()),
    sa.column("user_id", sa.String()),
    sa.column("label", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database the product runs on."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend, dropped after the test."""
    yield from database_urls(backend, tmp_path / "first")


@pytest.fixture
def second_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same backend, to compare schemas with."""
    yield from database_urls(backend, tmp_path / "second")


def legacy_statements(dialect: str, tables: tuple[str, ...] | None = None) -> list[str]:
    """The DDL f2a610f's create_schema ran on ``dialect`` (only ``tables``' if given)."""
    text = (LEGACY_SCHEMAS / f"f2a610f.{dialect}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    statements = [part.strip() for part in re.split(r";\s*$", body, flags=re.M) if part.strip()]
    if tables is None:
        return statements
    table_of = re.compile(r"(?:TABLE|ON|COLUMN)\s+(\w+)")
    return [s for s in statements if (found := table_of.search(s)) and found.group(1) in tables]


def make_legacy_database(url: str, tables: tuple[str, ...] | None = None) -> None:
    """A database as the old create_schema made it at f2a610f: no alembic_version."""
    engine = create_register_engine(url)
    try:
        with engine.begin() as conn:
            for statement in legacy_statements(conn.dialect.name, tables):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _entry_row(entry: RegisterEntry, *, recurrent: bool | None) -> dict[str, Any]:
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
        "recurrent": recurrent,
        "amendments": list(entry.amendments),
        "summary": entry.summary,
        "recorded_by": entry.recorded_by,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
    }


def _user_row(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "name": user.name,
        "email": user.email,
        "roles": ",".join(sorted(role.value for role in user.roles)),
        "member_group": user.group.value if user.group else None,
        "created_at": user.created_at,
    }


def fill_first_revision(url: str) -> None:
    """A row in every table, inserted as the first revision's columns have them."""
    engine = create_register_engine(url)
    try:
        with engine.begin() as conn:
            approval_id = conn.execute(
                sa.insert(_entries_0001)
                .values(_entry_row(SPLIT_APPROVAL, recurrent=True))
                .returning(_entries_0001.c.id)
            ).scalar_one()
            # Written before the recurrent flag was recorded: NULL reads as one-off.
            conn.execute(sa.insert(_entries_0001), _entry_row(CONFIRMATION, recurrent=None))
            conn.execute(
                sa.insert(_funding_0001),
                [
                    {"entry_id": approval_id, "position": position, **option.model_dump()}
                    for position, option in enumerate(SPLIT_APPROVAL.agreed_options)
                ],
            )
            conn.execute(
                sa.insert(_deliveries_0001),
                NOTICE.model_dump(exclude={"kind", "recipients"})
                | {
                    "kind": NOTICE.kind.value,
                    "recipients": json.dumps(
                        [recipient.model_dump(mode="json") for recipient in NOTICE.recipients]
                    ),
                },
            )
            conn.execute(sa.insert(_users_0001), [_user_row(CHAIR), _user_row(MEMBER)])
            conn.execute(
                sa.insert(_tokens_0001),
                [
                    {
                        "token_digest": hashlib.sha256(LIVE_TOKEN.encode()).hexdigest(),
                        "user_id": MEMBER.user_id,
                        "label": "cli",
                        "created_at": datetime(2018, 5, 3, tzinfo=UTC),
                        "revoked_at": None,
                    },
                    {
                        "token_digest": hashlib.sha256(REVOKED_TOKEN.encode()).hexdigest(),
                        "user_id": CHAIR.user_id,
                        "label": "old laptop",
                        "created_at": datetime(2018, 5, 3, tzinfo=UTC),
                        "revoked_at": datetime(2018, 6, 1, tzinfo=UTC),
                    },
                ],
            )
    finally:
        engine.dispose()


def assert_every_row_is_there(url: str) -> None:
    """fill_first_revision's rows, read back through the current stores."""
    with DecisionRegister(url) as register:
        assert register.entries_for(EHP_REF) == [
            SPLIT_APPROVAL,
            CONFIRMATION.model_copy(update={"recurrent": False}),
        ]
        assert register.funding_source_for(EHP_REF, confirmed_only=True) == (
            SPLIT_APPROVAL.agreed_options
        )
    with DeliveryLog(url) as deliveries:
        assert deliveries.delivery(NOTICE.idempotency_key) == NOTICE
    directory = UserDirectory(url)
    try:
        assert directory.all() == [CHAIR, MEMBER]
        assert directory.user_for_token(LIVE_TOKEN) == MEMBER
        assert directory.user_for_token(REVOKED_TOKEN) is None
    finally:
        directory.close()


def revision_of(url: str) -> str | None:
    """The revision alembic_version records (None: no such table, or empty)."""
    engine = create_register_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def describe_schema(url: str, *, column_order: bool) -> dict[str, Any]:
    """Every table but alembic_version as the database reports it: columns (with types,
    nullability, defaults and comments), keys, indexes and constraints, with their names."""
    engine = create_register_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            described: dict[str, Any] = {}
            for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
                columns = [
                    (
                        column["name"],
                        str(column["type"]),
                        column["nullable"],
                        column.get("default"),
                        column.get("comment"),
                    )
                    for column in inspector.get_columns(table)
                ]
                described[table] = {
                    "columns": columns if column_order else sorted(columns),
                    "primary key": inspector.get_pk_constraint(table),
                    "foreign keys": inspector.get_foreign_keys(table),
                    "indexes": sorted(inspector.get_indexes(table), key=lambda i: str(i["name"])),
                    "unique": sorted(
                        inspector.get_unique_constraints(table), key=lambda u: str(u["name"])
                    ),
                    "checks": sorted(
                        inspector.get_check_constraints(table), key=lambda c: str(c["name"])
                    ),
                }
            return described
    finally:
        engine.dispose()


def test_first_revision_is_the_schema_f2a610f_created(
    database_url: str, second_database_url: str
) -> None:
    """Upgrading to the first revision gives exactly the tables, columns, keys, indexes and
    constraint names that f2a610f's create_schema gave."""
    make_legacy_database(database_url)

    upgrade_database(second_database_url, BASELINE)

    legacy = describe_schema(database_url, column_order=True)
    assert set(legacy) == {*BASELINE_TABLES, *USER_TABLES}
    assert describe_schema(second_database_url, column_order=True) == legacy
    assert revision_of(second_database_url) == BASELINE


def test_rows_written_at_the_first_revision_survive_the_upgrade_to_head(
    database_url: str,
) -> None:
    """Entries with agreed funding, a delivery, users and tokens inserted at the first
    revision are all read back by the current stores after upgrading to head."""
    upgrade_database(database_url, BASELINE)
    fill_first_revision(database_url)

    result = upgrade_database(database_url)

    assert (result.before, result.adopted, result.after) == (BASELINE, None, head_revision())
    assert_every_row_is_there(database_url)


@pytest.mark.parametrize(
    ("with_phases", "stamped"),
    [pytest.param(False, BASELINE, id="f2a610f"), pytest.param(True, PHASES, id="with-phases")],
)
def test_a_database_the_old_create_schema_made_is_adopted_and_upgraded(
    database_url: str, with_phases: bool, stamped: str
) -> None:
    """A database with no alembic_version, as f2a610f's create_schema (then the phases
    column _add_missing_columns added) left it, is stamped with the revision its tables
    match, upgraded to head, and keeps every row."""
    make_legacy_database(database_url)
    fill_first_revision(database_url)
    if with_phases:
        engine = create_register_engine(database_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE register_entries ADD COLUMN phases JSON")
        engine.dispose()

    result = upgrade_database(database_url)

    assert (result.before, result.adopted, result.after) == (None, stamped, head_revision())
    assert_every_row_is_there(database_url)
    with DecisionRegister(database_url) as register:
        tally = PhaseTally(
            phase="maintained_primary",
            outcome="approved",
            for_count=4,
            against_count=0,
            abstentions=0,
        )
        later = make_entry(idempotency_key=f"{EHP_REF}/2/decision/1", cycle=2, phases=(tally,))
        assert register.record(later) is True
        assert later in register.entries_for(EHP_REF)
    assert upgrade_database(database_url).changed is False


def test_a_database_with_only_the_user_tables_gets_the_rest(database_url: str) -> None:
    """An unversioned database holding only the users and tokens (`forumflow add-user`
    made it) gains the register's and the delivery log's tables and keeps its users."""
    make_legacy_database(database_url, USER_TABLES)
    engine = create_register_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(_users_0001), [_user_row(CHAIR)])
    engine.dispose()

    result = upgrade_database(database_url)

    assert (result.adopted, result.after) == (BASELINE, head_revision())
    assert set(describe_schema(database_url, column_order=False)) == {
        *BASELINE_TABLES,
        *USER_TABLES,
        *SIGN_IN_TABLES,
        *DIGEST_TABLES,
    }
    directory = UserDirectory(database_url)
    try:
        assert directory.all() == [CHAIR]
    finally:
        directory.close()
    with DecisionRegister(database_url) as register:
        assert register.record(SPLIT_APPROVAL) is True


def test_head_is_what_the_stores_declare(database_url: str, second_database_url: str) -> None:
    """A database upgraded to head has the very tables the stores' metadata would create,
    and autogenerate finds nothing to migrate: a column added without a revision fails."""
    upgrade_database(database_url)
    engine = create_register_engine(second_database_url)
    for metadata in schema_metadata():
        metadata.create_all(engine)
    engine.dispose()

    declared = {table.name for metadata in schema_metadata() for table in metadata.sorted_tables}
    migrated = describe_schema(database_url, column_order=False)
    assert set(migrated) == declared
    assert migrated == describe_schema(second_database_url, column_order=False)
    combined = sa.MetaData()
    for metadata in schema_metadata():
        for table in metadata.tables.values():
            table.to_metadata(combined)
    with migrating(database_url) as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, combined) == []


def test_downgrade_to_the_first_revision_and_back_keeps_every_row(database_url: str) -> None:
    """Dropping phases (SQLite rebuilds register_entries) cascades into no agreed funding,
    and upgrading again finds every row."""
    upgrade_database(database_url, BASELINE)
    fill_first_revision(database_url)
    upgrade_database(database_url)

    with migrating(database_url) as conn:
        command.downgrade(alembic_config(conn), BASELINE)
    assert revision_of(database_url) == BASELINE
    upgrade_database(database_url)

    assert_every_row_is_there(database_url)


def test_a_database_from_a_newer_version_is_refused(database_url: str) -> None:
    """A revision this code does not know stops the start-up with a message naming it,
    and the database is left as it was."""
    upgrade_database(database_url)
    engine = create_register_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(UnknownRevision, match=r"'9999'.*newer version"):
        upgrade_database(database_url)

    assert revision_of(database_url) == "9999"


_RACER = """
import sys, time
from pathlib import Path
from storage.migrations import upgrade_database
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.001)
result = upgrade_database(url)
print("result", result.before, result.after)
"""


def test_processes_starting_at_once_upgrade_the_database_once(
    database_url: str, tmp_path: Path
) -> None:
    """Three processes upgrading a new database at the same moment all succeed; one of
    them creates the schema and the others find it at head."""
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, database_url, str(tmp_path / f"ready-{n}"), str(go)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in range(3)):
        assert time.monotonic() < deadline, "the racers did not start"
        time.sleep(0.01)
    go.touch()

    outcomes = [racer.communicate(timeout=120) for racer in racers]

    assert [racer.returncode for racer in racers] == [0, 0, 0], [err for _, err in outcomes]
    results = sorted(
        line for out, _ in outcomes for line in out.splitlines() if line.startswith("result")
    )
    head = head_revision()
    assert results == [f"result {head} {head}"] * 2 + [f"result None {head}"]
    assert_schema_is_head(database_url)


def assert_schema_is_head(url: str) -> None:
    """The database holds every table once and records the head revision."""
    assert revision_of(url) == head_revision()
    assert set(describe_schema(url, column_order=False)) == {
        *BASELINE_TABLES,
        *USER_TABLES,
        *SIGN_IN_TABLES,
        *DIGEST_TABLES,
    }


def test_store_create_schema_upgrades_the_whole_database(database_url: str) -> None:
    """Any one store's create_schema brings the shared database to head, tables of the
    other stores included, so tests and tools that call it get the migrated schema."""
    directory = UserDirectory(database_url)
    try:
        directory.create_schema()
    finally:
        directory.close()

    assert_schema_is_head(database_url)
