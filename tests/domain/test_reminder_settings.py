"""Reminder settings: lead times and the send hour per kind of deadline, the defaults
that keep today's alarms, and the FORUMFLOW_ settings that build them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from config.settings import Settings
from devtools.seeds import OFFICER, staffordshire_draft
from domain.alarms import alarms_for
from domain.calendar import LONDON
from domain.deadlines import Deadline, DeadlineKind, request_deadlines
from domain.forum import ForumSettings, ReminderTiming
from domain.people import Role
from domain.request.models import RequestState
from domain.values import evolve

NOW = datetime(2019, 1, 2, 9, 0, tzinfo=UTC)
MEETINGS = (date(2019, 3, 20), date(2019, 6, 12))


def _deadlines(settings: ForumSettings) -> list[Deadline]:
    state = RequestState.new(staffordshire_draft(author_id=OFFICER.user_id), OFFICER, NOW)
    return request_deadlines(evolve(state, settings=settings), MEETINGS)


def _deadline(kind: DeadlineKind, due: datetime) -> Deadline:
    return Deadline(
        key=f"REF-1/c1/{kind.value}/{due.date().isoformat()}",
        kind=kind,
        due=due,
        label="Something due",
        responsible_role=Role.officer,
        request_ref="REF-1",
        escalates=True,
    )


def test_the_default_settings_plan_todays_alarms_exactly() -> None:
    """With default settings every key and instant is what the 28, 7, 1 days list gave."""
    deadlines = _deadlines(ForumSettings())
    by_settings = alarms_for(deadlines, ForumSettings(), {})
    by_list = alarms_for(deadlines, (28, 7, 1), {})
    assert by_settings == by_list
    assert [a.key for a in by_settings if a.kind == "reminder"][:3] == [
        "SSF-2019-EHFS/c1/papers/2019-03-12/reminder/28d",
        "SSF-2019-EHFS/c1/procurement_decision/2019-04-01/reminder/28d",
        "SSF-2019-EHFS/c1/papers/2019-03-12/reminder/7d",
    ]
    first = by_settings[0]
    assert first.at == datetime(2019, 2, 12, 17, 0, tzinfo=LONDON)


def test_a_kind_with_its_own_timing_is_reminded_at_its_hour() -> None:
    """Papers reminded 7 days before and on the day at 9am; other kinds keep the default."""
    settings = ForumSettings(
        reminder_timings=(ReminderTiming(kind="papers", offsets_days=(0, 7), send_hour=9),)
    )
    alarms = alarms_for(_deadlines(settings), settings, {})
    papers = [(a.key, a.at) for a in alarms if a.deadline.kind is DeadlineKind.papers]
    assert papers == [
        ("SSF-2019-EHFS/c1/papers/2019-03-12/reminder/7d", datetime(2019, 3, 5, 9, tzinfo=LONDON)),
        ("SSF-2019-EHFS/c1/papers/2019-03-12/reminder/0d", datetime(2019, 3, 12, 9, tzinfo=LONDON)),
    ]
    decision = [
        a.days_before for a in alarms if a.deadline.kind is DeadlineKind.procurement_decision
    ]
    assert decision == [28, 7, 1, None]


def test_the_default_send_hour_applies_to_kinds_not_named() -> None:
    """reminder_send_hour 8 moves every default reminder to 8am London, across BST."""
    settings = ForumSettings(reminder_offsets_days=(1,), reminder_send_hour=8)
    deadline = _deadline(DeadlineKind.evaluation_report, datetime(2024, 4, 1, 16, tzinfo=UTC))
    [reminder, _escalation] = alarms_for([deadline], settings, {})
    assert reminder.at == datetime(2024, 3, 31, 8, 0, tzinfo=LONDON)
    assert reminder.at.utcoffset() is not None
    assert reminder.at.astimezone(UTC).hour == 7


def test_a_kind_added_later_takes_the_default_timing() -> None:
    """A kind no timing names (even one unknown today) gets the forum's default days and hour."""
    settings = ForumSettings(
        reminder_offsets_days=(14, 2),
        reminder_send_hour=10,
        reminder_timings=(ReminderTiming(kind="papers", offsets_days=(1,)),),
    )
    timing = settings.reminder_timing("funding_confirmation_next_year")
    assert (timing.offsets_days, timing.send_hour) == ((14, 2), 10)
    assert settings.reminder_timing("papers").offsets_days == (1,)


def test_a_reminder_on_the_day_after_the_deadline_hour_goes_at_the_deadline() -> None:
    """On the day at 11pm, after a 5pm deadline, the reminder goes at 5pm."""
    settings = ForumSettings(reminder_offsets_days=(0,), reminder_send_hour=23)
    due = datetime(2024, 6, 3, 17, tzinfo=LONDON)
    alarms = alarms_for([_deadline(DeadlineKind.papers, due)], settings, {})
    [reminder] = [a for a in alarms if a.kind == "reminder"]
    [escalation] = [a for a in alarms if a.kind == "escalation"]
    assert reminder.key.endswith("/reminder/0d")
    assert reminder.at == due == escalation.at


def test_an_empty_list_sends_no_reminders_for_that_kind() -> None:
    """A kind whose timing lists no days is not reminded; its escalation stays."""
    settings = ForumSettings(reminder_timings=(ReminderTiming(kind="papers", offsets_days=()),))
    due = datetime(2024, 6, 3, 17, tzinfo=LONDON)
    alarms = alarms_for([_deadline(DeadlineKind.papers, due)], settings, {})
    assert [a.kind for a in alarms] == ["escalation"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"reminder_offsets_days": (7, 7)}, "reminder_offsets_days", "must be unique"),
        ({"reminder_offsets_days": (-1,)}, "reminder_offsets_days", "greater than or equal"),
        ({"reminder_offsets_days": (400,)}, "reminder_offsets_days", "less than or equal"),
        ({"reminder_send_hour": 24}, "reminder_send_hour", "less than or equal"),
        (
            {
                "reminder_timings": (
                    {"kind": "papers", "offsets_days": (1,)},
                    {"kind": "papers", "offsets_days": (2,)},
                )
            },
            "reminder_timings",
            "kind must be unique",
        ),
        ({"papers_clear_working_days": 101}, "papers_clear_working_days", "less than or equal"),
    ],
)
def test_bad_reminder_settings_are_refused_naming_the_field(
    changes: dict[str, object], field: str, words: str
) -> None:
    """Repeated, negative or over-long lead times and impossible hours are refused."""
    with pytest.raises(ValidationError) as raised:
        ForumSettings.model_validate(changes)
    error = raised.value.errors()[0]
    assert error["loc"][0] == field
    assert words in error["msg"]


def test_the_app_settings_build_the_forum_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """FORUMFLOW_REMINDER_DAYS, _SEND_HOUR and _TIMINGS become the forum's reminder settings."""
    monkeypatch.setenv("FORUMFLOW_REMINDER_DAYS", "14, 3, 0")
    monkeypatch.setenv("FORUMFLOW_REMINDER_SEND_HOUR", "9")
    monkeypatch.setenv(
        "FORUMFLOW_REMINDER_TIMINGS", '{"papers": {"days": [7, 1], "send_hour": 12}}'
    )
    forum = Settings().forum_settings()
    assert forum.reminder_offsets_days == (14, 3, 0)
    assert forum.reminder_send_hour == 9
    assert forum.reminder_timings == (
        ReminderTiming(kind="papers", offsets_days=(7, 1), send_hour=12),
    )


def test_by_default_the_app_settings_are_the_forums_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no reminder variables the forum settings equal ForumSettings()."""
    for name in ("DAYS", "SEND_HOUR", "TIMINGS"):
        monkeypatch.delenv(f"FORUMFLOW_REMINDER_{name}", raising=False)
    assert Settings().forum_settings() == ForumSettings()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("FORUMFLOW_REMINDER_DAYS", "28,a", "whole days separated by commas"),
        ("FORUMFLOW_REMINDER_DAYS", "7,7", "must be unique"),
        ("FORUMFLOW_REMINDER_TIMINGS", '{"paper": {"days": [1]}}', "papers"),
        ("FORUMFLOW_REMINDER_SEND_HOUR", "25", "less than or equal to 23"),
    ],
)
def test_bad_reminder_variables_stop_the_process_with_the_rule(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    """A bad reminder variable is refused when the settings are read, naming the rule."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=words):
        Settings()
