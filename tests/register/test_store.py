"""The decision register against SQLite, and PostgreSQL when FORUMFLOW_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from contracts.register import AgreedFunding, EntryKind, RegisterConflict, RegisterEntry
from devtools import seeds
from storage.register import EXPORT_COLUMNS, DecisionRegister
from storage.register_tables import register_agreed_funding

REPO_ROOT = Path(__file__).resolve().parents[2]

BST = timezone(timedelta(hours=1))
EHP_REF = seeds.MIDDLESBROUGH_REFERENCE
EHP_POST_COST_PENCE = seeds.POST_COST_PENCE
# Where the money in seed 000 came from was never minuted; the register is tested with
# it coming from high needs, a source the seed's options did not list.
EHP_HIGH_NEEDS = AgreedFunding(
    option_id="high-needs-one-off",
    source="dsg_high_needs",
    source_detail="additional one-off high needs allocation",
    amount_pence=seeds.TOTAL_PENCE,
)
CENTRAL_BUDGET = AgreedFunding(
    option_id=seeds.CENTRALLY_RETAINED.option_id,
    source=seeds.CENTRALLY_RETAINED.source.value,
    source_detail=None,
    amount_pence=seeds.CENTRALLY_RETAINED.amount_pence,
)


def entry_fields(**overrides: Any) -> dict[str, Any]:
    """The July 2018 Early Help Practitioners approval as it should have been minuted."""
    fields: dict[str, Any] = {
        "idempotency_key": f"{EHP_REF}/1/decision/1",
        "request_ref": EHP_REF,
        "cycle": 1,
        "kind": EntryKind.DECISION,
        "recorded_at": datetime(2018, 7, 4, 15, 30, tzinfo=UTC),
        "meeting_date": seeds.JULY_2018_MEETING,
        "outcome": "approved",
        "title": seeds.middlesbrough_draft().title,
        "amount_pence": seeds.TOTAL_PENCE,
        "period_start": seeds.POSTS_PERIOD.start,
        "period_end": seeds.POSTS_PERIOD.end,
        "agreed_options": (EHP_HIGH_NEEDS,),
        "amendments": (),
        "summary": "Four Early Help Practitioner posts at GBP 22,401 each.",
        "recorded_by": seeds.CLERK.user_id,
        "workflow_id": f"request-{EHP_REF}",
        "run_id": "run-1",
    }
    return fields | overrides


def make_entry(**overrides: Any) -> RegisterEntry:
    return RegisterEntry.model_validate(entry_fields(**overrides))


def minutes_confirmed(request_ref: str, cycle: int, decided_on: date, seq: int) -> RegisterEntry:
    return make_entry(
        idempotency_key=f"{request_ref}/{cycle}/minute_confirmed/{seq}",
        request_ref=request_ref,
        cycle=cycle,
        kind=EntryKind.MINUTE_CONFIRMED,
        recorded_at=datetime.combine(decided_on + timedelta(days=70), datetime.min.time(), UTC),
        meeting_date=decided_on,
        outcome="confirmed",
        amount_pence=None,
        period_start=None,
        period_end=None,
        agreed_options=(),
    )


@pytest.fixture
def register(database_url: str) -> Iterator[DecisionRegister]:
    """A real register on each test database, with its schema created."""
    decision_register = DecisionRegister(database_url)
    decision_register.create_schema()
    yield decision_register
    decision_register.close()


def agreed_funding_row_count(register: DecisionRegister) -> int:
    with register.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(register_agreed_funding)).scalar_one()
        )


def test_round_trip_keeps_every_field_including_agreed_funding(register: DecisionRegister) -> None:
    """An entry with split funding, amendments and a BST timestamp reads back equal, in UTC."""
    high_needs_half = EHP_HIGH_NEEDS.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE})
    central_half = CENTRAL_BUDGET.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE})
    entry = make_entry(
        outcome="approved_as_amended",
        recorded_at=datetime(2018, 7, 4, 16, 30, 15, 123456, tzinfo=BST),
        agreed_options=(high_needs_half, central_half),
        amendments=("full time and not term time only",),
    )

    assert register.record(entry) is True
    (stored,) = register.entries_for(EHP_REF)

    assert stored == entry
    assert stored.recorded_at == datetime(2018, 7, 4, 15, 30, 15, 123456, tzinfo=UTC)
    assert stored.recorded_at.utcoffset() == timedelta(0)
    assert [option.option_id for option in stored.agreed_options] == [
        "high-needs-one-off",
        "centrally-retained",
    ]


def test_recording_same_key_twice_writes_one_row(register: DecisionRegister) -> None:
    """A retried record returns True then False and leaves one entry with one funding row."""
    entry = make_entry()

    assert register.record(entry) is True
    assert register.record(entry) is False

    assert register.count() == 1
    assert register.count(EHP_REF) == 1
    assert agreed_funding_row_count(register) == 1


@pytest.mark.parametrize(
    ("changes", "differing"),
    [
        pytest.param(
            {"outcome": "deferred", "agreed_options": (), "amount_pence": None},
            {"outcome", "agreed_options", "amount_pence"},
            id="outcome",
        ),
        pytest.param({"agreed_options": (CENTRAL_BUDGET,)}, {"agreed_options"}, id="source"),
        pytest.param(
            {"recorded_at": datetime(2018, 7, 4, 15, 31, tzinfo=UTC)}, {"recorded_at"}, id="time"
        ),
    ],
)
def test_same_key_with_different_content_raises_conflict_and_changes_nothing(
    register: DecisionRegister, changes: dict[str, Any], differing: set[str]
) -> None:
    """A different entry under a recorded key raises RegisterConflict naming the fields."""
    original = make_entry()
    register.record(original)

    with pytest.raises(RegisterConflict, match=original.idempotency_key) as raised:
        register.record(make_entry(**changes))

    assert set(raised.value.differing_fields) == differing
    assert register.entries_for(EHP_REF) == [original]
    assert register.count() == 1
    assert agreed_funding_row_count(register) == 1


def test_concurrent_recording_of_one_entry_from_eight_threads_writes_one_row(
    register: DecisionRegister,
) -> None:
    """Eight threads racing to record the same entry: one writes, seven see it recorded."""
    entry = make_entry()
    start_together = threading.Barrier(8)

    def record_after_barrier(_: int) -> bool:
        start_together.wait()
        return register.record(entry)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(record_after_barrier, range(8)))

    assert sorted(results) == [False] * 7 + [True]
    assert register.count() == 1
    assert agreed_funding_row_count(register) == 1
    assert register.entries_for(EHP_REF) == [entry]


def test_concurrent_recording_of_distinct_entries_keeps_them_all(
    register: DecisionRegister,
) -> None:
    """Eight threads recording different entries all succeed (writers queue, none fail)."""
    entries = [
        make_entry(idempotency_key=f"{EHP_REF}/1/decision/{seq}", outcome="deferred", **_unfunded())
        for seq in range(8)
    ]
    start_together = threading.Barrier(8)

    def record_after_barrier(entry: RegisterEntry) -> bool:
        start_together.wait()
        return register.record(entry)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(record_after_barrier, entries))
    assert register.count(EHP_REF) == 8


def _unfunded() -> dict[str, Any]:
    return {"agreed_options": (), "amount_pence": None}


def test_entries_for_orders_by_recorded_at(register: DecisionRegister) -> None:
    """entries_for lists a request's history oldest first, whatever the insertion order."""
    decision = make_entry()
    confirmation = minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=1)
    register.record(confirmation)
    register.record(decision)
    register.record(make_entry(idempotency_key="OTHER/1/decision/1", request_ref="OTHER"))

    assert register.entries_for(EHP_REF) == [decision, confirmation]
    assert register.entries_for("nobody-asked") == []


def test_search_filters_by_source_kind_outcome_and_date(register: DecisionRegister) -> None:
    """search combines source, kind, outcome and inclusive since/until filters."""
    ehp = make_entry()
    ehp_confirmed = minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=1)
    rejected = make_entry(
        idempotency_key="SMF-2018-ABC/1/decision/1",
        request_ref="SMF-2018-ABC",
        recorded_at=datetime(2018, 10, 10, 16, tzinfo=UTC),
        meeting_date=date(2018, 10, 10),
        outcome="rejected",
        **_unfunded(),
    )
    central = make_entry(
        idempotency_key="SMF-2019-CSS/1/decision/1",
        request_ref="SMF-2019-CSS",
        recorded_at=datetime(2019, 1, 16, 16, tzinfo=UTC),
        meeting_date=date(2019, 1, 16),
        agreed_options=(CENTRAL_BUDGET,),
    )
    for entry in (central, rejected, ehp_confirmed, ehp):
        register.record(entry)

    assert register.search() == [ehp, ehp_confirmed, rejected, central]
    assert register.search(source="dsg_high_needs") == [ehp]
    assert register.search(source="dsg_early_years") == []
    assert register.search(kind=EntryKind.DECISION) == [ehp, rejected, central]
    assert register.search(kind=EntryKind.MINUTE_CONFIRMED) == [ehp_confirmed]
    assert register.search(outcome="rejected") == [rejected]
    assert register.search(since=date(2018, 10, 10), until=date(2019, 1, 16)) == [
        rejected,
        central,
    ]
    assert register.search(until=seeds.JULY_2018_MEETING) == [ehp, ehp_confirmed]
    assert register.search(kind=EntryKind.DECISION, outcome="approved", since=date(2018, 8, 1)) == [
        central
    ]


def test_search_dates_entries_without_a_meeting_by_utc_recording_day(
    register: DecisionRegister,
) -> None:
    """A funding_period entry recorded 00:30 BST on 1 Sept is dated 31 Aug (UTC)."""
    new_period = make_entry(
        idempotency_key=f"{EHP_REF}/2/funding_period/1",
        cycle=2,
        kind=EntryKind.FUNDING_PERIOD,
        recorded_at=datetime(2019, 9, 1, 0, 30, tzinfo=BST),
        meeting_date=None,
        outcome="started",
        period_start=date(2019, 9, 1),
        period_end=date(2020, 8, 31),
        **_unfunded(),
    )
    register.record(new_period)

    assert new_period.effective_date == date(2019, 8, 31)
    assert register.search(since=date(2019, 8, 31), until=date(2019, 8, 31)) == [new_period]
    assert register.search(since=date(2019, 9, 1)) == []


def test_funding_source_for_answers_the_middlesbrough_case(register: DecisionRegister) -> None:
    """SMF-2018-EHP, approved July 2018 for 4 x GBP 22,401 from high needs, is DSG high needs."""
    register.record(make_entry())
    register.record(minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=1))

    funding = register.funding_source_for(EHP_REF)

    assert funding == (EHP_HIGH_NEEDS,)
    assert [option.source for option in funding] == ["dsg_high_needs"]
    assert [option.option_id for option in funding] == ["high-needs-one-off"]
    assert sum(option.amount_pence for option in funding) == seeds.TOTAL_PENCE


def test_funding_source_for_unconfirmed_approval_is_provisional(
    register: DecisionRegister,
) -> None:
    """Before the minutes are confirmed the approval answers, unless confirmed_only."""
    register.record(make_entry())

    assert register.funding_source_for(EHP_REF) == (EHP_HIGH_NEEDS,)
    assert register.funding_source_for(EHP_REF, confirmed_only=True) == ()
    assert register.funding_source_for("never-approved") == ()


def test_funding_source_for_prefers_the_latest_confirmed_approval(
    register: DecisionRegister,
) -> None:
    """A later approval only answers once its own meeting's minutes are confirmed."""
    register.record(make_entry())
    register.record(minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=1))
    extension = make_entry(
        idempotency_key=f"{EHP_REF}/2/decision/1",
        cycle=2,
        recorded_at=datetime(2019, 7, 3, 16, tzinfo=UTC),
        meeting_date=date(2019, 7, 3),
        agreed_options=(CENTRAL_BUDGET,),
    )
    register.record(extension)
    # Confirming a different meeting of the same cycle does not confirm the extension.
    register.record(minutes_confirmed(EHP_REF, 2, date(2019, 5, 1), seq=1))

    assert register.funding_source_for(EHP_REF) == (EHP_HIGH_NEEDS,)

    register.record(minutes_confirmed(EHP_REF, 2, date(2019, 7, 3), seq=2))

    assert register.funding_source_for(EHP_REF) == (CENTRAL_BUDGET,)
    assert register.funding_decision_for(EHP_REF) == extension


def test_create_schema_is_idempotent(register: DecisionRegister) -> None:
    """Creating the schema again keeps the tables and what they hold."""
    register.record(make_entry())

    register.create_schema()

    assert register.count() == 1


def test_export_rows_are_flat_one_per_agreed_option(register: DecisionRegister) -> None:
    """export_rows gives one flat, JSON- and CSV-ready row per agreed option."""
    split = make_entry(
        agreed_options=(
            EHP_HIGH_NEEDS.model_copy(update={"amount_pence": 1}),
            CENTRAL_BUDGET.model_copy(update={"amount_pence": 4 * EHP_POST_COST_PENCE - 1}),
        ),
    )
    register.record(split)
    register.record(minutes_confirmed(EHP_REF, 1, seeds.JULY_2018_MEETING, seq=1))

    rows = register.export_rows()

    assert [tuple(row) for row in rows] == [EXPORT_COLUMNS] * 3
    assert [row["option_source"] for row in rows] == ["dsg_high_needs", "centrally_retained", None]
    assert rows[0]["recorded_at"] == "2018-07-04T15:30:00+00:00"
    assert rows[0]["meeting_date"] == "2018-07-04"
    assert rows[0]["amendments"] == "[]"
    assert sum(int(row["option_amount_pence"] or 0) for row in rows) == seeds.TOTAL_PENCE
    assert json.loads(json.dumps(rows)) == rows
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writerows(rows)
    assert buffer.getvalue().count("\n") == 3
    assert register.export_rows("nobody-asked") == []


def test_naive_recorded_at_is_rejected_naming_the_field() -> None:
    """A recorded_at without a timezone fails validation on that field."""
    with pytest.raises(ValidationError) as raised:
        make_entry(recorded_at=datetime(2018, 7, 4, 15, 30))  # noqa: DTZ001

    (error,) = raised.value.errors()
    assert error["loc"] == ("recorded_at",)
    assert "timezone" in error["msg"]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: make_entry(amount_pence=-1, agreed_options=()), id="entry"),
        pytest.param(
            lambda: AgreedFunding.model_validate(
                EHP_HIGH_NEEDS.model_dump() | {"amount_pence": -1}
            ),
            id="agreed-option",
        ),
    ],
)
def test_negative_amount_is_rejected(build: Any) -> None:
    """A negative amount_pence fails validation, on an entry or an agreed option."""
    with pytest.raises(ValidationError) as raised:
        build()

    assert any(
        error["loc"][-1] == "amount_pence" and "greater than or equal to 0" in error["msg"]
        for error in raised.value.errors()
    )


def test_float_amount_is_rejected() -> None:
    """Money is integer pence: a float amount is refused even when whole."""
    with pytest.raises(ValidationError, match="amount_pence"):
        AgreedFunding(
            option_id="high-needs-one-off",
            source="dsg_high_needs",
            amount_pence=8_960_400.0,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(_unfunded(), "must name the agreed option", id="approval-without-source"),
        pytest.param({"outcome": "approved_as_amended"}, "needs the amendments", id="amended"),
        pytest.param({"amount_pence": 1}, "differs from the agreed options", id="total"),
        pytest.param({"outcome": "waved through"}, "decision outcome", id="outcome"),
        pytest.param({"meeting_date": None}, "needs the meeting_date", id="meeting"),
        pytest.param({"period_end": date(2018, 8, 31)}, "before period_start", id="period"),
    ],
)
def test_inconsistent_decisions_are_rejected(changes: dict[str, Any], message: str) -> None:
    """The register refuses the records the seed went wrong with (e.g. approval sans source)."""
    with pytest.raises(ValidationError, match=message):
        make_entry(**changes)


def test_entry_survives_a_json_round_trip() -> None:
    """An entry crosses a Temporal payload (JSON) and validates back equal under strict mode."""
    entry = make_entry(recorded_at=datetime(2018, 7, 4, 16, 30, tzinfo=BST))

    assert RegisterEntry.model_validate_json(entry.model_dump_json()) == entry


def test_sqlite_register_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    """A SQLite register creates its directory and runs with WAL and foreign keys on."""
    database = tmp_path / "nested" / "dir" / "register.sqlite3"
    with DecisionRegister(f"sqlite:///{database}") as sqlite_register:
        sqlite_register.create_schema()
        with sqlite_register.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    assert database.is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://user:pw@localhost/db", "SQLite or PostgreSQL"),
    ],
)
def test_unsuitable_urls_are_refused(url: str, message: str) -> None:
    """URLs that would lose the record or lack an idempotent insert are refused up front."""
    with pytest.raises(ValueError, match=message):
        DecisionRegister(url)


def test_search_by_source_returns_entries_with_all_their_options(
    register: DecisionRegister,
) -> None:
    """Matching one option's source returns the entry whole, with its other options too."""
    split = make_entry(
        agreed_options=(
            EHP_HIGH_NEEDS.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE}),
            CENTRAL_BUDGET.model_copy(update={"amount_pence": 2 * EHP_POST_COST_PENCE}),
        ),
    )
    register.record(split)

    assert register.search(source="centrally_retained") == [split]
