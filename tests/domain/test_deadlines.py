"""A request's deadlines, computed from its state: dates, who acts, what escalates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    STAFFORDSHIRE_CENTRAL_BLOCK,
    STAFFORDSHIRE_MEETINGS,
    member_actor,
    middlesbrough_draft,
    staffordshire_draft,
)
from domain.alarms import reminder_instants
from domain.calendar import LONDON
from domain.deadlines import (
    DeadlineKind,
    annual_decision_too_late,
    annual_decision_warning,
    drafting_warning,
    drafting_warning_starts,
    procurement_warning,
    request_deadlines,
)
from domain.people import Role
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import Minute, VoteChoice
from domain.request.draft import (
    FundingOption,
    Recommendation,
    RequestDraft,
)
from domain.request.lifecycle import apply
from domain.request.models import RequestState, Stage

NOW = datetime(2019, 1, 2, 9, 0, tzinfo=UTC)
# The seed's meetings after its latest decision date, 1 April 2019.
JUNE, OCTOBER = STAFFORDSHIRE_MEETINGS[2:]
# Seed 003 written by the officer who creates it here.
STAFFORDSHIRE = staffordshire_draft(author_id=OFFICER.user_id)


def test_staffordshire_procurement_deadlines_follow_the_lead_in() -> None:
    """Service start 1 April 2020: decide by 1 April 2019; papers for 20 March due 12 March."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    deadlines = request_deadlines(state, STAFFORDSHIRE_MEETINGS)
    by_kind = {d.kind: d for d in deadlines}
    decision = by_kind[DeadlineKind.procurement_decision]
    papers = by_kind[DeadlineKind.papers]
    assert decision.due == datetime(2019, 4, 1, 17, 0, tzinfo=LONDON)
    assert decision.escalates is True
    assert decision.responsible_role is Role.officer
    assert papers.meeting_date == date(2019, 3, 20)
    assert papers.due == datetime(2019, 3, 12, 17, 0, tzinfo=LONDON)
    assert [d.kind for d in deadlines] == [DeadlineKind.papers, DeadlineKind.procurement_decision]


def test_warning_while_drafting_when_no_meeting_can_meet_the_lead_in() -> None:
    """With only meetings after 1 April 2019 scheduled, drafting warns that the lead-in is lost."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    warning = procurement_warning(state, (JUNE, OCTOBER), today=NOW.date())
    assert warning is not None
    assert "1 April 2019" in warning
    feasible = procurement_warning(state, STAFFORDSHIRE_MEETINGS, today=NOW.date())
    assert feasible is not None
    assert "no scheduled meeting" not in feasible
    assert "has passed" not in feasible


def test_drafting_warning_keeps_its_key_as_the_days_pass() -> None:
    """The warning names today, but its key is the lead-in deadline's, so it is sent once."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    # The 20 March meeting's papers were due 12 March 2019: lost from the 13th.
    first = drafting_warning(state, STAFFORDSHIRE_MEETINGS, today=date(2019, 3, 13))
    later = drafting_warning(state, STAFFORDSHIRE_MEETINGS, today=date(2019, 3, 20))
    assert first is not None
    assert later is not None
    assert first.text != later.text
    assert first.key == later.key == "SSF-2019-EHFS/c1/procurement_decision/2019-04-01/warning"
    assert drafting_warning(state, STAFFORDSHIRE_MEETINGS, today=date(2019, 3, 12)) is None


def test_drafting_warning_is_for_drafting_only() -> None:
    """Once submitted, the request gets no drafting warning and no wake-up for one."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    submitted = apply(state, SubmitDraft(), OFFICER, NOW + timedelta(hours=1))
    assert drafting_warning(submitted, (), today=NOW.date()) is None
    assert drafting_warning_starts(submitted, STAFFORDSHIRE_MEETINGS) is None
    assert drafting_warning(state, (), today=NOW.date()) is not None


def test_the_annual_dsg_decision_is_six_months_too_late_for_staffordshire() -> None:
    """Seed 003: a 12-month lead-in for a service from 1 April 2020 means deciding by
    1 April 2019, so the October 2019 DSG decision would be six months too late."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    text = annual_decision_too_late(state, STAFFORDSHIRE_MEETINGS)
    assert text == (
        "The annual DSG decision on 1 October 2019 would be six months too late: a service "
        "starting 1 April 2020 needs a 12-month procurement lead-in, so the forum must decide "
        "by 1 April 2019, at the 20 March 2019 meeting with papers published by 12 March 2019."
    )
    query = procurement_warning(state, STAFFORDSHIRE_MEETINGS, today=NOW.date())
    assert query is not None
    assert query.startswith(text)
    warning = annual_decision_warning(state, STAFFORDSHIRE_MEETINGS)
    assert warning is not None
    assert warning.text == text
    assert warning.key == "SSF-2019-EHFS/c1/procurement_decision/2019-04-01/annual-dsg-decision"
    no_meeting = annual_decision_too_late(state, (OCTOBER,))
    assert no_meeting is not None
    assert no_meeting.endswith("no scheduled meeting falls on or before that date.")


def test_no_annual_decision_warning_when_the_lead_in_allows_it() -> None:
    """A 3-month lead-in decides by 1 January 2020, after the October 2019 decision: no
    warning; and none once the draft is submitted."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    short = state.model_copy(
        update={"settings": state.settings.model_copy(update={"procurement_lead_in_months": 3})}
    )
    assert annual_decision_too_late(short, STAFFORDSHIRE_MEETINGS) is None
    submitted = apply(state, SubmitDraft(), OFFICER, NOW + timedelta(hours=1))
    assert annual_decision_warning(submitted, STAFFORDSHIRE_MEETINGS) is None
    seven = state.model_copy(
        update={"settings": state.settings.model_copy(update={"procurement_lead_in_months": 7})}
    )
    # Decide by 1 September 2019: one month before the 1 October decision.
    assert "one month too late" in (annual_decision_too_late(seven, ()) or "")


def test_drafting_warning_starts_the_day_after_the_last_papers_deadline() -> None:
    """The warning starts to hold at London midnight after the last usable papers deadline."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    starts = drafting_warning_starts(state, STAFFORDSHIRE_MEETINGS)
    assert starts == datetime(2019, 3, 13, 0, 0, tzinfo=LONDON)
    assert drafting_warning_starts(state, (JUNE,)) is None


def test_recurrent_funding_gets_the_october_dsg_decision_after_minutes() -> None:
    """Minuted recurrent money has its October DSG decision, period end and report due."""
    draft = STAFFORDSHIRE.model_copy(update={"procurement_needed": False, "service_start": None})
    state = _minuted(draft, STAFFORDSHIRE_CENTRAL_BLOCK)
    kinds = {d.kind: d for d in request_deadlines(state)}
    assert kinds[DeadlineKind.annual_dsg_decision].due.date() == date(2019, 10, 1)
    assert kinds[DeadlineKind.funding_period_end].due.date() == date(2021, 3, 31)
    assert kinds[DeadlineKind.evaluation_report].due.date() == date(2021, 1, 31)
    assert DeadlineKind.procurement_decision not in kinds


def test_deadlines_vanish_when_their_work_is_done() -> None:
    """The evaluation report deadline is listed until the report is in."""
    state = _minuted(middlesbrough_draft(), CENTRALLY_RETAINED)
    state = apply(state, ConfirmMinutes(), CHAIR, NOW)
    assert DeadlineKind.evaluation_report in {d.kind for d in request_deadlines(state)}
    state = apply(state, ReportEvaluation(report=EVALUATION), OFFICER, NOW)
    assert DeadlineKind.evaluation_report not in {d.kind for d in request_deadlines(state)}


def test_reminders_keep_london_wall_time_across_the_clock_change() -> None:
    """A 5pm deadline in BST is reminded at 5pm GMT four weeks earlier."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    decision = next(
        d for d in request_deadlines(state) if d.kind is DeadlineKind.procurement_decision
    )
    instants = dict(reminder_instants(decision, (28, 7, 1)))
    assert instants[28] == datetime(2019, 3, 4, 17, 0, tzinfo=LONDON)
    assert instants[28].utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert instants[1] == datetime(2019, 3, 31, 17, 0, tzinfo=LONDON)
    assert instants[1].utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


def test_deadline_keys_are_stable_and_distinct() -> None:
    """Keys name the request, cycle, kind and date, so timers and reminders are keyed once."""
    state = RequestState.new(STAFFORDSHIRE, OFFICER, NOW)
    first = request_deadlines(state, STAFFORDSHIRE_MEETINGS)
    again = request_deadlines(state, STAFFORDSHIRE_MEETINGS)
    assert [d.key for d in first] == [d.key for d in again]
    assert len({d.key for d in first}) == len(first)
    assert first[0].key == "SSF-2019-EHFS/c1/papers/2019-03-12"


def _minuted(draft: RequestDraft, option: FundingOption) -> RequestState:
    """The request approved by a full house and minuted, all at NOW."""
    state = RequestState.new(draft, OFFICER, NOW)
    state = apply(state, SubmitDraft(), OFFICER, NOW)
    state = apply(state, AddOption(option=option), OFFICER, NOW)
    state = apply(
        state,
        SetRecommendation(
            recommendation=Recommendation(text="Agree", option_ids=(option.option_id,))
        ),
        OFFICER,
        NOW,
    )
    state = apply(
        state, TableRequest(meeting_date=date(2019, 1, 16), membership=MEMBERSHIP), CHAIR, NOW
    )
    state = apply(
        state, RecordAttendance(present_member_ids=tuple(m.member_id for m in MEMBERS)), CLERK, NOW
    )
    state = apply(state, OpenVote(), CHAIR, NOW)
    for member in MEMBERS:
        state = apply(state, CastVote(choice=VoteChoice.for_), member_actor(member), NOW)
    state = apply(state, CloseVote(), CHAIR, NOW)
    assert state.stage is Stage.decided
    minute = Minute(
        agreed_option_ids=(option.option_id,),
        amount_pence=option.amount_pence,
        period=option.period,
        text="Agreed.",
        recorded_by=CLERK.user_id,
    )
    return apply(state, RecordMinute(minute=minute), CLERK, NOW)
