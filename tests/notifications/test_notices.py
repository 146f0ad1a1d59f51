"""Rendering notices (domain/notices.py): plain English, UK dates, London time, stable keys."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain.calendar import at_close_of_business
from domain.deadlines import Deadline, DeadlineKind
from domain.notices import (
    Notice,
    NoticeKind,
    Recipient,
    action_carried_forward_notice,
    escalation_notice,
    format_london_deadline,
    reminder_notice,
    warning_notice,
)
from domain.people import Role

REF = "SMF-2018-EHP"
TITLE = "Early Help Practitioners"
OFFICER = Recipient(name="Jane Smith", email="jane.smith@example.gov.uk", role=Role.officer)
CHAIR = Recipient(name="Cllr Pat Jones", email="chair@example.gov.uk", role=Role.chair)


def papers_deadline(due: datetime, **overrides: Any) -> Deadline:
    """The papers deadline for a meeting, as domain.deadlines would list it."""
    fields: dict[str, Any] = {
        "key": f"{REF}/c1/papers/{due.date().isoformat()}",
        "kind": DeadlineKind.papers,
        "due": due,
        "label": "Papers for the 4 April 2024 meeting",
        "responsible_role": Role.officer,
        "request_ref": REF,
        "meeting_date": date(2024, 4, 4),
        "escalates": True,
    }
    return Deadline.model_validate(fields | overrides)


def test_reminder_states_reference_title_deadline_days_and_consequence() -> None:
    """A 7-day reminder says what, by 5pm on which day, time left, whose, and the escalation."""
    deadline = papers_deadline(at_close_of_business(date(2024, 3, 25)))

    notice = reminder_notice(deadline, 7, TITLE, [OFFICER])

    assert notice.subject == "SMF-2018-EHP: papers due in 7 days (Monday 25 March 2024)"
    assert notice.idempotency_key == f"{REF}/c1/papers/2024-03-25/reminder/7d"
    assert notice.kind is NoticeKind.reminder
    assert notice.deadline_key == deadline.key
    assert notice.due == deadline.due
    assert notice.recipients == (OFFICER,)
    body = notice.body
    assert f"{REF}, {TITLE}" in body
    assert "What is due: Papers for the 4 April 2024 meeting" in body
    assert "Deadline: by 5pm on Monday 25 March 2024 (UK time)" in body
    assert "Days remaining: 7 days" in body
    assert "Meeting: Thursday 4 April 2024" in body
    assert "Responsible: Jane Smith (officer)" in body
    assert "escalate it to the chair" in body


def test_deadline_in_summer_time_reads_as_london_wall_clock() -> None:
    """A deadline after the clocks go forward, carried in UTC (16:00), still reads 5pm."""
    due_utc = datetime(2024, 4, 2, 16, 0, tzinfo=UTC)
    notice = reminder_notice(papers_deadline(due_utc), 7, TITLE, [OFFICER])

    assert "by 5pm on Tuesday 2 April 2024" in notice.body
    assert notice.subject.endswith("(Tuesday 2 April 2024)")


def test_deadline_in_winter_time_reads_as_london_wall_clock() -> None:
    """Before the clocks go forward London is on GMT: 17:00 UTC reads 5pm, 16:00 UTC reads 4pm."""
    assert format_london_deadline(datetime(2024, 3, 29, 17, 0, tzinfo=UTC)) == (
        "5pm on Friday 29 March 2024"
    )
    assert format_london_deadline(datetime(2024, 3, 29, 16, 0, tzinfo=UTC)) == (
        "4pm on Friday 29 March 2024"
    )


def test_late_utc_evening_in_summer_is_the_next_london_day() -> None:
    """23:30 UTC on 30 June is 12:30am on Monday 1 July in London, and the day shown follows."""
    assert format_london_deadline(datetime(2024, 6, 30, 23, 30, tzinfo=UTC)) == (
        "12:30am on Monday 1 July 2024"
    )


@pytest.mark.parametrize(
    ("days", "subject_phrase", "remaining"),
    [(1, "due tomorrow", "Days remaining: 1 day"), (0, "due today", "it is due today")],
)
def test_reminder_phrases_tomorrow_and_today(
    days: int, subject_phrase: str, remaining: str
) -> None:
    """The 1-day and same-day reminders say "tomorrow" and "today" rather than "in 1 days"."""
    notice = reminder_notice(
        papers_deadline(at_close_of_business(date(2024, 3, 25))), days, TITLE, [OFFICER]
    )

    assert subject_phrase in notice.subject
    assert remaining in notice.body
    assert notice.idempotency_key.endswith(f"/reminder/{days}d")


def test_reminder_for_a_deadline_that_does_not_escalate_promises_no_escalation() -> None:
    """A non-escalating deadline says it will be recorded as missed, with no chair."""
    deadline = papers_deadline(at_close_of_business(date(2024, 3, 25)), escalates=False)

    body = reminder_notice(deadline, 7, TITLE, [OFFICER]).body

    assert "chair" not in body
    assert "show it as missed" in body


def test_reminder_refuses_negative_offsets_and_no_recipients() -> None:
    """A reminder after the deadline, or to nobody, is a caller's mistake and is refused."""
    deadline = papers_deadline(at_close_of_business(date(2024, 3, 25)))

    with pytest.raises(ValueError, match="days_before must be >= 0"):
        reminder_notice(deadline, -1, TITLE, [OFFICER])
    with pytest.raises(ValueError, match="needs at least one recipient"):
        reminder_notice(deadline, 7, TITLE, [])


def test_escalation_goes_to_the_chair_and_names_who_was_responsible() -> None:
    """The escalation goes to the chair only, says the deadline passed, and names the officer."""
    deadline = papers_deadline(at_close_of_business(date(2024, 3, 25)))

    notice = escalation_notice(deadline, TITLE, CHAIR, [OFFICER])

    assert notice.recipients == (CHAIR,)
    assert notice.kind is NoticeKind.escalation
    assert notice.idempotency_key == f"{REF}/c1/papers/2024-03-25/escalation"
    assert notice.subject == "SMF-2018-EHP: missed deadline for papers (Monday 25 March 2024)"
    assert "passed at 5pm on Monday 25 March 2024" in notice.body
    assert "has not been done" in notice.body
    assert "Responsible: Jane Smith (officer, jane.smith@example.gov.uk)" in notice.body
    assert "as chair of the Schools Forum" in notice.body


def test_action_carried_forward_tells_chair_and_owner_with_both_meetings() -> None:
    """A missed action goes to the chair and its owner, naming the missed and the next meeting."""
    notice = action_carried_forward_notice(
        REF,
        TITLE,
        "Present the Early Help evaluation",
        OFFICER,
        date(2019, 1, 16),
        date(2019, 3, 13),
        CHAIR,
    )

    assert notice.idempotency_key == f"{REF}/action/present-the-early-help-evaluation/2019-01-16"
    assert notice.recipients == (CHAIR, OFFICER)
    assert notice.subject == "SMF-2018-EHP: action carried forward to Wednesday 13 March 2019"
    assert "Owner: Jane Smith" in notice.body
    assert "the meeting on Wednesday 16 January 2019" in notice.body
    assert "Now due at: Wednesday 13 March 2019" in notice.body


def test_action_without_next_meeting_or_owner_address_still_reaches_the_chair() -> None:
    """With no meeting scheduled and only the owner's name, the chair is told it has no new date."""
    notice = action_carried_forward_notice(
        REF, TITLE, "Present to a future meeting", "Jane Smith", date(2019, 1, 16), None, CHAIR
    )

    assert notice.recipients == (CHAIR,)
    assert notice.subject == "SMF-2018-EHP: action not done by Wednesday 16 January 2019"
    assert "no meeting scheduled yet" in notice.body
    assert "Owner: Jane Smith" in notice.body


def test_long_action_descriptions_get_distinct_bounded_keys() -> None:
    """Two long descriptions sharing a 40-character start still get different keys."""
    common = "Present the outcomes of the early help practitioners pilot to the forum"
    keys = {
        action_carried_forward_notice(
            REF, TITLE, f"{common} {ending}", OFFICER, date(2019, 1, 16), None, CHAIR
        ).idempotency_key
        for ending in ("in January", "in March")
    }

    assert len(keys) == 2
    assert all(len(key.split("/")[2]) <= 53 for key in keys)


def test_warning_key_follows_the_warning_text() -> None:
    """The same warning renders the same key; a changed warning gets a new one."""
    first = warning_notice(REF, TITLE, "No meeting meets the lead-in.", [OFFICER])
    again = warning_notice(REF, TITLE, "No meeting meets the lead-in.", [OFFICER])
    changed = warning_notice(REF, TITLE, "The last meeting's papers deadline passed.", [OFFICER])

    assert first == again
    assert first.idempotency_key != changed.idempotency_key
    assert first.idempotency_key.startswith(f"{REF}/warning/")
    assert first.subject == f"{REF}: warning about {TITLE}"
    assert "No meeting meets the lead-in." in first.body


def test_notice_round_trips_through_json_as_temporal_carries_it() -> None:
    """A notice serialised to JSON (the pydantic data converter) validates back equal."""
    notice = reminder_notice(
        papers_deadline(at_close_of_business(date(2024, 7, 1))), 7, TITLE, [OFFICER]
    )

    assert Notice.model_validate_json(notice.model_dump_json()) == notice


def test_notice_refuses_multi_line_subject_and_no_recipients() -> None:
    """A subject with a line break (header injection) or a notice for nobody is refused."""
    fields: dict[str, Any] = {
        "idempotency_key": "k",
        "kind": NoticeKind.warning,
        "subject": "one\nBcc: everyone@example.org",
        "body": "b",
        "recipients": (OFFICER,),
    }
    with pytest.raises(ValidationError, match="single line"):
        Notice.model_validate(fields)
    with pytest.raises(ValidationError, match="recipients"):
        Notice.model_validate(fields | {"subject": "s", "recipients": ()})
