"""Which reminders and escalations a request's deadlines call for, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.alarms import alarms_for, due_alarms, next_alarm_at
from domain.calendar import LONDON
from domain.deadlines import Deadline, DeadlineKind
from domain.models import Role


def deadline(escalates: bool = True) -> Deadline:
    return Deadline(
        key="SMF-1/c1/evaluation_report/2019-06-28",
        kind=DeadlineKind.evaluation_report,
        due=datetime(2019, 6, 28, 17, 0, tzinfo=LONDON),
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
