"""Tests for the pure deadline calendar (domain/calendar.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.seeds import (
    STAFFORDSHIRE_MEETINGS,
    STAFFORDSHIRE_PLANNED_ON,
    STAFFORDSHIRE_SERVICE_START,
)
from domain.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    LONDON,
    DecisionPlan,
    WorkingCalendar,
    add_months,
    annual_dsg_decision_date,
    default_calendar,
    financial_year_bounds,
    financial_year_of,
    format_uk_date,
    last_meeting_before,
    latest_decision_date,
    next_annual_dsg_decision,
    papers_deadline,
    plan_procurement_decision,
    to_london,
)

CAL = default_calendar()

# Keep generated dates a year inside the default span so adding working days stays in it.
in_span_dates = st.dates(
    min_value=date(DEFAULT_FIRST_YEAR + 1, 1, 1), max_value=date(DEFAULT_LAST_YEAR - 1, 12, 31)
)


# --- the working calendar -------------------------------------------------------------


def test_bank_holiday_names_come_from_the_package() -> None:
    """Bank holiday names are the holidays package's English names for England."""
    assert CAL.bank_holiday_name(date(2024, 3, 29)) == "Good Friday"
    assert CAL.bank_holiday_name(date(2024, 4, 1)) == "Easter Monday"
    assert CAL.bank_holiday_name(date(2024, 5, 6)) == "May Day"
    assert CAL.bank_holiday_name(date(2023, 5, 8)) == "Coronation of Charles III"
    assert CAL.bank_holiday_name(date(2024, 4, 2)) is None


def test_is_working_day_excludes_weekends_and_bank_holidays() -> None:
    """Weekdays are working days unless a bank holiday; weekends never are."""
    assert CAL.is_working_day(date(2024, 3, 28))  # Thursday
    assert not CAL.is_working_day(date(2024, 3, 29))  # Good Friday
    assert not CAL.is_working_day(date(2024, 3, 30))  # Saturday
    assert not CAL.is_working_day(date(2024, 3, 31))  # Sunday
    assert not CAL.is_working_day(date(2020, 12, 28))  # Boxing Day (observed)


def test_calendar_is_england_not_scotland() -> None:
    """2 January and St Andrew's Day are Scottish holidays, working days in England."""
    assert CAL.is_working_day(date(2024, 1, 2))
    assert CAL.is_working_day(date(2023, 11, 30))


def test_dates_outside_the_span_are_refused() -> None:
    """A date outside the calendar's years raises instead of being assumed holiday-free."""
    cal = WorkingCalendar.england_and_wales(2019, 2020)
    assert cal.covers(date(2020, 12, 31))
    assert not cal.covers(date(2021, 1, 1))
    with pytest.raises(ValueError, match="outside the working calendar"):
        cal.is_working_day(date(2021, 1, 4))
    with pytest.raises(ValueError, match="outside the working calendar"):
        cal.add_working_days(date(2020, 12, 30), 5)


def test_calendar_validates_its_holiday_list() -> None:
    """The constructor rejects reversed spans, out-of-span and duplicate holidays."""
    with pytest.raises(ValueError, match="after last_year"):
        WorkingCalendar(first_year=2021, last_year=2020, bank_holidays=())
    with pytest.raises(ValueError, match="outside the calendar span"):
        WorkingCalendar(first_year=2020, last_year=2020, bank_holidays=((date(2021, 1, 1), "x"),))
    with pytest.raises(ValueError, match="listed twice"):
        WorkingCalendar(
            first_year=2020,
            last_year=2020,
            bank_holidays=((date(2020, 1, 1), "a"), (date(2020, 1, 1), "b")),
        )


def test_calendar_snapshot_is_a_plain_comparable_value() -> None:
    """A calendar rebuilt from its holiday list equals the original and answers the same."""
    built = WorkingCalendar.england_and_wales(2024, 2024)
    copy = WorkingCalendar(
        first_year=built.first_year, last_year=built.last_year, bank_holidays=built.bank_holidays
    )
    assert copy == built
    assert hash(copy) == hash(built)
    assert not copy.is_working_day(date(2024, 12, 26))


def test_add_working_days_skips_weekends_and_holidays() -> None:
    """Adding working days steps over the Easter weekend in both directions."""
    assert CAL.add_working_days(date(2024, 3, 28), 1) == date(2024, 4, 2)
    assert CAL.add_working_days(date(2024, 4, 2), -1) == date(2024, 3, 28)
    assert CAL.add_working_days(date(2024, 3, 30), 0) == date(2024, 3, 30)


def test_working_days_between_excludes_both_ends() -> None:
    """Clear working days exclude both end dates, weekends and bank holidays."""
    # Tue 26, Wed 27, Thu 28 Mar; Tue 2, Wed 3 Apr 2024 (Good Friday, Easter Monday out).
    assert CAL.working_days_between(date(2024, 3, 25), date(2024, 4, 4)) == 5
    assert CAL.working_days_between(date(2024, 3, 25), date(2024, 3, 26)) == 0
    assert CAL.working_days_between(date(2024, 3, 25), date(2024, 3, 25)) == 0
    with pytest.raises(ValueError, match="before"):
        CAL.working_days_between(date(2024, 4, 4), date(2024, 3, 25))


# --- papers deadline --------------------------------------------------------------------


def test_papers_deadline_easter_2024() -> None:
    """Meeting Thu 4 Apr 2024 after Easter: papers due Mon 25 Mar 2024."""
    # Clear days counted back from the meeting: Wed 3, Tue 2 Apr; Mon 1 Apr (Easter
    # Monday), Sun 31, Sat 30, Fri 29 Mar (Good Friday) skipped; Thu 28, Wed 27, Tue 26
    # Mar make five. Publication is the working day before those: Mon 25 Mar.
    assert papers_deadline(date(2024, 4, 4)) == date(2024, 3, 25)


def test_papers_deadline_easter_2020() -> None:
    """Meeting Wed 15 Apr 2020 after Easter: papers due Fri 3 Apr 2020."""
    # Clear days back from Wed 15 Apr: Tue 14; Mon 13 (Easter Monday), Sun 12, Sat 11,
    # Fri 10 (Good Friday) skipped; Thu 9, Wed 8, Tue 7, Mon 6 make five; Sat 4 and
    # Sun 5 are not working days, so publication is Fri 3 Apr.
    assert papers_deadline(date(2020, 4, 15)) == date(2020, 4, 3)


def test_papers_deadline_over_christmas_and_new_year() -> None:
    """Meeting Fri 3 Jan 2025: papers due Mon 23 Dec 2024."""
    # Clear days back: Thu 2 Jan; Wed 1 Jan (New Year's Day) skipped; Tue 31, Mon 30 Dec;
    # Sat 28, Sun 29 skipped; Fri 27; Thu 26 (Boxing Day), Wed 25 (Christmas) skipped;
    # Tue 24 makes five. Publication: Mon 23 Dec.
    assert papers_deadline(date(2025, 1, 3)) == date(2024, 12, 23)


def test_papers_deadline_over_early_may_bank_holiday() -> None:
    """Meeting Thu 9 May 2024: papers due Tue 30 Apr 2024."""
    # Clear days back: Wed 8, Tue 7; Mon 6 (May Day) and the weekend skipped; Fri 3,
    # Thu 2, Wed 1 make five. Publication: Tue 30 Apr.
    assert papers_deadline(date(2024, 5, 9)) == date(2024, 4, 30)


def test_papers_deadline_over_the_2023_coronation() -> None:
    """One-off bank holidays count: meeting Wed 10 May 2023, papers due Fri 28 Apr 2023."""
    # Clear days back: Tue 9; Mon 8 (Coronation) and the weekend skipped; Fri 5, Thu 4,
    # Wed 3, Tue 2 make five; Mon 1 (May Day) and the weekend skipped. Publication: Fri 28 Apr.
    assert papers_deadline(date(2023, 5, 10)) == date(2023, 4, 28)


def test_papers_deadline_plain_midweek() -> None:
    """Meeting Wed 12 Jun 2024, no holidays: papers due Tue 4 Jun, eight days before."""
    # Clear days: Tue 11, Mon 10, Fri 7, Thu 6, Wed 5. Publication: Tue 4 Jun.
    assert papers_deadline(date(2024, 6, 12)) == date(2024, 6, 4)


def test_papers_deadline_with_configurable_clear_days() -> None:
    """N=0 means the previous working day; N=10 reaches back past Easter 2024."""
    assert papers_deadline(date(2024, 4, 4), clear_working_days=0) == date(2024, 4, 3)
    # N=0 over Easter: Tue 2 Apr's previous working day is Thu 28 Mar.
    assert papers_deadline(date(2024, 4, 2), clear_working_days=0) == date(2024, 3, 28)
    # Clear: Wed 3, Tue 2 Apr, Thu 28, Wed 27, Tue 26, Mon 25, Fri 22, Thu 21, Wed 20,
    # Tue 19 Mar. Publication: Mon 18 Mar.
    assert papers_deadline(date(2024, 4, 4), clear_working_days=10) == date(2024, 3, 18)


def test_papers_deadline_rejects_negative_clear_days() -> None:
    """A negative number of clear days is an error, not 'publish after the meeting'."""
    with pytest.raises(ValueError, match="clear_working_days"):
        papers_deadline(date(2024, 4, 4), clear_working_days=-1)


def test_papers_deadline_uses_given_calendar() -> None:
    """A calendar with no holidays gives the weekends-only answer."""
    bare = WorkingCalendar(first_year=2024, last_year=2024, bank_holidays=())
    # Clear: Wed 3, Tue 2, Mon 1 Apr, Fri 29, Thu 28 Mar. Publication: Wed 27 Mar.
    assert papers_deadline(date(2024, 4, 4), calendar=bare) == date(2024, 3, 27)


# --- decision dates -------------------------------------------------------------------


def test_latest_decision_date_twelve_month_lead_in() -> None:
    """A service starting 1 Apr 2020 needs a decision by 1 Apr 2019."""
    assert latest_decision_date(date(2020, 4, 1)) == date(2019, 4, 1)


def test_latest_decision_date_clamps_to_month_end() -> None:
    """Subtracting months clamps to the last day of a shorter month."""
    assert latest_decision_date(date(2021, 3, 31), lead_in_months=1) == date(2021, 2, 28)
    assert latest_decision_date(date(2020, 2, 29)) == date(2019, 2, 28)
    assert latest_decision_date(date(2020, 5, 31), lead_in_months=3) == date(2020, 2, 29)
    assert latest_decision_date(date(2020, 4, 1), lead_in_months=0) == date(2020, 4, 1)
    with pytest.raises(ValueError, match="lead_in_months"):
        latest_decision_date(date(2020, 4, 1), lead_in_months=-1)


def test_add_months_crosses_year_boundaries() -> None:
    """Month arithmetic rolls the year both ways."""
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)
    assert add_months(date(2020, 1, 15), -1) == date(2019, 12, 15)


def test_annual_dsg_decision_for_fy2020_is_october_2019() -> None:
    """The October decision for the year from 1 Apr 2020 falls in October 2019."""
    assert annual_dsg_decision_date(2020) == date(2019, 10, 1)
    assert annual_dsg_decision_date(2020, decision_month=4) == date(2019, 4, 1)


def test_annual_dsg_decision_in_january_to_march_is_same_calendar_year() -> None:
    """A January decision month for the year from 1 Apr 2020 is January 2020."""
    assert annual_dsg_decision_date(2020, decision_month=1) == date(2020, 1, 1)
    assert annual_dsg_decision_date(2020, decision_month=3) == date(2020, 3, 1)
    with pytest.raises(ValueError, match="decision_month"):
        annual_dsg_decision_date(2020, decision_month=13)


def test_next_annual_dsg_decision() -> None:
    """The next decision month is the first one whose 1st is on or after the date."""
    assert next_annual_dsg_decision(date(2019, 3, 20), 10) == date(2019, 10, 1)
    assert next_annual_dsg_decision(date(2019, 10, 1), 10) == date(2019, 10, 1)
    assert next_annual_dsg_decision(date(2019, 10, 9), 10) == date(2020, 10, 1)
    assert next_annual_dsg_decision(date(2019, 11, 1), 1) == date(2020, 1, 1)


def test_last_meeting_before_is_inclusive_and_order_free() -> None:
    """The last meeting on or before the deadline is found in an unsorted list."""
    meetings = [date(2019, 6, 12), date(2019, 1, 16), date(2019, 3, 20)]
    assert last_meeting_before(meetings, date(2019, 4, 1)) == date(2019, 3, 20)
    assert last_meeting_before(meetings, date(2019, 3, 20)) == date(2019, 3, 20)
    assert last_meeting_before(meetings, date(2019, 1, 15)) is None
    assert last_meeting_before([], date(2019, 1, 15)) is None


# --- seed 003: Staffordshire ---------------------------------------------------------


def test_staffordshire_recurrent_funding_decided_in_october() -> None:
    """Seed 003: the October annual decision for FY2020 comes after the procurement deadline."""
    annual = annual_dsg_decision_date(2020, decision_month=10)
    assert annual == date(2019, 10, 1)
    assert annual > latest_decision_date(STAFFORDSHIRE_SERVICE_START)


def test_staffordshire_procurement_feasible_in_january() -> None:
    """Seed 003 on 1 Jan 2019: decide at the 20 Mar 2019 meeting, papers by 12 Mar 2019."""
    plan = plan_procurement_decision(
        STAFFORDSHIRE_SERVICE_START, STAFFORDSHIRE_MEETINGS, today=STAFFORDSHIRE_PLANNED_ON
    )
    # Clear days before Wed 20 Mar 2019 (no bank holidays nearby): Tue 19, Mon 18, Fri 15,
    # Thu 14, Wed 13. Publication: Tue 12 Mar 2019.
    assert plan == DecisionPlan(
        latest_decision_date=date(2019, 4, 1),
        last_meeting=date(2019, 3, 20),
        papers_deadline=date(2019, 3, 12),
        feasible=True,
        warning=None,
    )


def test_staffordshire_procurement_feasible_on_papers_day() -> None:
    """The papers deadline itself is still in time."""
    plan = plan_procurement_decision(
        STAFFORDSHIRE_SERVICE_START, STAFFORDSHIRE_MEETINGS, today=date(2019, 3, 12)
    )
    assert plan.feasible
    assert plan.warning is None


def test_staffordshire_procurement_infeasible_in_march() -> None:
    """Seed 003 on 18 Mar 2019: the papers deadline has passed, with a dated warning."""
    plan = plan_procurement_decision(
        STAFFORDSHIRE_SERVICE_START, STAFFORDSHIRE_MEETINGS, today=date(2019, 3, 18)
    )
    assert plan.latest_decision_date == date(2019, 4, 1)
    assert plan.last_meeting == date(2019, 3, 20)
    assert plan.papers_deadline == date(2019, 3, 12)
    assert not plan.feasible
    assert plan.warning is not None
    for text in (
        "1 April 2020",
        "1 April 2019",
        "12-month",
        "20 March 2019",
        "12 March 2019",
        "18 March 2019",
    ):
        assert text in plan.warning


def test_procurement_with_no_meeting_before_the_decision_date() -> None:
    """With only the June and October meetings there is nothing in time."""
    plan = plan_procurement_decision(
        STAFFORDSHIRE_SERVICE_START, STAFFORDSHIRE_MEETINGS[2:], today=STAFFORDSHIRE_PLANNED_ON
    )
    assert plan == DecisionPlan(
        latest_decision_date=date(2019, 4, 1),
        last_meeting=None,
        papers_deadline=None,
        feasible=False,
        warning=(
            "The latest decision date for a service starting 1 April 2020 is 1 April 2019 "
            "(12-month procurement lead-in); no scheduled meeting falls on or before it."
        ),
    )


def test_procurement_plan_passes_lead_in_and_clear_days_through() -> None:
    """A 6-month lead-in and 10 clear days change the meeting and papers deadline."""
    plan = plan_procurement_decision(
        STAFFORDSHIRE_SERVICE_START, STAFFORDSHIRE_MEETINGS, 6, 10, today=STAFFORDSHIRE_PLANNED_ON
    )
    assert plan.latest_decision_date == date(2019, 10, 1)
    assert plan.last_meeting == date(2019, 6, 12)
    # Clear days before Wed 12 Jun 2019: Tue 11, Mon 10, Fri 7, Thu 6, Wed 5, Tue 4,
    # Mon 3 Jun, Fri 31, Thu 30, Wed 29 May. Publication: Tue 28 May (after the
    # Spring Bank Holiday, Mon 27 May).
    assert plan.papers_deadline == date(2019, 5, 28)
    assert plan.feasible


# --- financial years and formatting --------------------------------------------------


def test_financial_year_of() -> None:
    """The financial year runs 1 April to 31 March and is named by its start year."""
    assert financial_year_of(date(2020, 3, 31)) == 2019
    assert financial_year_of(date(2020, 4, 1)) == 2020
    assert financial_year_of(date(2020, 12, 31)) == 2020


def test_financial_year_bounds() -> None:
    """FY2020 is 1 April 2020 to 31 March 2021 inclusive."""
    assert financial_year_bounds(2020) == (date(2020, 4, 1), date(2021, 3, 31))


def test_format_uk_date() -> None:
    """UK long dates have no leading zero and English month names."""
    assert format_uk_date(date(2020, 4, 1)) == "1 April 2020"
    assert format_uk_date(date(2019, 12, 25)) == "25 December 2019"


def test_format_uk_date_ignores_locale() -> None:
    """Month names stay English under a non-English LC_TIME."""
    code = (
        "import locale\n"
        "from datetime import date\n"
        "from domain.calendar import format_uk_date\n"
        "for name in ('fr_FR.UTF-8', 'de_DE.UTF-8', 'C.UTF-8'):\n"
        "    try:\n"
        "        locale.setlocale(locale.LC_TIME, name)\n"
        "        break\n"
        "    except locale.Error:\n"
        "        pass\n"
        "print(format_uk_date(date(2020, 2, 3)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3 February 2020"


# --- time zones --------------------------------------------------------------------


def test_to_london_converts_aware_datetimes() -> None:
    """An aware UTC instant is shown on the London clock, in BST in summer."""
    london = to_london(datetime(2024, 4, 4, 8, 0, tzinfo=UTC))
    assert london.tzinfo is LONDON
    assert (london.hour, london.utcoffset()) == (9, timedelta(hours=1))


def test_to_london_refuses_naive_datetimes() -> None:
    """A naive datetime raises ValueError rather than being guessed."""
    naive = datetime(2024, 4, 4, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        to_london(naive)


# --- properties -------------------------------------------------------------------


@given(meeting=in_span_dates, n=st.integers(min_value=0, max_value=40))
def test_papers_deadline_properties(meeting: date, n: int) -> None:
    """The papers deadline is a working day before the meeting with >= N clear days, the latest."""
    publish = papers_deadline(meeting, n)
    assert CAL.is_working_day(publish)
    assert publish < meeting
    assert CAL.working_days_between(publish, meeting) >= n
    later_working_day = CAL.add_working_days(publish, 1)
    assert later_working_day >= meeting or (
        CAL.working_days_between(later_working_day, meeting) < n
    )


@given(start=in_span_dates, n=st.integers(min_value=1, max_value=200))
def test_add_and_count_working_days_agree(start: date, n: int) -> None:
    """Adding N working days lands on a working day with N-1 clear working days between."""
    forward = CAL.add_working_days(start, n)
    assert CAL.is_working_day(forward)
    assert CAL.working_days_between(start, forward) == n - 1
    backward = CAL.add_working_days(start, -n)
    assert CAL.is_working_day(backward)
    assert CAL.working_days_between(backward, start) == n - 1


@given(a=in_span_dates, span=st.integers(min_value=0, max_value=120))
def test_working_days_between_matches_day_by_day_count(a: date, span: int) -> None:
    """The arithmetic count equals a naive day-by-day count of working days."""
    b = a + timedelta(days=span)
    expected = sum(CAL.is_working_day(a + timedelta(days=i)) for i in range(1, span))
    assert CAL.working_days_between(a, b) == expected


@given(d=in_span_dates)
def test_financial_year_contains_its_dates(d: date) -> None:
    """Every date lies within the bounds of its own financial year."""
    first, last = financial_year_bounds(financial_year_of(d))
    assert first <= d <= last


@given(start=in_span_dates, months=st.integers(min_value=0, max_value=36))
def test_latest_decision_date_is_never_after_the_lead_in(start: date, months: int) -> None:
    """The decision date is at most the lead-in before the start, and at most 3 days off it."""
    decided = latest_decision_date(start, months)
    assert decided <= start
    assert add_months(decided, months) <= start
    assert start.day - decided.day <= 3
