"""The calendar feed, parsed back with icalendar as a subscribing client would read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Alarm, Calendar, Event
from pydantic import ValidationError

from adapters.ical import (
    PRODID,
    CalendarEvent,
    calendar_feed,
    deadline_event,
    meeting_event,
)
from domain.calendar import LONDON, at_close_of_business
from domain.deadlines import Deadline, DeadlineKind
from domain.people import Role

GENERATED_AT = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
JULY_MEETING = meeting_event(
    "2026-07-09", datetime(2026, 7, 9, 10, tzinfo=LONDON), "Schools Forum", "County Hall, Stafford"
)
JANUARY_MEETING = meeting_event(
    "2027-01-14", datetime(2027, 1, 14, 10, tzinfo=LONDON), "Schools Forum", "County Hall, Stafford"
)
PAPERS = Deadline.model_validate(
    {
        "key": "SMF-2026-EHFS/c1/papers/2026-07-01",
        "kind": DeadlineKind.papers,
        "due": at_close_of_business(date(2026, 7, 1)),
        "label": "Papers for the 9 July 2026 meeting",
        "responsible_role": Role.officer,
        "request_ref": "SMF-2026-EHFS",
        "meeting_date": date(2026, 7, 9),
        "escalates": False,
    }
)


def parse(feed: bytes) -> Calendar:
    calendar = Calendar.from_ical(feed)
    assert isinstance(calendar, Calendar)
    return calendar


def events_of(calendar: Calendar) -> list[Event]:
    return list(calendar.events)


def raw(component: Event | Alarm | Calendar, name: str) -> Any:
    """A property as parsed (value and parameters), untyped like icalendar's own lookup."""
    return component[name]


def test_feed_carries_publishing_properties_and_a_london_vtimezone() -> None:
    """The VCALENDAR has PRODID, VERSION 2.0, GREGORIAN, PUBLISH, a name and a London VTIMEZONE."""
    calendar = parse(calendar_feed([JULY_MEETING], generated_at=GENERATED_AT, name="SMF"))

    assert calendar["PRODID"] == PRODID
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "SMF"
    assert calendar["X-WR-TIMEZONE"] == "Europe/London"
    (timezone,) = calendar.timezones
    assert timezone.tz_name == "Europe/London"
    assert {sub.name for sub in timezone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert calendar.errors == []
    assert all(component.errors == [] for component in calendar.walk())


def test_bst_and_gmt_meetings_both_stay_at_ten_on_the_london_clock() -> None:
    """A July (BST) and a January (GMT) meeting both read back 10:00 with TZID=Europe/London."""
    feed = calendar_feed([JULY_MEETING, JANUARY_MEETING], generated_at=GENERATED_AT)
    calendar = parse(feed)
    # The VTIMEZONE itself, not the reader's zoneinfo, must give the right offsets.
    vtimezone = calendar.timezones[0].to_tz()

    july, january = events_of(calendar)
    assert b"DTSTART;TZID=Europe/London:20260709T100000" in feed
    assert b"DTSTART;TZID=Europe/London:20270114T100000" in feed
    for event, utc_hour in ((july, 9), (january, 10)):
        assert raw(event, "DTSTART").params["TZID"] == "Europe/London"
        start = event.start
        assert isinstance(start, datetime)
        assert (start.hour, start.minute) == (10, 0)
        assert start.astimezone(UTC).hour == utc_hour
        wall = start.replace(tzinfo=None)
        assert wall.replace(tzinfo=vtimezone).astimezone(UTC).hour == utc_hour
        assert event.end == start + timedelta(hours=2)


def test_a_start_given_in_utc_is_written_on_the_london_wall_clock() -> None:
    """An aware UTC start becomes its London wall time (09:00Z in July is 10:00 BST)."""
    event = meeting_event("m1", datetime(2026, 7, 9, 9, tzinfo=UTC), "Forum", None)

    feed = calendar_feed([event], generated_at=GENERATED_AT)

    assert b"DTSTART;TZID=Europe/London:20260709T100000" in feed


def test_all_day_event_is_written_as_a_date() -> None:
    """An all-day event has DTSTART;VALUE=DATE and reads back as a date."""
    event = CalendarEvent(uid="inset@forumflow", summary="Budget setting", all_day=date(2027, 2, 1))

    feed = calendar_feed([event], generated_at=GENERATED_AT)

    assert b"DTSTART;VALUE=DATE:20270201" in feed
    (parsed,) = events_of(parse(feed))
    assert parsed.start == date(2027, 2, 1)
    assert not isinstance(parsed.start, datetime)


def test_deadline_is_a_5pm_london_instant_with_a_display_reminder() -> None:
    """A deadline starts at its 5pm London due time, is transparent and reminds a day ahead."""
    feed = calendar_feed(
        [deadline_event(PAPERS, "Early help family support")], generated_at=GENERATED_AT
    )

    (event,) = events_of(parse(feed))
    assert b"DTSTART;TZID=Europe/London:20260701T170000" in feed
    assert event.uid == "deadline-SMF-2026-EHFS/c1/papers/2026-07-01@forumflow"
    assert event.summary == "Papers for the 9 July 2026 meeting: Early help family support"
    assert event.description is not None
    assert "Due by 5pm on 1 July 2026 (UK time)" in event.description
    assert "Responsible: officer" in event.description
    assert raw(event, "TRANSP") == "TRANSPARENT"
    assert event.categories == [
        "Schools Forum",
        "Deadline",
        "papers",
    ]
    (alarm,) = event.walk("VALARM")
    assert isinstance(alarm, Alarm)
    assert raw(alarm, "ACTION") == "DISPLAY"
    trigger = alarm.TRIGGER
    assert trigger == -timedelta(days=1)
    assert alarm.description == event.summary


def test_uids_are_stable_and_output_is_deterministic() -> None:
    """Two generations give the same UIDs; with the same generated_at, identical bytes."""
    events = [JULY_MEETING, JANUARY_MEETING, deadline_event(PAPERS, "Early help")]

    first = calendar_feed(events, generated_at=GENERATED_AT)
    again = calendar_feed(events, generated_at=GENERATED_AT)
    later = calendar_feed(events, generated_at=GENERATED_AT + timedelta(days=1))

    assert first == again
    uids = [event.uid for event in events_of(parse(first))]
    assert uids == [event.uid for event in events_of(parse(later))]
    assert uids == [
        "meeting-2026-07-09@forumflow",
        "meeting-2027-01-14@forumflow",
        "deadline-SMF-2026-EHFS/c1/papers/2026-07-01@forumflow",
    ]


def test_feed_is_crlf_delimited_and_folded_at_75_octets() -> None:
    """Every line ends CRLF and is at most 75 octets; long UTF-8 text unfolds back intact."""
    description = "Four Early Help Practitioner posts at £22,401 each, " * 6
    event = meeting_event(
        "long",
        datetime(2026, 7, 9, 10, tzinfo=LONDON),
        "Early Help Practitioners: options for funding from the DSG high needs block",
        "Committee Room 1",
        description=description,
    )

    feed = calendar_feed([event], generated_at=GENERATED_AT)

    assert feed.endswith(b"\r\n")
    assert b"\n" not in feed.replace(b"\r\n", b"")
    lines = feed.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-octet character
    (parsed,) = events_of(parse(feed))
    assert parsed.description == description


def test_every_event_has_dtstamp_from_generated_at_and_a_uid() -> None:
    """Each VEVENT has a UID and a UTC DTSTAMP equal to generated_at, not the clock."""
    generated_at = datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)
    events = [JULY_MEETING, JANUARY_MEETING, deadline_event(PAPERS, "Early help")]

    parsed = events_of(parse(calendar_feed(events, generated_at=generated_at)))

    assert len(parsed) == 3
    for event in parsed:
        assert event.uid
        assert event.stamp == datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
        assert raw(event, "DTSTAMP").to_ical().endswith(b"Z")


def test_feed_with_no_events_is_still_a_valid_calendar() -> None:
    """An empty feed parses, validates, keeps its VTIMEZONE and has no VEVENT."""
    feed = calendar_feed([], generated_at=GENERATED_AT)

    calendar = parse(feed)
    calendar.validate()  # type: ignore[no-untyped-call]
    assert events_of(calendar) == []
    assert [timezone.tz_name for timezone in calendar.timezones] == ["Europe/London"]
    assert feed.startswith(b"BEGIN:VCALENDAR\r\n")
    assert feed.endswith(b"END:VCALENDAR\r\n")


def test_repeated_uid_is_refused() -> None:
    """Two events with one UID are refused: a client would merge them into one."""
    with pytest.raises(ValueError, match="repeat a UID: meeting-2026-07-09@forumflow"):
        calendar_feed([JULY_MEETING, JULY_MEETING], generated_at=GENERATED_AT)


def test_naive_generated_at_is_refused() -> None:
    """A DTSTAMP from a naive datetime would be ambiguous, so it is refused."""
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar_feed([], generated_at=datetime(2026, 6, 1, 8, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({}, "exactly one of start", id="no-timing"),
        pytest.param(
            {"start": datetime(2026, 7, 9, 10, tzinfo=LONDON), "all_day": date(2026, 7, 9)},
            "exactly one of start",
            id="both",
        ),
        pytest.param({"start": datetime(2026, 7, 9, 10)}, "timezone", id="naive"),  # noqa: DTZ001
        pytest.param(
            {
                "start": datetime(2026, 7, 9, 10, tzinfo=LONDON),
                "end": datetime(2026, 7, 9, 9, tzinfo=LONDON),
            },
            "end is before start",
            id="end-before-start",
        ),
        pytest.param(
            {"all_day": date(2026, 7, 9), "end": date(2026, 7, 9)},
            "exclusive",
            id="all-day-end",
        ),
        pytest.param(
            {
                "start": datetime(2026, 7, 9, 10, tzinfo=LONDON),
                "end": datetime(2026, 7, 9, 11, tzinfo=LONDON),
                "duration": timedelta(hours=1),
            },
            "end or duration",
            id="end-and-duration",
        ),
        pytest.param(
            {"all_day": date(2026, 7, 9), "duration": timedelta(hours=3)},
            "whole days",
            id="all-day-hours",
        ),
    ],
)
def test_inconsistent_event_timing_is_refused(fields: dict[str, Any], message: str) -> None:
    """An event needs exactly one of start/all_day and an end that fits it."""
    with pytest.raises(ValidationError, match=message):
        CalendarEvent.model_validate({"uid": "x@forumflow", "summary": "x"} | fields)
