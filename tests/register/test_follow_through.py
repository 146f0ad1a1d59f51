"""The register's follow-through entries (funding pending and confirmed, spending started,
citations, an evaluation's evidence) on SQLite and, when configured, PostgreSQL; and the
revision that adds them (storage/migrations/versions/r0005_register_follow_through.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError

from contracts.register import (
    EntryKind,
    EvaluationEvidence,
    EvaluationFigure,
    PaymentByResultsFigure,
    RegisterEntry,
)
from devtools import seeds
from storage.migrations import alembic_config, migrating, upgrade_database
from storage.migrations.versions import r0005_register_follow_through as r0005
from storage.register import DecisionRegister
from tests.register.test_store import CENTRAL_BUDGET, EHP_REF, make_entry

APPROVAL = make_entry(agreed_options=(CENTRAL_BUDGET,))
PENDING = make_entry(
    idempotency_key=f"{EHP_REF}/c1/funding_pending/15",
    kind=EntryKind.FUNDING_PENDING,
    outcome="pending",
    agreed_options=(CENTRAL_BUDGET,),
    due_date=date(2018, 10, 31),
    summary="pending the DSG allocation",
)
CONFIRMED = make_entry(
    idempotency_key=f"{EHP_REF}/c1/funding_confirmed/18",
    kind=EntryKind.FUNDING_CONFIRMED,
    recorded_at=datetime(2019, 2, 1, 10, tzinfo=UTC),
    outcome="confirmed",
    agreed_options=(CENTRAL_BUDGET,),
    due_date=date(2018, 10, 31),
    occurred_on=date(2019, 1, 30),
    summary="Confirmed by the Head of Schools Finance",
)
SPENDING = make_entry(
    idempotency_key=f"{EHP_REF}/c1/spending_started/16",
    kind=EntryKind.SPENDING_STARTED,
    outcome="before_funding_confirmed",
    agreed_options=(),
    amount_pence=None,
    occurred_on=date(2018, 9, 1),
    summary="Four posts filled",
)
CITATION = make_entry(
    idempotency_key="SMF-2019-EHP2/c1/citation/9/0",
    request_ref="SMF-2019-EHP2",
    kind=EntryKind.CITATION,
    meeting_date=date(2019, 1, 16),
    outcome="cited",
    agreed_options=(),
    amount_pence=None,
    cites=APPROVAL.idempotency_key,
    summary="Cites the July 2018 approval as funded from the centrally retained budget",
)
EVALUATED = make_entry(
    idempotency_key=f"{EHP_REF}/c1/evaluation/30",
    kind=EntryKind.EVALUATION,
    outcome="ended",
    agreed_options=(),
    amount_pence=None,
    evidence=EvaluationEvidence(
        outcomes=(EvaluationFigure(measure="referrals", value=707, unit="referrals"),),
        payment_by_results=(
            PaymentByResultsFigure(
                measure="referrals", target=600, achieved=707, amount_paid_pence=5_000_000
            ),
        ),
    ),
)
FOLLOW_THROUGH = (PENDING, SPENDING, CONFIRMED, CITATION, EVALUATED)


@pytest.fixture
def register(database_url: str) -> Iterator[DecisionRegister]:
    """A real register on each test database, with its schema created."""
    decision_register = DecisionRegister(database_url)
    decision_register.create_schema()
    yield decision_register
    decision_register.close()


def test_follow_through_entries_read_back_as_written(register: DecisionRegister) -> None:
    """Each new kind is stored with its due date, day, citation and evidence, and read back."""
    for entry in (APPROVAL, *FOLLOW_THROUGH):
        assert register.record(entry) is True
    assert register.record(CONFIRMED) is False
    assert register.entries_for(EHP_REF) == [APPROVAL, PENDING, SPENDING, EVALUATED, CONFIRMED]
    assert register.search(kind=EntryKind.CITATION) == [CITATION]
    assert register.search(kind=EntryKind.FUNDING_PENDING)[0].due_date == date(2018, 10, 31)
    # The source filter finds the confirmation too, since it names the agreed option.
    sourced = register.search(source="centrally_retained")
    assert [e.kind for e in sourced] == [
        EntryKind.DECISION,
        EntryKind.FUNDING_PENDING,
        EntryKind.FUNDING_CONFIRMED,
    ]
    assert register.search(outcome="before_funding_confirmed") == [SPENDING]


def test_each_new_kind_needs_its_own_facts() -> None:
    """A pending entry without its due date, a citation citing nothing, and so on, are refused."""
    fields = PENDING.model_dump()
    with pytest.raises(ValidationError, match="due_date"):
        RegisterEntry.model_validate({**PENDING.model_dump(), "due_date": None}, strict=False)
    with pytest.raises(ValidationError, match="occurred_on"):
        RegisterEntry.model_validate({**CONFIRMED.model_dump(), "occurred_on": None}, strict=False)
    with pytest.raises(ValidationError, match="cites"):
        RegisterEntry.model_validate({**CITATION.model_dump(), "cites": None}, strict=False)
    with pytest.raises(ValidationError, match="spending outcome"):
        RegisterEntry.model_validate({**SPENDING.model_dump(), "outcome": "maybe"}, strict=False)
    assert fields["kind"] is EntryKind.FUNDING_PENDING


def _kinds(url: str) -> list[str]:
    with sa.create_engine(url).connect() as conn:
        return sorted(row[0] for row in conn.execute(sa.text("SELECT kind FROM register_entries")))


def test_the_database_refuses_a_kind_it_does_not_know(register: DecisionRegister) -> None:
    """The kind check constraint was restated: new kinds go in, an unknown one does not."""
    register.record(CITATION)
    with register.engine.begin() as conn:
        row = conn.execute(sa.text("SELECT * FROM register_entries")).mappings().one()
    bad = {**row, "id": row["id"] + 1, "idempotency_key": "other", "kind": "rumour"}
    names = ", ".join(bad)
    values = ", ".join(f":{name}" for name in bad)
    with pytest.raises(sa.exc.IntegrityError), register.engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO register_entries ({names}) VALUES ({values})"), bad)


def test_the_revision_upgrades_old_rows_and_its_downgrade_drops_only_new_kinds(
    database_url: str,
) -> None:
    """Rows of the revision before read back with empty new columns; downgrading deletes
    the follow-through entries (and their funding rows) and keeps every other one."""
    before = r0005.down_revision
    assert before is not None
    upgrade_database(database_url, before)
    with migrating(database_url) as conn:
        conn.execute(
            sa.text(
                "INSERT INTO register_entries (idempotency_key, request_ref, cycle, kind, "
                "recorded_at, meeting_date, effective_date, outcome, title, amendments, "
                "summary, recorded_by, workflow_id, run_id) VALUES ('k1', :ref, 1, "
                "'decision', :at, :day, :day, 'deferred', 't', '[]', 's', 'c', 'w', 'r')"
            ),
            {
                "ref": EHP_REF,
                "at": datetime(2018, 7, 4, tzinfo=UTC),
                "day": seeds.JULY_2018_MEETING,
            },
        )
    upgrade_database(database_url)
    register = DecisionRegister(database_url)
    try:
        (old,) = register.entries_for(EHP_REF)
        assert (old.due_date, old.occurred_on, old.cites, old.evidence) == (None,) * 4
        for entry in FOLLOW_THROUGH:
            register.record(entry)
    finally:
        register.close()
    with migrating(database_url) as conn:
        command.downgrade(alembic_config(conn), before)
    assert _kinds(database_url) == ["decision", "evaluation"]
    with sa.create_engine(database_url).connect() as conn:
        orphans = conn.execute(
            sa.text(
                "SELECT count(*) FROM register_agreed_funding WHERE entry_id NOT IN "
                "(SELECT id FROM register_entries)"
            )
        ).scalar_one()
    assert orphans == 0
