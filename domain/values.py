"""The base of every domain value, the constrained scalars they are built from, and how a
value is rebuilt with changes.

Every model is a frozen, strict pydantic model that forbids unknown fields, because each
one crosses the Temporal boundary as JSON (pydantic's data converter) and is replayed
from history: a value that was accepted once must mean the same thing for ever. In strict
mode Python callers must pass real ``date``/enum/tuple objects, while JSON may carry
dates, datetimes and enum values as strings, so round trips work.

Money is always whole pence in an ``int``; floats are refused, never rounded. Derived
values (totals, labels) are plain properties, not computed fields, so they are never
serialised and a stored value cannot disagree with its own parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Annotated, Any, Protocol, Self, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from domain.calendar import format_uk_date, to_london


class DomainModel(BaseModel):
    """Base of every domain value: immutable, strict, closed to unknown fields."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


MAX_TEXT_LENGTH = 20_000
"""The longest text a person may give one field: a long minute fits many times over, and
every value travels in a workflow's history, which Temporal caps per event."""

Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH), AfterValidator(_not_blank)]
"""A string with at least one non-space character, at most MAX_TEXT_LENGTH long."""


def _cut_to_fit(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        return value[: MAX_TEXT_LENGTH - 1] + "…"
    return value


Summary = Annotated[Text, BeforeValidator(_cut_to_fit)]
"""An audit entry's summary: Text, cut to fit, since it quotes text people typed (a
title, an amendment) that may be as long as Text allows on its own."""

MAX_PENCE = 100_000_000_000_000
"""GBP 1 trillion: far beyond any forum's budget, well inside a 64-bit register column."""

Pence = Annotated[int, Field(ge=0, le=MAX_PENCE)]
"""An amount of money in whole pence."""

REFERENCE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,40}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,40}$"

Reference = Annotated[str, Field(pattern=REFERENCE_PATTERN)]
"""A request's reference, e.g. SMF-2018-EHP: it names the request everywhere."""

MEETING_ID_PATTERN = r"^meeting-[a-z0-9][a-z0-9-]{1,60}$"
MeetingId = Annotated[str, Field(pattern=MEETING_ID_PATTERN)]
"""A meeting's id, which is also its workflow id, e.g. "meeting-2018-07-04"; a request
names the meeting it is tabled for by it."""

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

FIRST_PLANNABLE_DAY = date(2000, 1, 1)
LAST_PLANNABLE_DAY = date(2099, 12, 31)
"""The days a person may give a request or a meeting: every deadline worked out from
them (papers and minutes working days, lead-ins, reminders) stays inside the years the
working-day calendar knows England's bank holidays for (1872 to 2100), so no date typed
in can make a workflow fail."""

PLANNABLE_RULE = (
    f"plannable-date: a day from {format_uk_date(FIRST_PLANNABLE_DAY)} to "
    f"{format_uk_date(LAST_PLANNABLE_DAY)}"
)


def _plannable_day(day: date) -> date:
    if not FIRST_PLANNABLE_DAY <= day <= LAST_PLANNABLE_DAY:
        raise ValueError(f"{PLANNABLE_RULE}, not {format_uk_date(day)}")
    return day


def _plannable_moment(moment: datetime) -> datetime:
    day = to_london(moment).date()
    if not FIRST_PLANNABLE_DAY <= day <= LAST_PLANNABLE_DAY:
        raise ValueError(f"{PLANNABLE_RULE} on the London calendar, not {format_uk_date(day)}")
    return moment


PlannableDate = Annotated[date, AfterValidator(_plannable_day)]
"""A day a person gives (a period's ends, a service start, a meeting day, a report's due
date), within FIRST_PLANNABLE_DAY..LAST_PLANNABLE_DAY."""

PlannableMoment = Annotated[AwareDatetime, AfterValidator(_plannable_moment)]
"""An instant a person gives (a meeting's start) whose London day is plannable."""


def format_pence(pence: int) -> str:
    """Money as a paper writes it: "£89,604", or "£12.50" when there are pence."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def quote_ids(ids: Iterable[str]) -> str:
    """Ids for a message: "'a', 'b'"."""
    return ", ".join(f"'{i}'" for i in ids)


def repeated(values: Iterable[str]) -> list[str]:
    """The values that appear more than once, sorted."""
    listed = list(values)
    return sorted({v for v in listed if listed.count(v) > 1})


def require_unique(values: Iterable[str], what: str) -> None:
    """Refuse (ValueError, for a validator) ``values`` in which one appears twice."""
    if twice := repeated(values):
        raise ValueError(f"{what} must be unique; repeated: {', '.join(twice)}")


class Rebuildable(Protocol):
    """A value that lists its fields and validates a new one from them: any DomainModel."""

    def __iter__(self) -> Iterator[tuple[str, Any]]: ...

    @classmethod
    def model_validate(cls, obj: Any) -> Self: ...


R = TypeVar("R", bound=Rebuildable)


def evolve(value: R, **changes: Any) -> R:
    """``value`` with ``changes``, validated like any new value.

    Never ``model_copy``, which skips the validators: the state models' validators hold
    the invariants each stage relies on, so every state produced satisfies them.
    """
    return type(value).model_validate({**dict(value), **changes})
