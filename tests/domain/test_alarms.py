"""Which reminders and escalations a request's deadlines call for, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.alarms import alarms_for, due_alarms, next_alarm_at, reminder_instants
from domain.calendar import LONDON
from domain.deadlines import Deadline, DeadlineKind
from domain.people import Role


def deadline(escalates: bool = True, due: datetime | None = None) -> Deadline:
    return Deadline(
        key="SMF-1/c1/evaluation_report/2019-06-28",
        kind=DeadlineKind.evaluation_report,
        due=due or datetime(2019, 6, 28, 17, 0, tzinfo=LONDON),
        label="Evaluation report to the forum",
        responsible_role=Role.officer,
        request_ref="SMF-1",
        escalates=escalates,
    )


def test_reminders_before_and_escalation_at_the_deadline() -> None:
    """28, 7 and 1 days before, then the escalation at 5pm on the day."""
    alarms = alarms_for([deadline()], (28, 7, 1), {})
    assert [(a.kind, a.days_before, a.at.date().isoformat()) for a in alarms] == [
        ("reminder", 28, "2019-05-31"),
        ("reminder", 7, "2019-06-21"),
        ("reminder", 1, "2019-06-27"),
        ("escalation", None, "2019-06-28"),
    ]
    assert len({a.key for a in alarms}) == 4


def test_reminders_already_past_when_the_deadline_appeared_are_not_sent() -> None:
    """A deadline first seen 3 days out gets only the 1-day reminder and its escalation."""
    seen = {deadline().key: datetime(2019, 6, 25, 10, 0, tzinfo=UTC)}
    alarms = alarms_for([deadline()], (28, 7, 1), seen)
    assert [(a.kind, a.days_before) for a in alarms] == [("reminder", 1), ("escalation", None)]


def test_a_deadline_that_does_not_escalate_only_reminds() -> None:
    """Papers deadlines are reminded but never escalated."""
    alarms = alarms_for([deadline(escalates=False)], (7,), {})
    assert [a.kind for a in alarms] == ["reminder"]


def test_due_and_next_skip_delivered_alarms() -> None:
    """Delivered alarms are neither due again nor the next to wait for."""
    alarms = alarms_for([deadline()], (28, 7, 1), {})
    now = alarms[1].at + timedelta(minutes=1)
    assert [a.days_before for a in due_alarms(alarms, {alarms[0].key}, now)] == [7]
    assert next_alarm_at(alarms, {alarms[0].key, alarms[1].key}) == alarms[2].at
    assert next_alarm_at(alarms, {a.key for a in alarms}) is None


def test_reminders_keep_the_london_wall_time_across_the_spring_clock_change() -> None:
    """Reminders before a 5pm BST deadline are at 5pm GMT before the change, soonest first."""
    instants = reminder_instants(deadline(due=datetime(2024, 4, 4, 16, 0, tzinfo=UTC)), (1, 28, 7))
    assert instants == [
        (28, datetime(2024, 3, 7, 17, 0, tzinfo=UTC)),
        (7, datetime(2024, 3, 28, 17, 0, tzinfo=UTC)),
        (1, datetime(2024, 4, 3, 16, 0, tzinfo=UTC)),
    ]


def test_reminders_on_missing_and_repeated_wall_times() -> None:
    """01:30 that never happens lands at 02:30 BST; one that happens twice takes BST."""

    def in_utc(due: datetime) -> list[datetime]:
        # In UTC: a wall time in a gap or a fold is never equal to one in another zone.
        return [at.astimezone(UTC) for _, at in reminder_instants(deadline(due=due), (7,))]

    # 31 Mar 2024 01:30 does not exist in London; read as GMT it is 01:30Z (02:30 BST).
    assert in_utc(datetime(2024, 4, 7, 1, 30, tzinfo=LONDON)) == [
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    ]
    # 27 Oct 2024 01:30 happens twice; the first (BST) occurrence is 00:30Z.
    assert in_utc(datetime(2024, 11, 3, 1, 30, tzinfo=LONDON)) == [
        datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    ]
