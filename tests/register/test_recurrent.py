"""The register's recurrent flag, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, text

from contracts.register import RegisterConflict
from storage.migrations.versions.r0001_f2a610f_schema import TABLES as BASELINE_TABLES
from storage.register import EXPORT_COLUMNS, DecisionRegister
from tests.register.test_store import (
    EHP_REF,
    make_entry,
)


@pytest.fixture
def recurrent_register(database_url: str) -> Iterator[DecisionRegister]:
    """A real register on each test database."""
    decision_register = DecisionRegister(database_url)
    decision_register.create_schema()
    yield decision_register
    decision_register.close()


def test_recurrent_defaults_to_false_and_round_trips(recurrent_register: DecisionRegister) -> None:
    """An entry is one-off unless flagged; a recurrent entry reads back recurrent."""
    one_off = make_entry()
    recurrent = make_entry(idempotency_key=f"{EHP_REF}/2/decision/1", cycle=2, recurrent=True)

    recurrent_register.record(one_off)
    recurrent_register.record(recurrent)

    assert one_off.recurrent is False
    assert [entry.recurrent for entry in recurrent_register.entries_for(EHP_REF)] == [False, True]
    assert recurrent_register.entries_for(EHP_REF) == [one_off, recurrent]


def test_same_key_with_recurrent_flipped_is_a_conflict(
    recurrent_register: DecisionRegister,
) -> None:
    """Re-recording a key as recurrent when it was one-off raises a conflict naming the field."""
    recurrent_register.record(make_entry())

    with pytest.raises(RegisterConflict) as raised:
        recurrent_register.record(make_entry(recurrent=True))

    assert raised.value.differing_fields == ("recurrent",)


def test_export_rows_carry_the_recurrent_flag(recurrent_register: DecisionRegister) -> None:
    """The flat export has a recurrent column after the funding period."""
    recurrent_register.record(make_entry(recurrent=True))

    (row,) = recurrent_register.export_rows()

    assert EXPORT_COLUMNS.index("recurrent") == EXPORT_COLUMNS.index("period_end") + 1
    assert row["recurrent"] is True


def test_create_schema_adds_the_column_to_a_register_that_predates_it(
    recurrent_register: DecisionRegister,
) -> None:
    """An unversioned register made before the recurrent (and phases) columns gains them
    when adopted by the migrations; its old rows read as one-off."""
    older = make_entry()
    recurrent_register.record(older)
    with recurrent_register.engine.begin() as conn:
        conn.execute(text("ALTER TABLE register_entries DROP COLUMN recurrent"))
        conn.execute(text("ALTER TABLE register_entries DROP COLUMN phases"))
        # And the follow-through columns of revision 0005, which it predates too.
        conn.execute(text("DROP INDEX ix_register_entries_cites"))
        for column in ("due_date", "occurred_on", "cites", "evidence"):
            conn.execute(text(f"ALTER TABLE register_entries DROP COLUMN {column}"))
        # And revision 0004's digest choice on the users the baseline already had.
        if "users" in inspect(conn).get_table_names():
            conn.execute(text("ALTER TABLE users DROP COLUMN daily_digest"))
        # Such a register holds only the baseline's tables: later revisions add the rest.
        for table in set(inspect(conn).get_table_names()) - BASELINE_TABLES.keys():
            conn.execute(text(f"DROP TABLE {table}"))

    recurrent_register.create_schema()
    recurrent_register.record(
        make_entry(idempotency_key=f"{EHP_REF}/2/decision/1", cycle=2, recurrent=True)
    )
    recurrent_register.create_schema()

    columns = inspect(recurrent_register.engine).get_columns("register_entries")
    assert [column["name"] for column in columns].count("recurrent") == 1
    assert [entry.recurrent for entry in recurrent_register.entries_for(EHP_REF)] == [False, True]
    assert recurrent_register.record(older) is False
