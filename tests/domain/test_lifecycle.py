"""Tests for the request state machine (domain/request/lifecycle.py and its steps)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    JULY_2018_MEETING,
    MIDDLESBROUGH_AMENDMENT,
    MIDDLESBROUGH_RECOMMENDATION,
    OFFICER,
    POSTS_PERIOD,
    SCHOOLS_BLOCK,
    SEPTEMBER_2018_MEETING,
    TOTAL_PENCE,
    middlesbrough_draft,
    middlesbrough_minute,
)
from domain.errors import (
    InquorateMeeting,
    NotAMember,
    RoleNotPermitted,
    RuleViolation,
    TransitionNotAllowedInStage,
)
from domain.forum import ForumSettings
from domain.people import Actor, Member, MemberGroup, Membership, Role, roles_text
from domain.request import errors
from domain.request.commands import (
    COMMAND_TRANSITION,
    AddOption,
    AmendRecommendation,
    CastVote,
    Close,
    CloseVote,
    Command,
    ConfirmFunding,
    ConfirmMinutes,
    Defer,
    EditDraft,
    Extend,
    FollowMeeting,
    LeaveAgenda,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    RecordSpending,
    RemoveOption,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Transition,
    Withdraw,
)
from domain.request.decision import (
    Action,
    DecisionOutcome,
    MeasuredOutcome,
    VoteChoice,
)
from domain.request.draft import (
    FundingOption,
    FundingSource,
    Period,
    Recommendation,
    RequestDraft,
)
from domain.request.lifecycle import FROM_STAGES, PERMISSIONS, allowed_transitions, apply
from domain.request.models import RequestState, Stage
from domain.request.rules import options_span

# --- the Middlesbrough case (seed 000), from devtools.seeds ---------------------------

DRAFT = middlesbrough_draft()
# A second year, for extending the posts after the evaluation.
YEAR_2 = Period(start=date(2019, 9, 1), end=date(2020, 8, 31))
JULY_MOVED = date(2018, 7, 18)
START = datetime(2018, 6, 1, 9, tzinfo=UTC)

# A forum of ten rather than the seed's twenty, so quorum (4) and tallies stay small.
GROUPS = {
    "m01": MemberGroup.maintained_primary,
    "m02": MemberGroup.maintained_primary,
    "m03": MemberGroup.maintained_secondary,
    "m04": MemberGroup.maintained_special,
    "m05": MemberGroup.academy,
    "m06": MemberGroup.academy,
    "m07": MemberGroup.academy,
    "m08": MemberGroup.early_years,
    "m09": MemberGroup.non_school,
    "m10": MemberGroup.non_school,
}
SMF = Membership(
    members=tuple(
        Member(member_id=mid, name=f"Member {mid}", group=group, email=f"{mid}@example.org")
        for mid, group in GROUPS.items()
    )
)
MEMBERS = {
    mid: Actor(user_id=mid, name=f"Member {mid}", roles=frozenset({Role.member}), group=group)
    for mid, group in GROUPS.items()
}
# No maintained special member: enough for a general vote, not for de-delegation.
PRESENT = ("m01", "m02", "m03", "m05", "m06", "m08")

# A third source the July 2018 paper did not offer, for adding and choosing between options.
HIGH_NEEDS = FundingOption(
    option_id="high-needs-one-off",
    source=FundingSource.dsg_high_needs,
    source_detail="additional one-off high needs allocation",
    amount_pence=TOTAL_PENCE,
    period=POSTS_PERIOD,
)
# The July 2018 paper's recommendation named no source; the named one is what it should have been.
JULY_2018_RECOMMENDATION = Recommendation(text=MIDDLESBROUGH_RECOMMENDATION)
NAMED_RECOMMENDATION = JULY_2018_RECOMMENDATION.model_copy(
    update={"option_ids": (CENTRALLY_RETAINED.option_id,)}
)
# The seed's minute with the forum's amendment and an action, so minuting checks both.
MINUTE = middlesbrough_minute().model_copy(
    update={
        "amendments": (MIDDLESBROUGH_AMENDMENT,),
        "actions": (
            Action(
                action_id="ehp-impact",
                description="Present the impact of the Early Help Practitioners",
                owner="Gail Earl",
                due_meeting=date(2019, 1, 16),
            ),
        ),
    }
)


CONDITIONAL_MINUTE = MINUTE.model_copy(
    update={"funding_condition": "pending the DSG allocation", "funding_due": date(2018, 10, 31)}
)


class Clock:
    """Hands out strictly increasing aware instants, an hour apart."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now


# The happy path of cycle 1, as (command, actor) pairs in order.
HAPPY: list[tuple[Command, Actor]] = [
    (SubmitDraft(), OFFICER),
    (AddOption(option=CENTRALLY_RETAINED), OFFICER),
    (AddOption(option=SCHOOLS_BLOCK), OFFICER),
    (SetRecommendation(recommendation=NAMED_RECOMMENDATION), OFFICER),
    (
        TableRequest(
            meeting_id="meeting-2018-07-04", meeting_date=JULY_2018_MEETING, membership=SMF
        ),
        CHAIR,
    ),
    (RecordAttendance(present_member_ids=PRESENT), CLERK),
    (OpenVote(), CHAIR),
    (AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT), CLERK),
    *((CastVote(choice=VoteChoice.for_), MEMBERS[mid]) for mid in PRESENT),
    (CloseVote(), CHAIR),
    # Minuted as waiting on its money, so the funding has a confirmation to take.
    (RecordMinute(minute=CONDITIONAL_MINUTE), CLERK),
    (ConfirmMinutes(), CHAIR),
    (ReportEvaluation(report=EVALUATION), OFFICER),
    (Close(reason="The posts are now funded by de-delegation from 2019/20."), CHAIR),
]


def new_request(clock: Clock, settings: ForumSettings | None = None) -> RequestState:
    return RequestState.new(DRAFT, OFFICER, clock(), settings)


def run(state: RequestState, steps: list[tuple[Command, Actor]], clock: Clock) -> RequestState:
    for command, actor in steps:
        state = apply(state, command, actor, clock())
    return state


@functools.cache
def state_at(stage: Stage) -> RequestState:
    """A request of the seed case brought to ``stage`` through apply (cached: states are frozen)."""
    clock = Clock()
    state = new_request(clock)
    if stage is Stage.withdrawn:
        return apply(state, Withdraw(reason="Duplicate request"), OFFICER, clock())
    if stage is Stage.rejected:
        voting = state_at(Stage.voting)
        against = [(CastVote(choice=VoteChoice.against), MEMBERS[mid]) for mid in PRESENT]
        return run(
            voting, [*against, (CloseVote(), CHAIR)], Clock(datetime(2018, 7, 4, tzinfo=UTC))
        )
    for command, actor in HAPPY:
        after = apply(state, command, actor, clock())
        # The last state in each stage (all options listed, attendance taken, evaluation
        # reported), except voting, which is wanted before anyone has voted.
        if state.stage is stage and (after.stage is not stage or stage is Stage.voting):
            return state
        state = after
    assert state.stage is stage
    return state


# A command of each transition that succeeds from state_at(SAMPLE_STAGE[t]).
SAMPLE: dict[Transition, tuple[Command, Actor, Stage]] = {
    Transition.edit_draft: (EditDraft(draft=DRAFT), OFFICER, Stage.drafting),
    Transition.submit_draft: (SubmitDraft(), OFFICER, Stage.drafting),
    Transition.add_option: (AddOption(option=HIGH_NEEDS), OFFICER, Stage.option_listing),
    Transition.remove_option: (
        RemoveOption(option_id=SCHOOLS_BLOCK.option_id),
        OFFICER,
        Stage.option_listing,
    ),
    Transition.set_recommendation: (
        SetRecommendation(recommendation=NAMED_RECOMMENDATION),
        OFFICER,
        Stage.option_listing,
    ),
    Transition.table: (
        TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF),
        CHAIR,
        Stage.option_listing,
    ),
    Transition.withdraw: (Withdraw(reason="No longer needed"), OFFICER, Stage.tabled),
    Transition.record_attendance: (
        RecordAttendance(present_member_ids=PRESENT),
        CLERK,
        Stage.tabled,
    ),
    Transition.follow_meeting: (
        FollowMeeting(
            meeting_id="meeting-2018-07-04",
            from_date=JULY_2018_MEETING,
            meeting_date=JULY_MOVED,
            reason="Room unavailable",
        ),
        CHAIR,
        Stage.tabled,
    ),
    Transition.leave_agenda: (
        LeaveAgenda(meeting_id="meeting-2018-07-04", reason="Meeting cancelled"),
        CHAIR,
        Stage.tabled,
    ),
    Transition.open_vote: (OpenVote(), CHAIR, Stage.tabled),
    Transition.amend_recommendation: (
        AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT),
        CLERK,
        Stage.voting,
    ),
    Transition.cast_vote: (CastVote(choice=VoteChoice.for_), MEMBERS["m01"], Stage.voting),
    Transition.close_vote: (CloseVote(), CHAIR, Stage.voting),
    Transition.defer: (Defer(reason="Options unclear"), CHAIR, Stage.voting),
    Transition.record_minute: (RecordMinute(minute=MINUTE), CLERK, Stage.decided),
    Transition.confirm_minutes: (ConfirmMinutes(), CHAIR, Stage.minuted),
    Transition.report_evaluation: (ReportEvaluation(report=EVALUATION), OFFICER, Stage.evaluation),
    Transition.confirm_funding: (
        ConfirmFunding(
            confirmed_by="Head of Schools Finance",
            confirmed_on=date(2018, 6, 1),
            option_ids=(CENTRALLY_RETAINED.option_id,),
            amount_pence=TOTAL_PENCE,
        ),
        OFFICER,
        Stage.minuted,
    ),
    Transition.record_spending: (
        RecordSpending(started_on=date(2018, 6, 1), description="Posts filled"),
        OFFICER,
        Stage.minuted,
    ),
    Transition.extend: (Extend(new_period=YEAR_2, reason="Demand"), CHAIR, Stage.evaluation),
    Transition.close: (Close(reason="Ended"), CHAIR, Stage.evaluation),
}
LATER = datetime(2018, 6, 20, 9, tzinfo=UTC)


def test_samples_cover_every_transition() -> None:
    """Every transition has a sample command, and every sample succeeds where it is meant to."""
    assert set(SAMPLE) == set(Transition)
    for transition, (command, actor, stage) in SAMPLE.items():
        assert COMMAND_TRANSITION[type(command)] is transition
        state = state_at(stage)
        if transition is Transition.close_vote:
            state = apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m01"], _later(state))
        after = apply(
            state, command, actor, LATER if stage is Stage.option_listing else _later(state)
        )
        assert after.audit[-1].transition == transition.value


def _later(state: RequestState) -> datetime:
    return state.audit[-1].at + timedelta(minutes=1)


ROLE_CASES = [(t, role) for t in Transition for role in Role if role not in PERMISSIONS[t]]


@pytest.mark.parametrize(("transition", "role"), ROLE_CASES, ids=lambda v: str(v))
def test_wrong_role_is_refused(transition: Transition, role: Role) -> None:
    """Every transition attempted by every role not permitted raises RoleNotPermitted."""
    command, _, stage = SAMPLE[transition]
    state = state_at(stage)
    intruder = Actor(user_id="m01", name="Intruder", roles=frozenset({role}))
    with pytest.raises(RoleNotPermitted) as caught:
        apply(state, command, intruder, _later(state))
    assert f"needs {roles_text(PERMISSIONS[transition], any_of=True)}" in caught.value.message
    assert f"holds the {role} role" in caught.value.message
    assert caught.value.field == "actor.roles"


STAGE_CASES = [(t, s) for t in Transition for s in Stage if s not in FROM_STAGES[t]]


@pytest.mark.parametrize(("transition", "stage"), STAGE_CASES, ids=lambda v: str(v))
def test_wrong_stage_is_refused(transition: Transition, stage: Stage) -> None:
    """Every transition tried outside its from-stages raises TransitionNotAllowedInStage."""
    command, actor, _ = SAMPLE[transition]
    state = state_at(stage)
    with pytest.raises(TransitionNotAllowedInStage) as caught:
        apply(state, command, actor, _later(state))
    assert f"it is at stage '{stage}'" in caught.value.message
    assert caught.value.field == "stage"


def test_role_is_checked_before_stage() -> None:
    """A wrong role in a wrong stage gets RoleNotPermitted, not the stage error."""
    with pytest.raises(RoleNotPermitted):
        apply(state_at(Stage.drafting), OpenVote(), OFFICER, LATER)


def test_naive_now_is_refused() -> None:
    """apply refuses a naive `now` with ValueError: every instant must have a time zone."""
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(state_at(Stage.drafting), SubmitDraft(), OFFICER, datetime(2018, 6, 2))  # noqa: DTZ001


def test_happy_path_to_closed() -> None:
    """The request goes through every stage to closed, one audit entry per accepted command."""
    clock = Clock()
    state = new_request(clock)
    seen = [state.stage]
    for command, actor in HAPPY:
        before = len(state.audit)
        state = apply(state, command, actor, clock())
        assert len(state.audit) == before + 1
        if state.stage is not seen[-1]:
            seen.append(state.stage)
    assert seen == [
        Stage.drafting,
        Stage.option_listing,
        Stage.tabled,
        Stage.voting,
        Stage.decided,
        Stage.minuted,
        Stage.evaluation,
        Stage.closed,
    ]
    assert state.decision is not None
    assert state.decision.outcome is DecisionOutcome.approved_as_amended
    assert state.minutes_confirmed_at is not None
    assert state.agreed_options == (CENTRALLY_RETAINED,)
    last = state.audit[-1]
    assert (last.actor_id, last.role, last.transition) == (CHAIR.user_id, Role.chair, "close")
    assert (last.from_stage, last.to_stage) == (Stage.evaluation, Stage.closed)
    assert last.reason == "The posts are now funded by de-delegation from 2019/20."
    assert [e.at for e in state.audit] == sorted(e.at for e in state.audit)
    assert RequestState.model_validate_json(state.model_dump_json()) == state


def test_middlesbrough_july_2018() -> None:
    """Seed 000: no option named, tabling refused; named, approved as amended and minuted."""
    clock = Clock()
    state = run(
        new_request(clock),
        [
            (SubmitDraft(), OFFICER),
            (AddOption(option=CENTRALLY_RETAINED), OFFICER),
            (AddOption(option=SCHOOLS_BLOCK), OFFICER),
            (SetRecommendation(recommendation=JULY_2018_RECOMMENDATION), OFFICER),
        ],
        clock,
    )
    assert state.draft.total_pence == 8_960_400
    table = TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF)
    with pytest.raises(errors.RecommendationNamesNoOption) as caught:
        apply(state, table, CHAIR, clock())
    assert caught.value.message == (
        "Cannot table SMF-2018-EHP: the recommendation names no funding option "
        "(recommendation.option_ids is empty). A request must not be tabled until its "
        "recommendation names the specific option(s) the forum is asked to agree."
    )
    state = apply(state, SetRecommendation(recommendation=NAMED_RECOMMENDATION), OFFICER, clock())
    state = run(
        state,
        [
            (table, CHAIR),
            (RecordAttendance(present_member_ids=PRESENT), CLERK),
            (OpenVote(), CHAIR),
            (AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT), CLERK),
            *((CastVote(choice=VoteChoice.for_), MEMBERS[mid]) for mid in PRESENT),
            (CloseVote(), CHAIR),
        ],
        clock,
    )
    assert state.stage is Stage.decided
    assert state.decision is not None
    assert state.decision.outcome is DecisionOutcome.approved_as_amended
    assert state.decision.amendments == (MIDDLESBROUGH_AMENDMENT,)
    assert state.decision.chosen_option_ids == (CENTRALLY_RETAINED.option_id,)
    assert state.decision.tally.for_count == 6
    no_source = MINUTE.model_copy(update={"agreed_option_ids": ()})
    with pytest.raises(errors.MinuteWithoutFundingSource):
        apply(state, RecordMinute(minute=no_source), CLERK, clock())
    state = apply(state, RecordMinute(minute=MINUTE), CLERK, clock())
    assert state.stage is Stage.minuted
    assert state.minute == MINUTE


def test_dedelegation_is_voted_on_by_maintained_primary_and_secondary_members() -> None:
    """A de-delegation vote opens without a maintained special member present, and an
    academy member may not vote on it (tests/domain/test_dedelegation.py has the rest)."""
    clock = Clock()
    state = state_at(Stage.option_listing)
    dedelegate = Recommendation(text="De-delegate", option_ids=(SCHOOLS_BLOCK.option_id,))
    state = run(
        state,
        [
            (SetRecommendation(recommendation=dedelegate), OFFICER),
            (TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF), CHAIR),
            (RecordAttendance(present_member_ids=PRESENT), CLERK),
        ],
        clock,
    )
    state = apply(state, OpenVote(), CHAIR, clock())
    with pytest.raises(errors.NotEligibleToVote, match="academy members"):
        apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m05"], clock())


def test_inquorate_meeting_cannot_vote() -> None:
    """With 3 of 10 members present (quorum 4) the vote cannot open."""
    state = state_at(Stage.tabled)
    clock = Clock(_later(state))
    state = apply(state, RecordAttendance(present_member_ids=("m01", "m02", "m03")), CLERK, clock())
    assert "not quorate" in state.audit[-1].summary
    with pytest.raises(InquorateMeeting, match="3 of 10 members") as caught:
        apply(state, OpenVote(), CHAIR, clock())
    assert "quorum is 4" in caught.value.message


def test_attendance_names_members_only() -> None:
    """Recording a non-member as present is refused with NotAMember."""
    state = state_at(Stage.tabled)
    with pytest.raises(NotAMember, match="'visitor'"):
        apply(state, RecordAttendance(present_member_ids=("m01", "visitor")), CLERK, _later(state))


def test_duplicate_vote_is_refused() -> None:
    """A member cannot vote twice."""
    state = state_at(Stage.voting)
    clock = Clock(_later(state))
    state = apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m01"], clock())
    with pytest.raises(errors.DuplicateVote):
        apply(state, CastVote(choice=VoteChoice.against), MEMBERS["m01"], clock())


@pytest.mark.parametrize(
    ("casting", "outcome"),
    [(VoteChoice.for_, DecisionOutcome.approved), (VoteChoice.against, DecisionOutcome.rejected)],
)
def test_casting_vote_decides_a_tie(casting: VoteChoice, outcome: DecisionOutcome) -> None:
    """With the setting on, the chair's casting vote decides a tied vote."""
    clock = Clock()
    state = new_request(clock, ForumSettings(chair_has_casting_vote=True))
    state = run(state, HAPPY[:7], clock)  # up to and including OpenVote
    split = [("m01", VoteChoice.for_), ("m02", VoteChoice.for_), ("m03", VoteChoice.against)]
    state = run(
        state,
        [(CastVote(choice=c), MEMBERS[m]) for m, c in [*split, ("m05", VoteChoice.against)]],
        clock,
    )
    with pytest.raises(errors.CastingVoteRequired):
        apply(state, CloseVote(), CHAIR, clock())
    state = apply(state, CloseVote(chair_casting_choice=casting), CHAIR, clock())
    assert state.decision is not None
    assert state.decision.outcome is outcome
    assert state.decision.tally.casting_vote_used
    assert state.decision.tally.casting_vote_by == CHAIR.user_id


def test_amendments_come_before_votes() -> None:
    """The recommendation cannot be amended once someone has voted on it."""
    state = state_at(Stage.voting)
    clock = Clock(_later(state))
    state = apply(state, AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT), CLERK, clock())
    state = apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m01"], clock())
    with pytest.raises(errors.AmendmentAfterVotesCast):
        apply(state, AmendRecommendation(amendment="term time only"), CLERK, clock())


def test_an_empty_vote_cannot_be_closed() -> None:
    """Closing a vote nobody has voted in is refused rather than rejecting the request."""
    state = state_at(Stage.voting)
    with pytest.raises(errors.NoVotesCast):
        apply(state, CloseVote(), CHAIR, _later(state))
    deferred = apply(state, CloseVote(defer_reason="Out of time"), CHAIR, _later(state))
    assert deferred.stage is Stage.option_listing


def test_tie_without_casting_vote_rejects() -> None:
    """With the setting off, a tie is lost and the request is rejected."""
    state = state_at(Stage.voting)
    clock = Clock(_later(state))
    state = apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m01"], clock())
    state = apply(state, CastVote(choice=VoteChoice.against), MEMBERS["m02"], clock())
    with pytest.raises(errors.CastingVoteNotAllowed):
        apply(state, CloseVote(chair_casting_choice=VoteChoice.for_), CHAIR, clock())
    state = apply(state, CloseVote(), CHAIR, clock())
    assert state.stage is Stage.rejected


def test_rejection_ends_the_request() -> None:
    """A lost vote ends the request in stage rejected, with the reason; nothing more is allowed."""
    state = state_at(Stage.rejected)
    assert state.decision is not None
    assert state.decision.outcome is DecisionOutcome.rejected
    assert state.decision.reason == "The vote was lost: 0 for, 6 against, 0 abstaining."
    assert state.decision.chosen_option_ids == ()
    assert state.audit[-1].reason == state.decision.reason
    assert allowed_transitions(state, Role) == ()


def test_deferral_and_retabling() -> None:
    """Deferring returns to option listing with the reason; the request is re-tabled and decided."""
    state = state_at(Stage.tabled)
    clock = Clock(_later(state))
    state = apply(state, RecordAttendance(present_member_ids=PRESENT), CLERK, clock())
    state = apply(state, Defer(reason="Funding sources to be clarified"), CHAIR, clock())
    assert state.stage is Stage.option_listing
    assert [(d.reason, d.meeting_date) for d in state.deferrals] == [
        ("Funding sources to be clarified", JULY_2018_MEETING)
    ]
    assert (state.meeting_date, state.membership, state.present_member_ids) == (None, None, ())
    assert state.audit[-1].reason == "Funding sources to be clarified"
    september = SEPTEMBER_2018_MEETING
    state = run(
        state,
        [
            (TableRequest(meeting_date=september, membership=SMF), CHAIR),
            (RecordAttendance(present_member_ids=PRESENT), CLERK),
            (OpenVote(), CHAIR),
            *((CastVote(choice=VoteChoice.for_), MEMBERS[mid]) for mid in PRESENT),
            (CloseVote(), CHAIR),
        ],
        clock,
    )
    assert state.decision is not None
    assert state.decision.outcome is DecisionOutcome.approved
    assert state.decision.meeting_date == september


def test_closing_the_vote_with_a_deferral_clears_the_votes() -> None:
    """CloseVote with a defer_reason defers: votes and amendments are cleared, reason kept."""
    state = state_at(Stage.voting)
    clock = Clock(_later(state))
    state = apply(state, AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT), CLERK, clock())
    state = apply(state, CastVote(choice=VoteChoice.for_), MEMBERS["m01"], clock())
    state = apply(
        state, CloseVote(defer_reason="Await the central services review"), CHAIR, clock()
    )
    assert state.stage is Stage.option_listing
    assert (state.votes, state.amendments, state.decision) == ((), (), None)
    assert state.deferrals[-1].reason == "Await the central services review"
    assert state.audit[-1].transition == "close_vote"


def test_extension_starts_cycle_two() -> None:
    """Extending after the evaluation starts cycle 2 in option listing for the new period."""
    state = state_at(Stage.evaluation)
    clock = Clock(_later(state))
    with pytest.raises(errors.NewPeriodOverlapsPrevious):
        apply(
            state,
            Extend(new_period=Period(start=date(2019, 8, 1), end=date(2020, 7, 31)), reason="r"),
            CHAIR,
            clock(),
        )
    state = apply(
        state, Extend(new_period=YEAR_2, reason="707 referrals; demand rising"), CHAIR, clock()
    )
    assert (state.cycle, state.stage, state.draft.period) == (2, Stage.option_listing, YEAR_2)
    assert (state.options, state.recommendation, state.decision, state.minute) == (
        (),
        None,
        None,
        None,
    )
    assert state.evaluation is None
    [previous] = state.previous_cycles
    assert (previous.cycle, previous.outcome) == (1, DecisionOutcome.approved_as_amended)
    assert (previous.agreed_option_ids, previous.amount_pence, previous.period) == (
        (CENTRALLY_RETAINED.option_id,),
        TOTAL_PENCE,
        POSTS_PERIOD,
    )
    assert state.audit[-1].reason == "707 referrals; demand rising"
    high_needs = HIGH_NEEDS.model_copy(update={"period": YEAR_2})
    clock = Clock(datetime(2019, 6, 1, tzinfo=UTC))
    state = run(
        state,
        [
            (AddOption(option=high_needs), OFFICER),
            (
                SetRecommendation(
                    recommendation=Recommendation(
                        text="Fund year 2", option_ids=("high-needs-one-off",)
                    )
                ),
                OFFICER,
            ),
            (TableRequest(meeting_date=date(2019, 7, 10), membership=SMF), CHAIR),
            (RecordAttendance(present_member_ids=PRESENT), CLERK),
            (OpenVote(), CHAIR),
            *((CastVote(choice=VoteChoice.for_), MEMBERS[mid]) for mid in PRESENT),
            (CloseVote(), CHAIR),
        ],
        clock,
    )
    assert state.stage is Stage.decided
    assert state.cycle == 2


def test_extend_and_close_need_the_evaluation() -> None:
    """The forum cannot extend or close before the evaluation is reported."""
    state = state_at(Stage.evaluation)
    before_report = next(
        s for s in _replay_states() if s.stage is Stage.evaluation and s.evaluation is None
    )
    assert state.evaluation is not None
    for command in (Extend(new_period=YEAR_2, reason="r"), Close(reason="r")):
        with pytest.raises(errors.EvaluationNotReported):
            apply(before_report, command, CHAIR, _later(before_report))


def _replay_states() -> list[RequestState]:
    clock = Clock()
    states = [new_request(clock)]
    for command, actor in HAPPY:
        states.append(apply(states[-1], command, actor, clock()))
    return states


def test_evaluation_report_is_checked() -> None:
    """The evaluation is reported by the actor; planned measures it leaves out are noted."""
    state = state_at(Stage.evaluation)
    someone_else = EVALUATION.model_copy(update={"reported_by": "u-other"})
    with pytest.raises(errors.RecordedByMismatch):
        apply(state, ReportEvaluation(report=someone_else), OFFICER, _later(state))
    assert DRAFT.evaluation_plan is not None
    first, second = DRAFT.evaluation_plan.measures
    # One planned measure and one the plan never had: only the other planned one is missing.
    partial = EVALUATION.model_copy(
        update={
            "outcomes": (
                MeasuredOutcome(measure="visits", value=1, unit="visits"),
                MeasuredOutcome(measure=first, value=40, unit="cases"),
            )
        }
    )
    reported = apply(state, ReportEvaluation(report=partial), OFFICER, _later(state))
    assert reported.evaluation == partial
    assert reported.audit[-1].summary.endswith(f"Not reported: '{second}'.")


def test_minute_must_be_recorded_by_the_clerk_recording_it() -> None:
    """A minute naming another recorder is refused."""
    state = state_at(Stage.decided)
    other = MINUTE.model_copy(update={"recorded_by": "u-someone"})
    with pytest.raises(errors.RecordedByMismatch, match=r"minute\.recorded_by"):
        apply(state, RecordMinute(minute=other), CLERK, _later(state))


def test_option_listing_guards() -> None:
    """Duplicate and unknown options are refused; a recommendation may name unlisted ones
    while options are listed (noted in the audit), and tabling then refuses it."""
    state = state_at(Stage.option_listing)
    clock = Clock(_later(state))
    with pytest.raises(errors.DuplicateOption):
        apply(state, AddOption(option=CENTRALLY_RETAINED), OFFICER, clock())
    with pytest.raises(errors.UnknownOption):
        apply(state, RemoveOption(option_id="nothing-here"), OFFICER, clock())
    removed = apply(state, RemoveOption(option_id=CENTRALLY_RETAINED.option_id), OFFICER, clock())
    assert [o.option_id for o in removed.options] == [SCHOOLS_BLOCK.option_id]
    assert "names 'centrally-retained', not listed yet" in removed.audit[-1].summary
    with pytest.raises(errors.RecommendationNamesUnknownOption):
        apply(
            removed,
            TableRequest(meeting_date=SEPTEMBER_2018_MEETING, membership=SMF),
            CHAIR,
            clock(),
        )
    cheaper = CENTRALLY_RETAINED.model_copy(update={"amount_pence": TOTAL_PENCE // 2})
    readded = apply(removed, AddOption(option=cheaper), OFFICER, clock())
    assert "not listed" not in readded.audit[-1].summary
    with pytest.raises(errors.OptionsDoNotCoverCost):
        apply(
            readded,
            TableRequest(meeting_date=SEPTEMBER_2018_MEETING, membership=SMF),
            CHAIR,
            clock(),
        )
    ahead = Recommendation(text="t", option_ids=("high-needs-one-off",))
    written_first = apply(state, SetRecommendation(recommendation=ahead), OFFICER, clock())
    assert "not listed yet" in written_first.audit[-1].summary


def test_draft_editing() -> None:
    """The draft can be edited while drafting or listing options, but not its reference."""
    state = state_at(Stage.drafting)
    now = _later(state)
    longer = DRAFT.model_copy(update={"period": YEAR_2})
    edited = apply(state, EditDraft(draft=longer), OFFICER, now)
    assert "changed: period" in edited.audit[-1].summary
    renamed = RequestDraft.model_validate({**dict(DRAFT), "reference": "SMF-2018-XXX"})
    with pytest.raises(errors.ReferenceCannotChange):
        apply(state, EditDraft(draft=renamed), OFFICER, now)
    bare = DRAFT.model_copy(update={"evaluation_plan": None})
    with pytest.raises(errors.DraftIncomplete):
        apply(apply(state, EditDraft(draft=bare), OFFICER, now), SubmitDraft(), OFFICER, now)


def test_withdrawal() -> None:
    """The officer can withdraw a request before the vote, giving the reason."""
    state = state_at(Stage.withdrawn)
    assert state.audit[-1].reason == "Duplicate request"
    assert allowed_transitions(state, Role) == ()
    tabled = apply(state_at(Stage.tabled), Withdraw(reason="r"), OFFICER, LATER)
    assert tabled.stage is Stage.withdrawn


def test_late_papers_are_recorded_not_refused() -> None:
    """Tabling after the papers deadline is the chair's call; the audit trail says so."""
    state = state_at(Stage.option_listing)
    late = datetime(2018, 7, 1, 9, tzinfo=UTC)
    tabled = apply(state, TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF), CHAIR, late)
    assert "Papers are late: they were due by 26 June 2018" in tabled.audit[-1].summary
    on_time = apply(
        state, TableRequest(meeting_date=JULY_2018_MEETING, membership=SMF), CHAIR, LATER
    )
    assert "late" not in on_time.audit[-1].summary


def _follow(from_date: date = JULY_2018_MEETING, to: date = JULY_MOVED) -> FollowMeeting:
    return FollowMeeting(
        meeting_id="meeting-2018-07-04", from_date=from_date, meeting_date=to, reason="Room lost"
    )


def test_a_tabled_request_follows_its_meeting_to_a_new_day() -> None:
    """Following a move changes the meeting date, clears attendance and audits the reason."""
    tabled = state_at(Stage.tabled)
    assert tabled.present_member_ids
    moved = apply(tabled, _follow(), CHAIR, LATER)
    entry = moved.audit[-1]
    assert (moved.stage, moved.meeting_date, moved.present_member_ids) == (
        Stage.tabled,
        JULY_MOVED,
        (),
    )
    assert (entry.transition, entry.role, entry.reason) == (
        "follow_meeting",
        Role.chair,
        "Room lost",
    )
    assert entry.summary.startswith(
        "Moved with meeting-2018-07-04 from 4 July 2018 to 18 July 2018; papers now due by "
        "5pm on 10 July 2018. Attendance taken for the old day was cleared."
    )


def test_following_a_move_checks_the_day_it_moved_from() -> None:
    """A move from another day is refused; one that already reached the request says so."""
    tabled = state_at(Stage.tabled)
    with pytest.raises(RuleViolation) as other:
        apply(tabled, _follow(from_date=SEPTEMBER_2018_MEETING), CHAIR, LATER)
    assert other.value.rule == "follow-meeting-other-date"
    assert other.value.field == "from_date"
    moved = apply(tabled, _follow(), CHAIR, LATER)
    with pytest.raises(RuleViolation) as again:
        apply(moved, _follow(), CHAIR, LATER + timedelta(hours=1))
    assert again.value.rule == "follow-meeting-already-there"
    assert "already tabled for 18 July 2018" in again.value.message
    with pytest.raises(ValidationError, match="another day"):
        _follow(to=JULY_2018_MEETING)


def test_following_a_move_after_its_papers_deadline_notes_late_papers() -> None:
    """A move to a day whose papers deadline has passed is recorded with a late-papers note."""
    late = datetime(2018, 7, 16, 9, tzinfo=UTC)
    moved = apply(state_at(Stage.tabled), _follow(), CHAIR, late)
    assert "Papers are late: they were due by 10 July 2018" in moved.audit[-1].summary


def test_allowed_transitions() -> None:
    """allowed_transitions lists what the given roles may do now, by role and stage."""
    listing = state_at(Stage.option_listing)
    assert allowed_transitions(listing, [Role.officer]) == (
        Transition.edit_draft,
        Transition.add_option,
        Transition.remove_option,
        Transition.set_recommendation,
        Transition.withdraw,
    )
    assert allowed_transitions(listing, [Role.chair]) == (Transition.table,)
    assert allowed_transitions(state_at(Stage.voting), [Role.member, Role.clerk]) == (
        Transition.amend_recommendation,
        Transition.cast_vote,
    )


def test_a_refused_command_changes_nothing() -> None:
    """A refused command leaves the state as it was (validators can call apply and discard)."""
    state = state_at(Stage.decided)
    snapshot = state.model_dump_json()
    with pytest.raises(errors.MinuteWithoutFundingSource):
        apply(
            state,
            RecordMinute(minute=MINUTE.model_copy(update={"agreed_option_ids": ()})),
            CLERK,
            LATER,
        )
    assert state.model_dump_json() == snapshot


# --- random command sequences --------------------------------------------------------

POOL: list[Command] = [
    EditDraft(draft=DRAFT),
    EditDraft(draft=RequestDraft.model_validate({**dict(DRAFT), "reference": "OTHER-REF"})),
    SubmitDraft(),
    AddOption(option=CENTRALLY_RETAINED),
    AddOption(option=SCHOOLS_BLOCK),
    RemoveOption(option_id=SCHOOLS_BLOCK.option_id),
    RemoveOption(option_id=CENTRALLY_RETAINED.option_id),
    SetRecommendation(recommendation=NAMED_RECOMMENDATION),
    SetRecommendation(recommendation=JULY_2018_RECOMMENDATION),
    SetRecommendation(
        recommendation=Recommendation(
            text="Choose",
            option_ids=(CENTRALLY_RETAINED.option_id, SCHOOLS_BLOCK.option_id),
            mode="one_of",
        )
    ),
    TableRequest(meeting_date=SEPTEMBER_2018_MEETING, membership=SMF),
    FollowMeeting(
        meeting_id="meeting-2018-09-26",
        from_date=SEPTEMBER_2018_MEETING,
        meeting_date=JULY_MOVED,
        reason="m",
    ),
    Withdraw(reason="r"),
    RecordAttendance(present_member_ids=PRESENT),
    RecordAttendance(present_member_ids=(*PRESENT, "m04")),
    RecordAttendance(present_member_ids=("m01",)),
    OpenVote(),
    AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT),
    CastVote(choice=VoteChoice.for_),
    CastVote(choice=VoteChoice.against),
    CastVote(choice=VoteChoice.abstain),
    CastVote(choice=VoteChoice.for_, option_id=CENTRALLY_RETAINED.option_id),
    CloseVote(),
    CloseVote(defer_reason="later"),
    CloseVote(chair_casting_choice=VoteChoice.for_),
    Defer(reason="d"),
    RecordMinute(minute=MINUTE),
    RecordMinute(minute=MINUTE.model_copy(update={"amendments": ()})),
    RecordMinute(minute=MINUTE.model_copy(update={"agreed_option_ids": ()})),
    ConfirmMinutes(),
    ReportEvaluation(report=EVALUATION),
    ConfirmFunding(
        confirmed_by="Finance",
        confirmed_on=date(2018, 6, 1),
        option_ids=(CENTRALLY_RETAINED.option_id,),
        amount_pence=TOTAL_PENCE,
    ),
    RecordSpending(started_on=date(2018, 6, 1), description="s"),
    Extend(new_period=YEAR_2, reason="e"),
    Close(reason="c"),
]
ACTORS: list[Actor] = [
    OFFICER,
    CLERK,
    CHAIR,
    *MEMBERS.values(),
    Actor(user_id="x99", name="Not on the forum", roles=frozenset({Role.member})),
    Actor(
        user_id="m03",
        name="Chair who is a member",
        roles=frozenset({Role.chair, Role.member}),
        group=MemberGroup.maintained_secondary,
    ),
]


def _guide(state: RequestState) -> tuple[Command, Actor] | None:
    """The command that moves the request along the happy path from here, if any."""
    match state.stage:
        case Stage.drafting:
            return SubmitDraft(), OFFICER
        case Stage.option_listing if not state.options:
            return AddOption(option=CENTRALLY_RETAINED), OFFICER
        case Stage.option_listing if not (state.recommendation and state.recommendation.option_ids):
            return SetRecommendation(recommendation=NAMED_RECOMMENDATION), OFFICER
        case Stage.option_listing:
            return TableRequest(meeting_date=SEPTEMBER_2018_MEETING, membership=SMF), CHAIR
        case Stage.tabled if not state.present_member_ids:
            return RecordAttendance(present_member_ids=PRESENT), CLERK
        case Stage.tabled:
            return OpenVote(), CHAIR
        case Stage.voting:
            voted = {v.member_id for v in state.votes}
            waiting = [m for m in state.present_member_ids if m not in voted]
            if waiting:
                return CastVote(choice=VoteChoice.for_), MEMBERS[waiting[0]]
            return CloseVote(), CHAIR
        case Stage.decided if state.decision is not None:
            agreed = [o for o in state.options if o.option_id in state.decision.chosen_option_ids]
            faithful = MINUTE.model_copy(
                update={
                    "agreed_option_ids": state.decision.chosen_option_ids,
                    "amount_pence": sum(o.amount_pence for o in agreed),
                    "period": options_span(agreed),
                    "amendments": state.decision.amendments,
                }
            )
            return RecordMinute(minute=faithful), CLERK
        case Stage.minuted:
            return ConfirmMinutes(), CHAIR
        case Stage.evaluation if state.evaluation is None:
            return ReportEvaluation(report=EVALUATION), OFFICER
        case Stage.evaluation:
            return Extend(new_period=YEAR_2, reason="e"), CHAIR
    return None


def _draw_step(data: st.DataObject, state: RequestState) -> tuple[Command, Actor]:
    """Half the time the happy path's next step; else mostly a command the stage allows by
    someone allowed to give it; sometimes anything by anyone."""
    guided = _guide(state)
    dice = data.draw(st.integers(0, 9))
    if guided is not None and dice < 5:
        return guided
    open_now = set(allowed_transitions(state, Role))
    # Withdrawal ends everything, so it is left to the untargeted draws.
    fitting = [
        c for c in POOL if COMMAND_TRANSITION[type(c)] in open_now and not isinstance(c, Withdraw)
    ]
    command = data.draw(st.sampled_from(fitting if fitting and dice < 8 else POOL))
    needed = PERMISSIONS[COMMAND_TRANSITION[type(command)]]
    permitted = [a for a in ACTORS if a.roles & needed]
    return command, data.draw(st.sampled_from(permitted if dice < 8 else ACTORS))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), casting=st.booleans(), length=st.integers(min_value=1, max_value=80))
def test_random_commands_only_raise_rule_violations(
    data: st.DataObject, casting: bool, length: int
) -> None:
    """Random commands by random actors raise only RuleViolation; a success adds one entry."""
    clock = Clock()
    state = new_request(clock, ForumSettings(chair_has_casting_vote=casting))
    for _ in range(length):
        command, actor = _draw_step(data, state)
        transition = COMMAND_TRANSITION[type(command)]
        permitted = transition in allowed_transitions(state, actor.roles)
        try:
            after = apply(state, command, actor, clock())
        except (RoleNotPermitted, TransitionNotAllowedInStage):
            assert not permitted
            continue
        except (RuleViolation, ValidationError):
            assert permitted
            continue
        assert permitted
        assert len(after.audit) == len(state.audit) + 1
        assert after.audit[:-1] == state.audit
        assert after.audit[-1].transition == transition.value
        assert after.audit[-1].from_stage is state.stage
        assert after.audit[-1].to_stage is after.stage
        state = after
    assert RequestState.model_validate_json(state.model_dump_json()) == state
