"""De-delegation is decided phase by phase, by maintained primary and secondary members.

The forum below has two maintained primary, two maintained secondary, one special, one
PRU, two academy and two non-school members (quorum 4 of 10).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devtools.seeds import (
    CHAIR,
    CLERK,
    JULY_2018_MEETING,
    OFFICER,
    POSTS_PERIOD,
    SCHOOLS_BLOCK,
    TOTAL_PENCE,
    middlesbrough_draft,
)
from domain.people import Actor, Member, MemberGroup, Membership, Role
from domain.request import errors
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import DecisionOutcome, Minute, PhaseOutcome, VoteChoice
from domain.request.draft import Recommendation
from domain.request.lifecycle import apply
from domain.request.models import RequestState, Stage
from tests.domain.test_lifecycle import Clock

GROUPS = {
    "p1": MemberGroup.maintained_primary,
    "p2": MemberGroup.maintained_primary,
    "s1": MemberGroup.maintained_secondary,
    "s2": MemberGroup.maintained_secondary,
    "sp": MemberGroup.maintained_special,
    "pru": MemberGroup.maintained_pru,
    "a1": MemberGroup.academy,
    "a2": MemberGroup.academy,
    "n1": MemberGroup.non_school,
    "n2": MemberGroup.non_school,
}
FORUM = Membership(
    members=tuple(
        Member(member_id=mid, name=f"Member {mid}", group=group, email=f"{mid}@example.org")
        for mid, group in GROUPS.items()
    )
)
MEMBER = {
    mid: Actor(user_id=mid, name=f"Member {mid}", roles=frozenset({Role.member}), group=group)
    for mid, group in GROUPS.items()
}
FOR, AGAINST = VoteChoice.for_, VoteChoice.against


def _tabled(clock: Clock, present: tuple[str, ...]) -> RequestState:
    state = RequestState.new(middlesbrough_draft(), OFFICER, clock())
    for command, actor in (
        (SubmitDraft(), OFFICER),
        (AddOption(option=SCHOOLS_BLOCK), OFFICER),
        (
            SetRecommendation(
                recommendation=Recommendation(
                    text="De-delegate", option_ids=(SCHOOLS_BLOCK.option_id,)
                )
            ),
            OFFICER,
        ),
        (TableRequest(meeting_date=JULY_2018_MEETING, membership=FORUM), CHAIR),
        (RecordAttendance(present_member_ids=present), CLERK),
    ):
        state = apply(state, command, actor, clock())
    return state


def _vote(state: RequestState, votes: dict[str, VoteChoice], clock: Clock) -> RequestState:
    state = apply(state, OpenVote(), CHAIR, clock())
    for mid, choice in votes.items():
        state = apply(state, CastVote(choice=choice), MEMBER[mid], clock())
    return apply(state, CloseVote(), CHAIR, clock())


def _clock() -> Clock:
    return Clock(datetime(2018, 7, 4, 9, tzinfo=UTC))


def test_special_and_pru_members_do_not_vote_on_dedelegation() -> None:
    """Maintained special and PRU members present are refused a de-delegation vote."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "s1", "sp", "pru"))
    state = apply(state, OpenVote(), CHAIR, clock())
    assert "2 maintained primary and 1 maintained secondary" in state.audit[-1].summary
    for mid in ("sp", "pru"):
        with pytest.raises(errors.NotEligibleToVote, match="primary and secondary members"):
            apply(state, CastVote(choice=FOR), MEMBER[mid], clock())


def test_each_phase_decides_for_its_own_schools() -> None:
    """Secondary for and both primary against: primary rejects, secondary approves, and the
    decision approves de-delegation for secondary schools only (not a pooled 3-2)."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "s1", "sp", "pru"))
    state = _vote(state, {"s1": FOR, "p1": AGAINST, "p2": AGAINST}, clock)
    decision = state.decision
    assert decision is not None
    assert state.stage is Stage.decided
    assert decision.outcome is DecisionOutcome.approved
    phases = {phase.group: phase for phase in decision.phases}
    primary = phases[MemberGroup.maintained_primary]
    secondary = phases[MemberGroup.maintained_secondary]
    assert primary.outcome is PhaseOutcome.rejected
    assert (primary.tally.for_count, primary.tally.against_count) == (0, 2)
    assert primary.chosen_option_ids == ()
    assert secondary.outcome is PhaseOutcome.approved
    assert (secondary.tally.for_count, secondary.tally.against_count) == (1, 0)
    assert decision.chosen_option_ids == (SCHOOLS_BLOCK.option_id,)
    summary = state.audit[-1].summary
    assert "approved for maintained secondary schools" in summary
    assert "maintained primary: rejected (0 for, 2 against, 0 abstaining)" in summary


def test_a_phase_with_nobody_present_does_not_block_the_other() -> None:
    """With no secondary member present the vote opens, primary decides, and secondary is
    recorded as not decided."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "a1", "n1"))
    state = _vote(state, {"p1": FOR, "p2": FOR}, clock)
    decision = state.decision
    assert decision is not None
    assert decision.outcome is DecisionOutcome.approved
    outcomes = {phase.group: phase.outcome for phase in decision.phases}
    assert outcomes == {
        MemberGroup.maintained_primary: PhaseOutcome.approved,
        MemberGroup.maintained_secondary: PhaseOutcome.not_decided,
    }
    assert "maintained secondary: not decided" in state.audit[-1].summary


def test_no_deciding_phase_present_cannot_open_the_vote() -> None:
    """Quorate, but with no maintained primary or secondary member, nobody may decide it."""
    clock = _clock()
    state = _tabled(clock, ("sp", "pru", "a1", "n1"))
    with pytest.raises(errors.NoEligibleVoters, match="no maintained primary or secondary"):
        apply(state, OpenVote(), CHAIR, clock())


def test_both_phases_rejecting_rejects_with_each_count() -> None:
    """Both phases against: rejected, and the reason gives each phase's count."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "s1", "s2"))
    state = _vote(state, {"p1": AGAINST, "p2": FOR, "s1": AGAINST, "s2": AGAINST}, clock)
    decision = state.decision
    assert decision is not None
    assert state.stage is Stage.rejected
    assert decision.reason is not None
    assert "maintained primary: rejected (1 for, 1 against" in decision.reason
    assert "maintained secondary: rejected (0 for, 2 against" in decision.reason
    assert (decision.tally.for_count, decision.tally.against_count) == (1, 3)


def test_a_casting_vote_does_not_decide_a_phase() -> None:
    """A phase tied 1-1 is lost, and a casting vote offered on a de-delegation is refused."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "s1", "a1"))
    state = apply(state, OpenVote(), CHAIR, clock())
    for mid, choice in {"p1": FOR, "p2": AGAINST, "s1": FOR}.items():
        state = apply(state, CastVote(choice=choice), MEMBER[mid], clock())
    with pytest.raises(errors.CastingVoteNotAllowed, match="each phase"):
        apply(state, CloseVote(chair_casting_choice=FOR), CHAIR, clock())
    closed = apply(state, CloseVote(), CHAIR, clock())
    assert closed.decision is not None
    phases = {phase.group: phase.outcome for phase in closed.decision.phases}
    assert phases[MemberGroup.maintained_primary] is PhaseOutcome.rejected
    assert phases[MemberGroup.maintained_secondary] is PhaseOutcome.approved


def test_the_minute_records_each_phase() -> None:
    """Minuting a phase-decided de-delegation keeps each phase's outcome and count on the
    minute; a minute giving other phase outcomes is refused."""
    clock = _clock()
    state = _tabled(clock, ("p1", "p2", "s1", "sp", "pru"))
    state = _vote(state, {"s1": FOR, "p1": AGAINST, "p2": AGAINST}, clock)
    assert state.decision is not None
    minute = Minute(
        agreed_option_ids=(SCHOOLS_BLOCK.option_id,),
        amount_pence=TOTAL_PENCE,
        period=POSTS_PERIOD,
        text="The secondary members agreed to de-delegate; the primary members did not.",
        recorded_by=CLERK.user_id,
    )
    minuted = apply(state, RecordMinute(minute=minute), CLERK, clock())
    assert minuted.minute is not None
    assert minuted.minute.phases == state.decision.phases
    assert "By phase: maintained primary: rejected (0 for, 2 against" in minuted.audit[-1].summary
    swapped = tuple(
        p.model_copy(update={"outcome": PhaseOutcome.approved}) for p in state.decision.phases
    )
    wrong = minute.model_copy(update={"phases": swapped})
    with pytest.raises(errors.MinutePhasesMismatch, match=r"minute\.phases"):
        apply(state, RecordMinute(minute=wrong), CLERK, clock())
