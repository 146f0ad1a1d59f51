"""Dates far ahead: the working calendar answers for every year the holidays package
lists, every date a person gives is refused outside the plannable days, and every
calendar, deadline and alarm function answers for any date those days admit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devtools.seeds import (
    CHAIR,
    CLERK,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    member_actor,
    staffordshire_draft,
)
from devtools.seeds import (
    STAFFORDSHIRE_CENTRAL_BLOCK as CENTRAL_BLOCK,
)
from domain.alarms import alarms_for, due_alarms, next_alarm_at
from domain.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    LONDON,
    SUPPORTED_FIRST_YEAR,
    SUPPORTED_LAST_YEAR,
    WorkingCalendar,
    add_months,
    default_calendar,
    latest_decision_date,
    next_annual_dsg_decision,
    papers_deadline,
    plan_procurement_decision,
)
from domain.deadlines import (
    annual_decision_warning,
    drafting_warning,
    drafting_warning_starts,
    procurement_warning,
    request_deadlines,
)
from domain.forum import MAX_REMINDER_DAYS, MAX_WORKING_DAYS, ForumSettings, ReminderTiming
from domain.meeting.commands import CloseMeeting, MoveMeeting
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    FollowMeeting,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import Action, Minute, VoteChoice
from domain.request.draft import EvaluationPlan, Period, Recommendation
from domain.request.lifecycle import apply
from domain.request.models import RequestState, Stage
from domain.request.rules import late_papers_note
from domain.values import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY, evolve

CAL = default_calendar()

plannable_days = st.dates(min_value=FIRST_PLANNABLE_DAY, max_value=LAST_PLANNABLE_DAY)
# The ends of the window, where the arithmetic runs out first, drawn far more often.
EDGES = (
    FIRST_PLANNABLE_DAY,
    FIRST_PLANNABLE_DAY + timedelta(days=3),
    date(2060, 12, 31),
    date(2061, 1, 1),
    LAST_PLANNABLE_DAY - timedelta(days=3),
    LAST_PLANNABLE_DAY,
)
days = st.one_of(st.sampled_from(EDGES), plannable_days)


# --- the calendar for every year the package lists -------------------------------------


def test_the_calendar_spans_every_year_the_package_lists() -> None:
    """The default calendar covers 1872 to 2100 (holidays 0.109's span for England)."""
    assert (CAL.first_year, CAL.last_year) == (SUPPORTED_FIRST_YEAR, SUPPORTED_LAST_YEAR)
    assert CAL.covers(date(2100, 12, 31))
    assert not CAL.covers(date(2101, 1, 1))
    assert LAST_PLANNABLE_DAY.year + 1 <= SUPPORTED_LAST_YEAR


def test_a_year_beyond_the_common_span_has_its_bank_holidays() -> None:
    """2099 and 1999 are built on demand: Christmas, Boxing Day and its substitute day."""
    assert CAL.bank_holiday_name(date(2099, 12, 25)) == "Christmas Day"
    assert CAL.bank_holiday_name(date(2099, 12, 28)) == "Boxing Day (observed)"
    assert not CAL.is_working_day(date(2099, 12, 28))
    assert CAL.is_working_day(date(2099, 12, 29))
    assert CAL.bank_holiday_name(date(1999, 12, 31)) == "Millennium Celebrations"


@pytest.mark.parametrize("year", range(SUPPORTED_FIRST_YEAR, SUPPORTED_LAST_YEAR + 1))
def test_each_year_answers_as_a_calendar_built_for_it_alone(year: int) -> None:
    """Every supported year's bank holidays are exactly those of a calendar of that year
    built afresh, whichever years were asked about before: a pure function of the year."""
    alone = WorkingCalendar.england_and_wales(year, year)
    day, last = date(year, 1, 1), date(year, 12, 31)
    found = []
    while day <= last:
        if (name := CAL.bank_holiday_name(day)) is not None:
            found.append((day, name))
        day += timedelta(days=1)
    assert tuple(found) == alone.bank_holidays
    assert alone.bank_holidays, f"the package lists no bank holidays for {year}"


def test_the_common_span_is_what_it_was() -> None:
    """The years built at import are the package's list for 2000 to 2060, unchanged."""
    built = WorkingCalendar.england_and_wales(DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR)
    assert CAL.bank_holidays == built.bank_holidays


@given(a=st.dates(date(1872, 1, 1), date(2100, 12, 31)), span=st.integers(0, 4000))
def test_working_days_between_agrees_with_a_calendar_over_the_same_years(
    a: date, span: int
) -> None:
    """Clear working days across the common span's edges agree with a calendar built for
    exactly those years, and with counting day by day."""
    b = min(a + timedelta(days=span), date(2100, 12, 31))
    exact = WorkingCalendar.england_and_wales(a.year, b.year)
    assert CAL.working_days_between(a, b) == exact.working_days_between(a, b)


def test_working_days_across_2060_count_each_day_once() -> None:
    """Across the end of the common span, the count equals stepping day by day."""
    a, b = date(2060, 12, 20), date(2061, 1, 10)
    by_day = sum(CAL.is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days))
    assert CAL.working_days_between(a, b) == by_day == 11


def test_years_the_package_does_not_list_are_refused() -> None:
    """1871 and 2101 have no bank holiday list, so asking about them raises."""
    assert not holidays.country_holidays("GB", subdiv="ENG", years=2150)
    for day in (date(1871, 12, 29), date(2101, 1, 3)):
        with pytest.raises(ValueError, match="outside the working calendar"):
            CAL.is_working_day(day)


# --- the plannable days ----------------------------------------------------------------


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(2100, 1, 1), date(2300, 6, 1)])
def test_a_period_outside_the_plannable_days_is_refused_naming_the_rule(day: date) -> None:
    """A funding period ending in 2300 is invalid input on end, naming plannable-date."""
    with pytest.raises(ValidationError) as raised:
        Period(start=min(day, date(2018, 9, 1)), end=max(day, date(2018, 9, 1)))
    error = raised.value.errors()[0]
    assert error["loc"] in (("start",), ("end",))
    assert "plannable-date: a day from 1 January 2000 to 31 December 2099" in error["msg"]


def test_every_date_a_person_gives_has_the_rule() -> None:
    """Service start, report due, tabling, moves, actions, meeting moves and next meeting
    days are all refused in 2300 and taken in 2099."""
    far, near = date(2300, 1, 1), date(2099, 6, 1)
    draft = staffordshire_draft(author_id=OFFICER.user_id)
    refused: list[Callable[[date], object]] = [
        lambda d: evolve(draft, service_start=d),
        lambda d: EvaluationPlan(measures=("m",), report_due=d),
        lambda d: TableRequest(meeting_date=d, membership=MEMBERSHIP),
        lambda d: FollowMeeting(
            meeting_id="meeting-x1", from_date=date(2099, 1, 1), meeting_date=d, reason="Moved"
        ),
        lambda d: Action(action_id="A1", description="Report", owner="Sean", due_meeting=d),
        lambda d: CloseMeeting(next_meeting_id="meeting-next", next_meeting_date=d),
        lambda d: MoveMeeting(
            new_starts_at=datetime.combine(d, time(10), tzinfo=LONDON), reason="Room"
        ),
    ]
    for build in refused:
        build(near)
        with pytest.raises(ValidationError, match="plannable-date"):
            build(far)


# --- every function answers for every plannable date ------------------------------------

NOW = datetime(2019, 1, 2, 9, 0, tzinfo=UTC)


def _states() -> dict[Stage, RequestState]:
    """One request in each stage that has deadlines: drafting (procurement), tabled,
    decided and minuted (recurrent, with an evaluation plan and an action)."""
    draft = staffordshire_draft(author_id=OFFICER.user_id)
    drafting = RequestState.new(draft, OFFICER, NOW)
    state = apply(drafting, SubmitDraft(), OFFICER, NOW)
    state = apply(state, AddOption(option=CENTRAL_BLOCK), OFFICER, NOW)
    recommendation = Recommendation(text="Agree", option_ids=(CENTRAL_BLOCK.option_id,))
    state = apply(state, SetRecommendation(recommendation=recommendation), OFFICER, NOW)
    tabled = apply(
        state, TableRequest(meeting_date=date(2019, 1, 16), membership=MEMBERSHIP), CHAIR, NOW
    )
    state = apply(
        tabled, RecordAttendance(present_member_ids=tuple(m.member_id for m in MEMBERS)), CLERK, NOW
    )
    state = apply(state, OpenVote(), CHAIR, NOW)
    for member in MEMBERS:
        state = apply(state, CastVote(choice=VoteChoice.for_), member_actor(member), NOW)
    decided = apply(state, CloseVote(), CHAIR, NOW)
    minute = Minute(
        agreed_option_ids=(CENTRAL_BLOCK.option_id,),
        amount_pence=CENTRAL_BLOCK.amount_pence,
        period=CENTRAL_BLOCK.period,
        actions=(
            Action(
                action_id="A1", description="Report", owner="Sean", due_meeting=date(2019, 3, 20)
            ),
        ),
        text="Agreed.",
        recorded_by=CLERK.user_id,
    )
    minuted = apply(decided, RecordMinute(minute=minute), CLERK, NOW)
    return {
        Stage.drafting: drafting,
        Stage.tabled: tabled,
        Stage.decided: decided,
        Stage.minuted: minuted,
    }


STATES = _states()


def _dated(
    state: RequestState, dates: list[date], meeting: date, settings_: ForumSettings
) -> RequestState:
    """``state`` with every date a person gives replaced, and the given settings."""
    start, end, service_start, report_due, action_due = dates
    start, end = min(start, end), max(start, end)
    draft = evolve(
        state.draft,
        period=Period(start=start, end=end),
        service_start=service_start,
        recurrent=True,
        evaluation_plan=EvaluationPlan(measures=("Families helped",), report_due=report_due),
    )
    changes: dict[str, object] = {"draft": draft, "settings": settings_}
    if state.meeting_date is not None:
        changes["meeting_date"] = meeting
    if state.decision is not None:
        changes["decision"] = evolve(state.decision, meeting_date=meeting)
    if state.minute is not None:
        actions = tuple(evolve(a, due_meeting=action_due) for a in state.minute.actions)
        changes["minute"] = evolve(state.minute, actions=actions)
    return evolve(state, **changes)


forum_settings = st.builds(
    ForumSettings,
    papers_clear_working_days=st.integers(0, MAX_WORKING_DAYS),
    minutes_draft_working_days=st.integers(1, MAX_WORKING_DAYS),
    procurement_lead_in_months=st.integers(0, 60),
    reminder_offsets_days=st.sets(st.integers(0, MAX_REMINDER_DAYS), max_size=4).map(tuple),
    reminder_send_hour=st.none() | st.integers(0, 23),
    reminder_timings=st.just(())
    | st.builds(
        lambda offsets, hour: (
            ReminderTiming(kind="papers", offsets_days=tuple(offsets), send_hour=hour),
        ),
        st.sets(st.sampled_from((0, 1, 7, MAX_REMINDER_DAYS)), max_size=3),
        st.none() | st.integers(0, 23),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stage=st.sampled_from(sorted(STATES)),
    dates=st.lists(days, min_size=5, max_size=5),
    meeting=days,
    meetings=st.lists(days, max_size=4),
    today=days,
    settings_=forum_settings,
)
def test_every_deadline_and_alarm_function_answers_for_any_plannable_date(
    stage: Stage,
    dates: list[date],
    meeting: date,
    meetings: list[date],
    today: date,
    settings_: ForumSettings,
) -> None:
    """For any plannable dates and any settings the forum may have, the deadlines, the
    drafting warnings and the alarms are worked out without raising, and each reminder
    goes no later than its deadline."""
    state = _dated(STATES[stage], dates, meeting, settings_)
    deadlines = request_deadlines(state, meetings)
    assert deadlines == sorted(deadlines, key=lambda d: (d.due, d.key))
    procurement_warning(state, meetings, today)
    drafting_warning(state, meetings, today)
    annual_decision_warning(state, meetings)
    drafting_warning_starts(state, meetings)
    late_papers_note(meeting, datetime.combine(today, time(12), tzinfo=LONDON), 5)
    alarms = alarms_for(deadlines, settings_, {})
    for alarm in alarms:
        assert alarm.at <= alarm.deadline.due
    moment = datetime.combine(today, time(9), tzinfo=LONDON)
    due_alarms(alarms, (), moment)
    next_alarm_at(alarms, ())


@settings(max_examples=300, deadline=None)
@given(
    day=days,
    lead_in=st.integers(0, 60),
    clear=st.integers(0, MAX_WORKING_DAYS),
    n=st.integers(-MAX_WORKING_DAYS - 1, MAX_WORKING_DAYS),
    months=st.integers(-60, 60),
    meetings=st.lists(days, max_size=4),
    today=days,
)
def test_the_calendar_functions_answer_for_any_plannable_date(
    day: date,
    lead_in: int,
    clear: int,
    n: int,
    months: int,
    meetings: list[date],
    today: date,
) -> None:
    """Working days, papers deadlines, lead-ins (12 to 60 months), month arithmetic and the
    procurement plan answer for any plannable day, up to 31 December 2099."""
    moved = CAL.add_working_days(day, n)
    assert CAL.is_working_day(moved) or n == 0
    assert papers_deadline(day, clear) < day
    decide_by = latest_decision_date(day, lead_in)
    assert decide_by <= day
    assert add_months(day, months).day <= day.day
    assert next_annual_dsg_decision(day) >= day
    plan = plan_procurement_decision(day, meetings, lead_in, clear, today=today)
    assert plan.latest_decision_date == decide_by
    low, high = sorted((day, today))
    assert CAL.working_days_between(low, high) >= 0


def test_the_last_plannable_day_with_the_longest_rules() -> None:
    """A meeting on 31 December 2099 with 100 working days of minutes still has a minutes
    deadline (in 2100), and a service starting then with 60 months' lead-in a plan."""
    last = LAST_PLANNABLE_DAY
    assert CAL.add_working_days(last, MAX_WORKING_DAYS).year == 2100
    assert papers_deadline(FIRST_PLANNABLE_DAY, MAX_WORKING_DAYS).year == 1999
    plan = plan_procurement_decision(last, (date(2094, 12, 1),), 60, 5, today=last)
    assert plan.latest_decision_date == date(2094, 12, 31)
    assert plan.papers_deadline == date(2094, 11, 23)
