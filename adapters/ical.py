"""The forum's meetings and deadlines as an iCalendar (RFC 5545) feed people can subscribe to.

Timed events are written in Europe/London with a VTIMEZONE generated from zoneinfo, so a
10:00 meeting stays at 10:00 on the wall clock in both GMT and BST whatever the
subscriber's own zone. Output is a pure function of its inputs (DTSTAMP comes from
``generated_at``, never the clock; UIDs from stable ids), so regenerating an unchanged
feed gives identical bytes and calendar clients update events in place instead of
duplicating them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Self

from icalendar import Alarm, Calendar, Event, Timezone
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.calendar import LONDON, format_uk_date, to_london
from domain.deadlines import Deadline

__all__ = [
    "PRODID",
    "TIMEZONE_ID",
    "UID_DOMAIN",
    "CalendarEvent",
    "calendar_feed",
    "deadline_event",
    "meeting_event",
]

PRODID = "-//forumflow//Schools Forum calendar//EN"
TIMEZONE_ID = "Europe/London"
UID_DOMAIN = "forumflow"
CALENDAR_CATEGORY = "Schools Forum"

# RFC 5545 3.1 content lines cannot carry a raw line break; icalendar escapes one in
# TEXT values, but a UID or category must never contain one.
SingleLine = Annotated[str, Field(min_length=1, pattern=r"^[^\r\n]+$")]


class CalendarEvent(BaseModel):
    """One VEVENT: a timed event (``start``) or an all-day one (``all_day``), never both.

    ``end`` is an aware datetime for a timed event, or the exclusive end date of an
    all-day one (RFC 5545: an all-day event on 9 July alone ends on 10 July); give
    ``end`` or ``duration``, or neither (an instant, or a single day).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    uid: SingleLine = Field(description="stable across regenerations, e.g. meeting-<id>@forumflow")
    summary: SingleLine
    description: str = ""
    start: AwareDatetime | None = None
    all_day: date | None = None
    end: AwareDatetime | date | None = None
    duration: timedelta | None = Field(default=None, ge=timedelta(0))
    location: str | None = None
    categories: tuple[SingleLine, ...] = ()
    reminder: timedelta | None = Field(
        default=None, gt=timedelta(0), description="show a display alarm this long before start"
    )
    transparent: bool = Field(
        default=False, description="does not block the subscriber's free/busy time"
    )

    @model_validator(mode="after")
    def _one_kind_of_timing(self) -> Self:
        if (self.start is None) == (self.all_day is None):
            raise ValueError("give exactly one of start (timed) or all_day (date)")
        if self.end is not None and self.duration is not None:
            raise ValueError("give end or duration, not both")
        if self.start is not None and self.end is not None:
            if not isinstance(self.end, datetime):
                raise ValueError("a timed event's end must be an aware datetime")
            if self.end < self.start:
                raise ValueError("end is before start")
        if self.all_day is not None and self.end is not None:
            if isinstance(self.end, datetime):
                raise ValueError("an all-day event's end must be a date (exclusive)")
            if self.end <= self.all_day:
                raise ValueError("an all-day event's end date is exclusive: it must be after it")
        whole_days = self.duration is None or (
            self.duration >= timedelta(days=1) and not self.duration % timedelta(days=1)
        )
        if self.all_day is not None and not whole_days:
            raise ValueError("an all-day event's duration must be whole days")
        return self

    @property
    def first_day(self) -> date:
        """The London calendar day the event starts on."""
        if self.start is not None:
            return to_london(self.start).date()
        assert self.all_day is not None  # the validator guarantees one of the two
        return self.all_day


def meeting_event(
    meeting_id: str,
    start: datetime,
    title: str,
    location: str | None,
    *,
    duration: timedelta = timedelta(hours=2),
    description: str = "",
    reminder: timedelta | None = None,
) -> CalendarEvent:
    """A forum meeting, timed on the London wall clock, with a UID stable per meeting id."""
    return CalendarEvent(
        uid=f"meeting-{meeting_id}@{UID_DOMAIN}",
        summary=title,
        description=description,
        start=start,
        duration=duration,
        location=location,
        categories=(CALENDAR_CATEGORY, "Meeting"),
        reminder=reminder,
    )


def deadline_event(
    deadline: Deadline,
    request_title: str,
    *,
    reminder: timedelta | None = timedelta(days=1),
) -> CalendarEvent:
    """A request's deadline as an instant at its ``due`` (5pm London), keyed by the deadline key.

    Transparent, so a deadline does not show the subscriber as busy at 5pm.
    """
    due = to_london(deadline.due)
    lines = [
        f"Due by {_uk_time(due)} on {format_uk_date(due.date())} (UK time).",
        f"Request: {deadline.request_ref} ({request_title}).",
        f"Responsible: {deadline.responsible_role.value}.",
    ]
    if deadline.meeting_date is not None:
        lines.append(f"Meeting: {format_uk_date(deadline.meeting_date)}.")
    return CalendarEvent(
        uid=f"deadline-{deadline.key}@{UID_DOMAIN}",
        summary=f"{deadline.label}: {request_title}",
        description="\n".join(lines),
        start=due,
        categories=(CALENDAR_CATEGORY, "Deadline", deadline.kind.value),
        reminder=reminder,
        transparent=True,
    )


def _uk_time(moment: datetime) -> str:
    """A wall time as people write it: "5pm", "9:30am"."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def calendar_feed(
    events: Sequence[CalendarEvent],
    *,
    generated_at: datetime,
    name: str = "Schools Forum",
) -> bytes:
    """The events as a published iCalendar feed: CRLF lines folded at 75 octets, UTF-8.

    ``generated_at`` (aware) becomes every event's DTSTAMP. Raises ``ValueError`` if two
    events share a UID, which clients would merge into one.
    """
    if generated_at.tzinfo is None or generated_at.utcoffset() is None:
        raise ValueError("generated_at must be timezone-aware")
    uids = [event.uid for event in events]
    repeated = sorted({uid for uid in uids if uids.count(uid) > 1})
    if repeated:
        raise ValueError(f"events repeat a UID: {', '.join(repeated)}")

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.calendar_name = name
    calendar.add("X-WR-TIMEZONE", TIMEZONE_ID)
    # Always present, even with no events: X-WR-TIMEZONE names it, and RFC 5545 needs
    # at least one component for an empty feed to be a valid calendar.
    calendar.add_component(_london_timezone(events, generated_at))
    stamp = generated_at.astimezone(UTC)
    for event in events:
        calendar.add_component(_vevent(event, stamp))
    calendar.validate()  # type: ignore[no-untyped-call]  # icalendar leaves it unannotated
    feed: bytes = calendar.to_ical()
    return feed


def _london_timezone(events: Sequence[CalendarEvent], generated_at: datetime) -> Timezone:
    # Transitions only for the years the feed spans (the default is 1970-2038, several
    # KB of RDATEs), derived from the inputs so the bytes stay deterministic.
    years = [event.first_day.year for event in events] + [generated_at.year]
    return Timezone.from_tzid(
        TIMEZONE_ID, first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1)
    )


def _vevent(event: CalendarEvent, stamp: datetime) -> Event:
    start: date | datetime
    end: date | datetime | None = event.end
    if event.start is not None:
        # Any aware input is written on the London wall clock, with TZID=Europe/London.
        start = event.start.astimezone(LONDON)
        end = end.astimezone(LONDON) if isinstance(end, datetime) else None
    else:
        assert event.all_day is not None  # the model guarantees one of the two
        start = event.all_day
    vevent = Event.new(
        uid=event.uid,
        stamp=stamp,
        start=start,
        end=end,
        summary=event.summary,
        description=event.description or None,
        location=event.location,
        categories=event.categories,
    )
    if event.duration is not None:
        vevent.add("DURATION", event.duration)
    if event.transparent:
        vevent.add("TRANSP", "TRANSPARENT")
    if event.reminder is not None:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", event.summary)
        alarm.add("TRIGGER", -event.reminder)
        vevent.add_component(alarm)
    return vevent
