"""The deadline calendar of a Schools Forum: working days, paper deadlines, decision dates,
and the London wall clock and UK dates every deadline is read in.

Everything here is pure and deterministic so that workflows can call it: no clock
reading (every "today" is a parameter) and no dependency on Temporal. Bank holidays come
from the ``holidays`` package (GB, England), frozen into :class:`WorkingCalendar` values.

Two consequences for workflow code:

* The default calendar answers for every year the package has England's bank holidays
  for (1872 to 2100 in holidays 0.109). The years most records fall in (2000 to 2060)
  are built when this module is imported; any other year is built on first use and kept
  for the life of the process. Either way a year's answer depends only on the year (and
  the package's version), so a workflow replays the same on any worker. Workers pass
  ``domain`` (and ``holidays``) through the workflow sandbox, so the package runs as
  itself there.
* A ``holidays`` upgrade can change the list (new one-off bank holidays are added as
  they are announced). A workflow that must replay identically across such an upgrade
  should take a :class:`WorkingCalendar` snapshot as input (it is a plain frozen
  dataclass of dates and names) rather than use :func:`default_calendar`.
"""

from __future__ import annotations

import bisect
import calendar as _stdlib_calendar
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

CLOSE_OF_BUSINESS = time(17, 0)

# The years most forum records fall in, built at import; others are built on first use.
DEFAULT_FIRST_YEAR = 2000
DEFAULT_LAST_YEAR = 2060

_ENGLAND = holidays.country_holidays("GB", subdiv="ENG", language="en_GB")

SUPPORTED_FIRST_YEAR: int = _ENGLAND.start_year
SUPPORTED_LAST_YEAR: int = _ENGLAND.end_year
"""The years the ``holidays`` package lists England's bank holidays for; outside them it
lists none, which would read as "no bank holidays", so the calendar refuses them."""

# Financial years (and so DSG funding years) start on 1 April in England.
_FINANCIAL_YEAR_START_MONTH = 4

# Spelled out rather than taken from strftime("%B"), which follows the process locale.
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    """England and Wales working days over an explicit span of calendar years.

    A working day is Monday to Friday and not a bank holiday. Asking about a date
    outside ``first_year``..``last_year`` raises ``ValueError``: silently treating an
    unknown year as holiday-free would give wrong deadlines with no visible symptom.

    Build one with :meth:`england_and_wales`; the constructor takes the holiday list
    itself so a snapshot can be stored, serialised and replayed unchanged.
    """

    first_year: int
    last_year: int
    bank_holidays: tuple[tuple[date, str], ...]

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        seen: set[date] = set()
        for day, _name in self.bank_holidays:
            if not self.first_year <= day.year <= self.last_year:
                raise ValueError(f"bank holiday {day.isoformat()} is outside the calendar span")
            if day in seen:
                raise ValueError(f"bank holiday {day.isoformat()} is listed twice")
            seen.add(day)

    # Derived lookups are cached properties rather than fields so that the dataclass's
    # fields (and so equality, hashing and serialisation) are just the holiday list.
    @functools.cached_property
    def _names(self) -> dict[date, str]:
        return dict(self.bank_holidays)

    @functools.cached_property
    def _weekday_ordinals(self) -> tuple[int, ...]:
        """Ordinals of bank holidays falling Monday-Friday, sorted, for bisection."""
        return tuple(
            sorted(d.toordinal() for d, _ in self.bank_holidays if d.weekday() < _SATURDAY)
        )

    @classmethod
    def england_and_wales(
        cls, first_year: int = DEFAULT_FIRST_YEAR, last_year: int = DEFAULT_LAST_YEAR
    ) -> WorkingCalendar:
        """Build the calendar from the ``holidays`` package (country GB, subdivision ENG).

        England and Wales share one bank-holiday list; ENG is used as its name.
        One-off holidays (jubilees, the 2022 state funeral, the 2023 coronation) and
        substitute days ("(observed)") are included as the package defines them.
        """
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")
        source = holidays.country_holidays(
            "GB", subdiv="ENG", years=range(first_year, last_year + 1), language="en_GB"
        )
        entries = tuple(sorted((day, str(name)) for day, name in source.items()))
        return cls(first_year=first_year, last_year=last_year, bank_holidays=entries)

    def _check_span(self, d: date) -> None:
        if not self.first_year <= d.year <= self.last_year:
            raise ValueError(
                f"{d.isoformat()} is outside the working calendar "
                f"({self.first_year}-{self.last_year})"
            )

    def covers(self, d: date) -> bool:
        """Whether ``d`` falls within the calendar's span of years."""
        return self.first_year <= d.year <= self.last_year

    def bank_holiday_name(self, d: date) -> str | None:
        """The bank holiday's name on ``d`` (as the ``holidays`` package gives it), else None.

        A holiday whose date falls on a weekend keeps its name (e.g. Boxing Day on a
        Saturday); the substitute weekday appears separately as "... (observed)".
        """
        self._check_span(d)
        return self._names.get(d)

    def is_working_day(self, d: date) -> bool:
        """True when ``d`` is Monday to Friday and not a bank holiday."""
        self._check_span(d)
        return d.weekday() < _SATURDAY and d not in self._names

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (before it when ``n`` is negative).

        ``d`` itself is never counted and need not be a working day; ``n == 0``
        returns ``d`` unchanged. So for ``n >= 1`` the result is a working day with
        exactly ``n - 1`` working days strictly between ``d`` and it.
        """
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        current = d
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Clear working days between ``a`` and ``b``: strictly after ``a``, strictly before ``b``.

        Raises ``ValueError`` when ``b`` is before ``a``, which in this domain means
        the two dates were passed the wrong way round.
        """
        if b < a:
            raise ValueError(f"{b.isoformat()} is before {a.isoformat()}")
        self._check_span(a)
        self._check_span(b)
        first, last = a.toordinal() + 1, b.toordinal() - 1
        if first > last:
            return 0
        # Ordinal 1 (0001-01-01) is a Monday, so (ordinal - 1) % 7 is the weekday.
        weekdays = _weekdays_before(last + 1) - _weekdays_before(first)
        holidays_in_range = bisect.bisect_right(self._weekday_ordinals, last) - bisect.bisect_left(
            self._weekday_ordinals, first
        )
        return weekdays - holidays_in_range


def _weekdays_before(ordinal: int) -> int:
    """Number of Monday-Friday days with ordinal in ``[1, ordinal)``."""
    full_weeks, extra = divmod(ordinal - 1, 7)
    return full_weeks * 5 + min(extra, 5)


_ENGLAND_LOCK = threading.Lock()


@functools.cache
def _england_year(year: int) -> WorkingCalendar:
    """England's bank holidays in ``year``, as a one-year calendar (built once a process).

    They come from the package's object made at import, which loaded its translation
    files then: building another one would read them again, which is I/O, refused
    inside the workflow sandbox. That object fills in a year when first asked about
    it; the lock keeps two workflow threads from filling it at once. England's
    substitute days never leave their year, so a year's list is the same whichever
    years were filled before it.
    """
    with _ENGLAND_LOCK:
        _ENGLAND.get(date(year, 1, 1))  # asking about a day fills in its year
        entries = tuple(sorted((d, str(name)) for d, name in _ENGLAND.items() if d.year == year))
    return WorkingCalendar(first_year=year, last_year=year, bank_holidays=entries)


@dataclass(frozen=True)
class EnglandAndWalesCalendar(WorkingCalendar):
    """England and Wales working days for every year the ``holidays`` package lists.

    ``first_year``..``last_year`` is that whole span. ``bank_holidays`` holds the
    years built in advance (``DEFAULT_FIRST_YEAR``..``DEFAULT_LAST_YEAR``), answered by
    bisection as before; any other year is built on first use (a fraction of a
    millisecond) and kept. A date outside the span raises ``ValueError`` like any
    calendar's.
    """

    @classmethod
    def build(cls) -> EnglandAndWalesCalendar:
        """The calendar, with the common years built now."""
        common = WorkingCalendar.england_and_wales(DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR)
        return cls(
            first_year=SUPPORTED_FIRST_YEAR,
            last_year=SUPPORTED_LAST_YEAR,
            bank_holidays=common.bank_holidays,
        )

    def _year(self, year: int) -> WorkingCalendar | None:
        """The calendar to ask about ``year``: None for the years built in advance."""
        if DEFAULT_FIRST_YEAR <= year <= DEFAULT_LAST_YEAR:
            return None
        return _england_year(year)

    def bank_holiday_name(self, d: date) -> str | None:
        """The bank holiday's name on ``d`` (as the ``holidays`` package gives it), else None."""
        self._check_span(d)
        other = self._year(d.year)
        return super().bank_holiday_name(d) if other is None else other.bank_holiday_name(d)

    def is_working_day(self, d: date) -> bool:
        """True when ``d`` is Monday to Friday and not a bank holiday."""
        self._check_span(d)
        other = self._year(d.year)
        return super().is_working_day(d) if other is None else other.is_working_day(d)

    def working_days_between(self, a: date, b: date) -> int:
        """Clear working days strictly between ``a`` and ``b`` (see WorkingCalendar's)."""
        if b < a:
            raise ValueError(f"{b.isoformat()} is before {a.isoformat()}")
        self._check_span(a)
        self._check_span(b)
        if self._year(a.year) is None and self._year(b.year) is None:
            return super().working_days_between(a, b)
        first, last = a.toordinal() + 1, b.toordinal() - 1
        if first > last:
            return 0
        weekdays = _weekdays_before(last + 1) - _weekdays_before(first)
        holidays_in_range = 0
        for year in range(a.year, b.year + 1):
            other = self._year(year)
            ordinals = self._weekday_ordinals if other is None else other._weekday_ordinals
            low = max(first, date(year, 1, 1).toordinal())
            high = min(last, date(year, 12, 31).toordinal())
            holidays_in_range += bisect.bisect_right(ordinals, high) - bisect.bisect_left(
                ordinals, low
            )
        return weekdays - holidays_in_range


# Built at import, not on first use: the holidays package reads its translation files
# while constructing, which is I/O and is refused inside the Temporal workflow sandbox.
# Building here means a worker that passes this module through the sandbox does that
# I/O once at start-up, and one that forgets fails loudly at workflow validation
# instead of mid-workflow.
_DEFAULT_CALENDAR = EnglandAndWalesCalendar.build()


def default_calendar() -> WorkingCalendar:
    """The England and Wales calendar for every year the holidays package lists."""
    return _DEFAULT_CALENDAR


def papers_deadline(
    meeting_day: date,
    clear_working_days: int = 5,
    calendar: WorkingCalendar | None = None,
) -> date:
    """The latest working day on which papers can be published for a meeting on ``meeting_day``.

    At least ``clear_working_days`` working days must lie strictly between publication
    and the meeting: the publication day, the meeting day, weekends and bank holidays
    do not count. Publication itself must be a working day, so the answer is the
    ``(clear_working_days + 1)``-th working day before the meeting.
    """
    if clear_working_days < 0:
        raise ValueError(f"clear_working_days must be >= 0, got {clear_working_days}")
    cal = calendar if calendar is not None else default_calendar()
    return cal.add_working_days(meeting_day, -(clear_working_days + 1))


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def latest_decision_date(service_start: date, lead_in_months: int = 12) -> date:
    """The last date the forum can decide on a procurement so the service starts on time.

    It is ``service_start`` minus the lead-in in calendar months, clamped to month end
    (31 March 2021 minus one month is 28 February 2021).
    """
    if lead_in_months < 0:
        raise ValueError(f"lead_in_months must be >= 0, got {lead_in_months}")
    return add_months(service_start, -lead_in_months)


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"decision_month must be 1-12, got {month}")


def annual_dsg_decision_date(financial_year_start: int, decision_month: int = 10) -> date:
    """First day of the month in which the forum decides DSG funding for a financial year.

    The financial year runs from 1 April ``financial_year_start``. The decision is
    taken in the last ``decision_month`` before that 1 April: for months April to
    December that is the preceding calendar year (October 2019 decides funding for
    the year from 1 April 2020); for January to March it is the same calendar year
    (January 2020 for the year from 1 April 2020).
    """
    _check_month(decision_month)
    if decision_month >= _FINANCIAL_YEAR_START_MONTH:
        return date(financial_year_start - 1, decision_month, 1)
    return date(financial_year_start, decision_month, 1)


def next_annual_dsg_decision(after: date, decision_month: int = 10) -> date:
    """First day of the first ``decision_month`` whose 1st falls on or after ``after``.

    A date inside the decision month (after its 1st) gives next year's month: a
    decision taken at a meeting on 9 October 2019 is that year's decision, and the
    next one is due in October 2020.
    """
    _check_month(decision_month)
    candidate = date(after.year, decision_month, 1)
    if candidate < after:
        candidate = date(after.year + 1, decision_month, 1)
    return candidate


def last_meeting_before(meetings: Sequence[date], deadline: date) -> date | None:
    """The latest scheduled meeting on or before ``deadline``, or None; order does not matter."""
    eligible = [m for m in meetings if m <= deadline]
    return max(eligible) if eligible else None


@dataclass(frozen=True)
class DecisionPlan:
    """When the forum must decide a procurement, and whether the meeting calendar allows it.

    ``feasible`` is True when a meeting falls on or before ``latest_decision_date``
    and its papers deadline has not passed (it may be today). ``warning`` explains in
    plain English why it is not feasible, and is None when it is.
    """

    latest_decision_date: date
    last_meeting: date | None
    papers_deadline: date | None
    feasible: bool
    warning: str | None


def plan_procurement_decision(
    service_start: date,
    meetings: Sequence[date],
    lead_in_months: int = 12,
    clear_working_days: int = 5,
    *,
    today: date,
    calendar: WorkingCalendar | None = None,
) -> DecisionPlan:
    """Work out the latest decision date, meeting and papers deadline for a procurement.

    Only the last meeting on or before the latest decision date is considered: any
    earlier meeting has an earlier papers deadline, so if the last one is out of
    reach, all of them are.
    """
    decide_by = latest_decision_date(service_start, lead_in_months)
    lead_in = (
        f"The latest decision date for a service starting {format_uk_date(service_start)} "
        f"is {format_uk_date(decide_by)} ({lead_in_months}-month procurement lead-in)"
    )
    meeting = last_meeting_before(meetings, decide_by)
    if meeting is None:
        return DecisionPlan(
            latest_decision_date=decide_by,
            last_meeting=None,
            papers_deadline=None,
            feasible=False,
            warning=f"{lead_in}; no scheduled meeting falls on or before it.",
        )
    publish_by = papers_deadline(meeting, clear_working_days, calendar)
    if publish_by >= today:
        return DecisionPlan(
            latest_decision_date=decide_by,
            last_meeting=meeting,
            papers_deadline=publish_by,
            feasible=True,
            warning=None,
        )
    return DecisionPlan(
        latest_decision_date=decide_by,
        last_meeting=meeting,
        papers_deadline=publish_by,
        feasible=False,
        warning=(
            f"{lead_in}. The last scheduled meeting on or before it is on "
            f"{format_uk_date(meeting)}, and its papers had to be published by "
            f"{format_uk_date(publish_by)} ({clear_working_days} clear working days "
            f"before the meeting); that deadline has passed (today is "
            f"{format_uk_date(today)})."
        ),
    )


def financial_year_of(d: date) -> int:
    """The financial year (1 April to 31 March) containing ``d``, named by its starting year."""
    return d.year if d.month >= _FINANCIAL_YEAR_START_MONTH else d.year - 1


def financial_year_bounds(start_year: int) -> tuple[date, date]:
    """First and last day (inclusive) of the financial year starting 1 April ``start_year``."""
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def format_uk_date(d: date) -> str:
    """``d`` as a UK long date, e.g. "1 April 2020", independent of the process locale."""
    return f"{d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def to_london(dt: datetime) -> datetime:
    """An aware datetime converted to Europe/London; naive datetimes raise ``ValueError``.

    A naive datetime is refused rather than assumed local or UTC: either guess is
    wrong an hour a year and the error would only show around the clock change.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} has no time zone")
    return dt.astimezone(LONDON)


def at_close_of_business(day: date) -> datetime:
    """5pm London time on ``day``: people see deadlines as "by 5pm on ..." in the forum's
    own time zone."""
    return datetime.combine(day, CLOSE_OF_BUSINESS, tzinfo=LONDON)


def london_midnight(day: date) -> datetime:
    """The instant ``day`` begins on the London wall clock."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def require_aware(now: datetime) -> None:
    """Refuse a naive ``now``: every instant the domain records must have a time zone.

    A naive value is a programming error in the caller (workflow.now() is aware), so
    this raises ``ValueError`` rather than a RuleViolation.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
