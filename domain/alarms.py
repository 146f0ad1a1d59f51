"""When to remind and when to escalate, as a pure plan over a request's deadlines.

A reminder goes ``offset`` days before a deadline (at the deadline's own time, or at
the forum's send hour for that kind of deadline), but only if that moment is after the
deadline first appeared: a request tabled three days before its
papers deadline gets the 1-day reminder, not a belated "28 days to go". An
escalation goes to the chair when a deadline that escalates is still listed
(so still undone) at its due time. Every alarm has a key, which is also the
notice's idempotency key, so each is delivered once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import AwareDatetime

from domain.calendar import LONDON
from domain.deadlines import Deadline
from domain.forum import ForumSettings
from domain.values import DomainModel


class Alarm(DomainModel):
    """A reminder or escalation due at a moment."""

    key: str
    kind: Literal["reminder", "escalation"]
    at: AwareDatetime
    deadline: Deadline
    days_before: int | None = None


def reminder_instants(
    deadline: Deadline, offsets_days: Sequence[int], send_hour: int | None = None
) -> list[tuple[int, datetime]]:
    """(days before, instant) for each reminder, soonest first, on the London wall clock.

    Days are counted on the Europe/London calendar, so a reminder 7 days before a 5pm
    deadline is at 5pm local time even across a clock change; with ``send_hour`` it is
    at that hour of the day instead (never later than the deadline). A wall time that
    does not exist (spring forward) resolves to the pre-change offset, landing an hour
    later on the clock; an ambiguous one (autumn) takes the first, BST, occurrence.
    """
    wall = deadline.due.astimezone(LONDON).replace(tzinfo=None)
    if send_hour is not None:
        wall = datetime.combine(wall.date(), time(send_hour))
    # On the day at an hour after the deadline, the reminder goes at the deadline itself:
    # one after it would remind of nothing.
    return sorted(
        (
            (days, min((wall - timedelta(days=days)).replace(tzinfo=LONDON), deadline.due))
            for days in offsets_days
        ),
        key=lambda pair: pair[1],
    )


def alarms_for(
    deadlines: Iterable[Deadline],
    timings: ForumSettings | Sequence[int],
    first_seen: Mapping[str, datetime],
) -> list[Alarm]:
    """Every alarm the current deadlines call for, soonest first.

    ``timings`` is the forum's settings (each kind of deadline reminded on its own
    timing, or the default), or one list of days before for every kind, at each
    deadline's own time.
    """
    alarms: list[Alarm] = []
    for deadline in deadlines:
        seen = first_seen.get(deadline.key)
        if isinstance(timings, ForumSettings):
            timing = timings.reminder_timing(deadline.kind.value)
            instants = reminder_instants(deadline, timing.offsets_days, timing.send_hour)
        else:
            instants = reminder_instants(deadline, timings)
        for days_before, instant in instants:
            if seen is None or instant > seen:
                alarms.append(
                    Alarm(
                        key=f"{deadline.key}/reminder/{days_before}d",
                        kind="reminder",
                        at=instant,
                        deadline=deadline,
                        days_before=days_before,
                    )
                )
        if deadline.escalates:
            alarms.append(
                Alarm(
                    key=f"{deadline.key}/escalation",
                    kind="escalation",
                    at=deadline.due,
                    deadline=deadline,
                )
            )
    return sorted(alarms, key=lambda alarm: (alarm.at, alarm.key))


def due_alarms(alarms: Iterable[Alarm], delivered: Collection[str], now: datetime) -> list[Alarm]:
    """Alarms whose moment has come and that have not been delivered."""
    return [alarm for alarm in alarms if alarm.at <= now and alarm.key not in delivered]


def next_alarm_at(alarms: Iterable[Alarm], delivered: Collection[str]) -> datetime | None:
    """The moment of the next undelivered alarm, if any."""
    pending = [alarm.at for alarm in alarms if alarm.key not in delivered]
    return min(pending) if pending else None
