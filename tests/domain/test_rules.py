"""Tests for a request's rules as pure functions (domain/request/rules, voting, tally)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from math import ceil
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.seeds import (
    CENTRALLY_RETAINED,
    EVALUATION,
    JULY_2018_MEETING,
    MIDDLESBROUGH_AMENDMENT,
    MIDDLESBROUGH_RECOMMENDATION,
    SCHOOLS_BLOCK,
    TOTAL_PENCE,
    middlesbrough_draft,
    middlesbrough_minute,
)
from domain.attendance import is_quorate, quorum_required
from domain.errors import NotAMember, RuleViolation
from domain.people import Actor, Member, MemberGroup, Membership, Role
from domain.request import errors
from domain.request.commands import CastVote
from domain.request.decision import (
    Action,
    Decision,
    DecisionOutcome,
    MeasuredOutcome,
    Minute,
    Tally,
    Vote,
    VoteChoice,
)
from domain.request.draft import (
    DecisionType,
    FundingOption,
    FundingSource,
    Period,
    Recommendation,
    RequestDraft,
)
from domain.request.lifecycle import apply
from domain.request.models import RequestState, Stage
from domain.request.rules import (
    check_draft_complete,
    check_minute,
    check_tabling,
    late_papers_note,
    options_span,
    unreported_measures,
)
from domain.request.tally import tally
from domain.request.voting import check_vote, decision_type_of, eligible_voters

# The seed's option, listed in every state below.
RETAINED = CENTRALLY_RETAINED.option_id

# A small forum across the member groups, so the voting rules can be told apart.
GROUPS = {
    "p1": MemberGroup.maintained_primary,
    "p2": MemberGroup.maintained_primary,
    "s1": MemberGroup.maintained_secondary,
    "sp": MemberGroup.maintained_special,
    "a1": MemberGroup.academy,
    "a2": MemberGroup.academy,
    "ey": MemberGroup.early_years,
    "ns": MemberGroup.non_school,
}
FORUM = Membership(
    members=tuple(
        Member(member_id=mid, name=f"Member {mid}", group=group, email=f"{mid}@example.org")
        for mid, group in GROUPS.items()
    )
)


def draft(**changes: Any) -> RequestDraft:
    """The seed's draft with ``changes``, validated."""
    return RequestDraft.model_validate({**dict(middlesbrough_draft()), **changes})


def option(option_id: str = RETAINED, **changes: Any) -> FundingOption:
    """The seed's centrally retained option under ``option_id`` with ``changes``, validated."""
    return FundingOption.model_validate(
        {**dict(CENTRALLY_RETAINED), "option_id": option_id, **changes}
    )


def recommend(*option_ids: str, mode: str = "all_of") -> Recommendation:
    return Recommendation(text=MIDDLESBROUGH_RECOMMENDATION, option_ids=option_ids, mode=mode)  # type: ignore[arg-type]


def listing(**changes: Any) -> RequestState:
    fields: dict[str, Any] = {
        "stage": Stage.option_listing,
        "draft": draft(),
        "options": (option(),),
        "recommendation": recommend(RETAINED),
    }
    return RequestState(**(fields | changes))


def meeting_state(
    present: tuple[str, ...] = tuple(GROUPS), rec: Recommendation | None = None, **changes: Any
) -> RequestState:
    fields: dict[str, Any] = {
        "stage": Stage.voting,
        "draft": draft(),
        "options": (
            option(),
            option("high-needs", source=FundingSource.dsg_high_needs),
            SCHOOLS_BLOCK,
        ),
        "recommendation": rec or recommend(RETAINED),
        "meeting_date": JULY_2018_MEETING,
        "membership": FORUM,
        "present_member_ids": present,
    }
    return RequestState(**(fields | changes))


NOW = datetime(2018, 7, 4, 11, 0, tzinfo=UTC)


def member_actor(member_id: str) -> Actor:
    return Actor(user_id=member_id, name=f"Member {member_id}", roles=frozenset({Role.member}))


# --- drafting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": " "}, "draft.purpose"),
        ({"background": ""}, "draft.background"),
        ({"evaluation_plan": None}, "draft.evaluation_plan"),
    ],
)
def test_incomplete_draft_cannot_be_submitted(changes: dict[str, Any], field: str) -> None:
    """A draft without purpose, background or evaluation plan is refused, naming the field."""
    with pytest.raises(errors.DraftIncomplete) as caught:
        check_draft_complete(draft(**changes))
    assert caught.value.field == field
    assert field in caught.value.message
    assert caught.value.rule == "draft-incomplete"


# --- tabling -------------------------------------------------------------------------


def test_tabling_accepts_a_specific_sufficient_recommendation() -> None:
    """A recommendation naming a listed option that covers the cost can be tabled."""
    check_tabling(listing())


def test_tabling_refuses_no_options() -> None:
    """No listed option: NoFundingOptions."""
    with pytest.raises(errors.NoFundingOptions) as caught:
        check_tabling(listing(options=(), recommendation=None))
    assert caught.value.rule == "tabling-requires-funding-options"
    assert caught.value.field == "options"


def test_tabling_refuses_no_recommendation() -> None:
    """No recommendation at all: NoRecommendation."""
    with pytest.raises(errors.NoRecommendation) as caught:
        check_tabling(listing(recommendation=None))
    assert caught.value.rule == "tabling-requires-recommendation"


def test_tabling_refuses_a_recommendation_naming_no_option() -> None:
    """Seed 000: a recommendation naming no option is refused with the rule in plain English."""
    with pytest.raises(errors.RecommendationNamesNoOption) as caught:
        check_tabling(listing(recommendation=recommend()))
    assert caught.value.rule == "tabling-requires-specific-option"
    assert caught.value.field == "recommendation.option_ids"
    assert caught.value.message == (
        "Cannot table SMF-2018-EHP: the recommendation names no funding option "
        "(recommendation.option_ids is empty). A request must not be tabled until its "
        "recommendation names the specific option(s) the forum is asked to agree."
    )


def test_tabling_refuses_an_unknown_option() -> None:
    """A recommendation naming an option that is not listed is refused, quoting the id."""
    with pytest.raises(errors.RecommendationNamesUnknownOption, match="'direct-school-grant'"):
        check_tabling(listing(recommendation=recommend("direct-school-grant")))


def test_all_of_options_must_cover_the_cost_or_declare_the_part() -> None:
    """all_of: a shortfall is refused unless every named option declares what it covers."""
    half = option(amount_pence=TOTAL_PENCE // 2)
    with pytest.raises(errors.OptionsDoNotCoverCost, match="£44,802 unfunded") as caught:
        check_tabling(listing(options=(half,)))
    assert caught.value.field == "options[centrally-retained].covers"
    check_tabling(
        listing(options=(option(amount_pence=TOTAL_PENCE // 2, covers="two of the posts"),))
    )


def test_all_of_options_add_up() -> None:
    """all_of: two options that together reach the total need no declaration."""
    options = (
        option(amount_pence=TOTAL_PENCE // 2),
        option("high-needs", source=FundingSource.dsg_high_needs, amount_pence=TOTAL_PENCE // 2),
    )
    check_tabling(listing(options=options, recommendation=recommend(RETAINED, "high-needs")))


def test_one_of_options_must_each_cover_the_cost() -> None:
    """one_of: each option alone must reach the total or declare what it covers."""
    options = (option(), option("high-needs", source=FundingSource.dsg_high_needs, amount_pence=1))
    state = listing(
        options=options, recommendation=recommend(RETAINED, "high-needs", mode="one_of")
    )
    with pytest.raises(errors.OptionsDoNotCoverCost) as caught:
        check_tabling(state)
    assert caught.value.field == "options[high-needs].covers"


def test_late_papers_are_noted() -> None:
    """Papers are in time up to the deadline (London date); after it a note says so."""
    # Meeting Wednesday 4 July 2018: the 6th working day before is Tuesday 26 June.
    on_deadline = datetime(2018, 6, 26, 22, 30, tzinfo=UTC)  # 23:30 in London, same day
    assert late_papers_note(JULY_2018_MEETING, on_deadline, 5) is None
    too_late = datetime(2018, 6, 26, 23, 30, tzinfo=UTC)  # already 27 June in London
    assert late_papers_note(JULY_2018_MEETING, too_late, 5) == (
        "Papers are late: they were due by 26 June 2018 (5 clear working days before the "
        "meeting), and it is 27 June 2018."
    )
    assert late_papers_note(JULY_2018_MEETING, too_late, 4) is None


def test_meeting_outside_the_calendar_is_noted() -> None:
    """A meeting outside the working calendar's years gets a note, not a guessed deadline."""
    note = late_papers_note(date(2101, 1, 1), datetime(2018, 1, 1, tzinfo=UTC), 5)
    assert note is not None
    assert "unknown" in note


# --- quorum and eligibility ----------------------------------------------------------


@pytest.mark.parametrize("total", range(1, 41))
def test_quorum_is_two_fifths_rounded_up(total: int) -> None:
    """The default quorum is ceil(2/5 x total) for memberships of 1 to 40."""
    assert quorum_required(total) == ceil(Fraction(2, 5) * total)


def test_quorum_examples() -> None:
    """20 members need 8 present, 21 need 9; other fractions are configurable."""
    assert quorum_required(20) == 8
    assert quorum_required(21) == 9
    assert quorum_required(21, 1, 3) == 7
    assert quorum_required(22, 1, 3) == 8
    assert quorum_required(0) == 0


@given(
    total=st.integers(min_value=0, max_value=10**30),
    numerator=st.integers(min_value=0, max_value=100),
    denominator=st.integers(min_value=1, max_value=100),
)
def test_quorum_is_exact_for_any_size(total: int, numerator: int, denominator: int) -> None:
    """quorum_required uses exact integer arithmetic, even where floats would round wrong."""
    assert quorum_required(total, numerator, denominator) == ceil(
        Fraction(numerator * total, denominator)
    )


def test_is_quorate_counts_only_members() -> None:
    """Only present ids on the membership count; 8 members need 4 present (2/5, rounded up)."""
    assert is_quorate(FORUM, ["p1", "p2", "s1", "a1"])
    assert not is_quorate(FORUM, ["p1", "p2", "s1", "visitor"])
    assert is_quorate(FORUM, ["p1", "p2", "s1"], 1, 3)


def test_eligible_voters_by_decision_type() -> None:
    """general: all present; formula: all but non-school; de-delegation: maintained only."""
    present = ["p1", "s1", "a1", "ey", "ns", "visitor"]
    assert eligible_voters(DecisionType.general, FORUM, present) == {"p1", "s1", "a1", "ey", "ns"}
    assert eligible_voters(DecisionType.formula, FORUM, present) == {"p1", "s1", "a1", "ey"}
    assert eligible_voters(DecisionType.dedelegation, FORUM, present) == {"p1", "s1"}


def test_decision_type_is_the_most_restrictive() -> None:
    """The vote's type is the strictest among the options put to it; general when none."""
    formula = option("ff", decision_type=DecisionType.formula)
    assert decision_type_of([option(), SCHOOLS_BLOCK, formula]) is DecisionType.dedelegation
    assert decision_type_of([option(), formula]) is DecisionType.formula
    assert decision_type_of([]) is DecisionType.general


# --- votes ---------------------------------------------------------------------------


def test_a_present_eligible_member_may_vote_once() -> None:
    """A present member votes; a second vote is refused: one vote per member."""
    vote = Vote(member_id="a1", choice=VoteChoice.for_)
    check_vote(meeting_state(), member_actor("a1"), vote)
    with pytest.raises(errors.DuplicateVote, match="One vote per member") as caught:
        check_vote(meeting_state(votes=(vote,)), member_actor("a1"), vote)
    assert caught.value.rule == "one-vote-per-member"


def test_non_members_and_absentees_cannot_vote() -> None:
    """A non-member gets NotAMember; an absent member MemberNotPresent."""
    with pytest.raises(NotAMember):
        check_vote(
            meeting_state(), member_actor("x9"), Vote(member_id="x9", choice=VoteChoice.for_)
        )
    with pytest.raises(errors.MemberNotPresent):
        check_vote(
            meeting_state(present=("p1", "p2", "s1", "a2")),
            member_actor("a1"),
            Vote(member_id="a1", choice=VoteChoice.for_),
        )


def test_ineligible_groups_cannot_vote() -> None:
    """Non-school members cannot vote on formula; academies cannot vote on de-delegation."""
    formula_state = meeting_state(
        options=(option(decision_type=DecisionType.formula),),
    )
    with pytest.raises(errors.NotEligibleToVote, match="non-school members do not vote"):
        check_vote(formula_state, member_actor("ns"), Vote(member_id="ns", choice=VoteChoice.for_))
    check_vote(formula_state, member_actor("ey"), Vote(member_id="ey", choice=VoteChoice.for_))
    dedelegation_state = meeting_state(rec=recommend(SCHOOLS_BLOCK.option_id))
    with pytest.raises(errors.NotEligibleToVote, match="academy members"):
        check_vote(
            dedelegation_state, member_actor("a1"), Vote(member_id="a1", choice=VoteChoice.for_)
        )


def test_a_member_votes_only_in_their_own_name() -> None:
    """A vote whose member_id is not the actor's is refused."""
    with pytest.raises(errors.VoteNotOwn):
        check_vote(
            meeting_state(), member_actor("a1"), Vote(member_id="a2", choice=VoteChoice.for_)
        )


def test_the_clerk_records_a_members_vote_on_their_behalf() -> None:
    """A clerk naming a present, eligible member records that member's vote, and the
    audit names the clerk and the member."""
    clerk = Actor(user_id="clerk", name="Forum Clerk", roles=frozenset({Role.clerk}))
    state = meeting_state()
    after = apply(state, CastVote(choice=VoteChoice.against, member_id="a1"), clerk, NOW)
    assert after.votes[-1] == Vote(member_id="a1", choice=VoteChoice.against)
    assert after.audit[-1].actor_id == "clerk"
    assert "recorded the vote of" in after.audit[-1].summary
    assert "(a1)" in after.audit[-1].summary
    with pytest.raises(errors.DuplicateVote):
        apply(after, CastVote(choice=VoteChoice.for_), member_actor("a1"), NOW)


def test_a_clerk_must_name_the_member_whose_vote_it_is() -> None:
    """A clerk's vote without member_id is refused naming member_id; a member still
    cannot vote in another member's name."""
    clerk = Actor(user_id="clerk", name="Forum Clerk", roles=frozenset({Role.clerk}))
    with pytest.raises(errors.VoteWithoutMember) as refused:
        apply(meeting_state(), CastVote(choice=VoteChoice.for_), clerk, NOW)
    assert refused.value.field == "member_id"
    with pytest.raises(errors.VoteNotOwn):
        apply(
            meeting_state(),
            CastVote(choice=VoteChoice.for_, member_id="a2"),
            member_actor("a1"),
            NOW,
        )


def test_vote_option_must_fit_the_recommendation() -> None:
    """In a choice a vote for names a recommended option; otherwise no vote names one."""
    choice = meeting_state(rec=recommend(RETAINED, "high-needs", mode="one_of"))
    actor = member_actor("a1")
    check_vote(choice, actor, Vote(member_id="a1", choice=VoteChoice.for_, option_id="high-needs"))
    for bad in (
        Vote(member_id="a1", choice=VoteChoice.for_),
        Vote(member_id="a1", choice=VoteChoice.for_, option_id=SCHOOLS_BLOCK.option_id),
        Vote(member_id="a1", choice=VoteChoice.against, option_id="high-needs"),
    ):
        with pytest.raises(errors.VoteOptionInvalid):
            check_vote(choice, actor, bad)
    with pytest.raises(errors.VoteOptionInvalid):
        check_vote(
            meeting_state(),
            actor,
            Vote(member_id="a1", choice=VoteChoice.for_, option_id=RETAINED),
        )


# --- tally ---------------------------------------------------------------------------


def votes(**choices: str) -> list[Vote]:
    result = []
    for member_id, choice in choices.items():
        vote_choice, _, option_id = choice.partition(":")
        result.append(
            Vote(member_id=member_id, choice=VoteChoice(vote_choice), option_id=option_id or None)
        )
    return result


ALL = frozenset(GROUPS)
SINGLE = recommend(RETAINED)
CHOICE = recommend(RETAINED, "high-needs", mode="one_of")


def test_majority_for_approves() -> None:
    """More for than against approves the recommended options; amendments make it 'as amended'."""
    cast = votes(p1="for", p2="for", s1="against", a1="abstain")
    outcome, count, chosen = tally(cast, ALL, "chair", False, None, recommendation=SINGLE)
    assert outcome is DecisionOutcome.approved
    assert count == Tally(for_count=2, against_count=1, abstentions=1)
    assert chosen == (RETAINED,)
    outcome, _, _ = tally(cast, ALL, "chair", False, None, recommendation=SINGLE, amended=True)
    assert outcome is DecisionOutcome.approved_as_amended


def test_majority_against_rejects() -> None:
    """More against than for rejects, agreeing no option."""
    cast = votes(p1="for", s1="against", a1="against")
    outcome, _, chosen = tally(cast, ALL, "chair", False, None, recommendation=SINGLE)
    assert (outcome, chosen) == (DecisionOutcome.rejected, ())


def test_ineligible_votes_are_not_counted() -> None:
    """Votes from members outside the eligible set do not count."""
    cast = votes(p1="for", ns="against", ey="against")
    outcome, count, _ = tally(cast, frozenset({"p1"}), None, False, None, recommendation=SINGLE)
    assert outcome is DecisionOutcome.approved
    assert (count.for_count, count.against_count) == (1, 0)


def test_tie_without_casting_vote_fails() -> None:
    """A tie with no casting vote in the settings is lost: rejected."""
    cast = votes(p1="for", s1="against")
    outcome, count, _ = tally(cast, ALL, "chair", False, None, recommendation=SINGLE)
    assert outcome is DecisionOutcome.rejected
    assert not count.casting_vote_used
    with pytest.raises(errors.CastingVoteNotAllowed):
        tally(cast, ALL, "chair", False, VoteChoice.for_, recommendation=SINGLE)


def test_tie_with_casting_vote() -> None:
    """With a casting vote the chair decides a tie, must give it, and cannot abstain."""
    cast = votes(p1="for", s1="against")
    outcome, count, _ = tally(cast, ALL, "chair", True, VoteChoice.for_, recommendation=SINGLE)
    assert outcome is DecisionOutcome.approved
    assert count.casting_vote_used
    assert count.casting_vote_by == "chair"
    outcome, _, _ = tally(cast, ALL, "chair", True, VoteChoice.against, recommendation=SINGLE)
    assert outcome is DecisionOutcome.rejected
    with pytest.raises(errors.CastingVoteRequired):
        tally(cast, ALL, "chair", True, None, recommendation=SINGLE)
    with pytest.raises(errors.CastingVoteMustDecide):
        tally(cast, ALL, "chair", True, VoteChoice.abstain, recommendation=SINGLE)


def test_casting_vote_without_a_tie_is_refused() -> None:
    """A casting vote given when nothing is tied is refused, not silently ignored."""
    cast = votes(p1="for", p2="for", s1="against")
    with pytest.raises(errors.CastingVoteNotNeeded):
        tally(cast, ALL, "chair", True, VoteChoice.against, recommendation=SINGLE)
    with pytest.raises(errors.CastingVoteNotNeeded):
        tally(
            cast,
            ALL,
            "chair",
            True,
            None,
            recommendation=SINGLE,
            chair_casting_option_id="high-needs",
        )


def test_choice_agrees_the_option_with_most_for_votes() -> None:
    """one_of: for votes across options approve; the option with most for votes is agreed."""
    cast = votes(p1="for:high-needs", p2="for:high-needs", s1=f"for:{RETAINED}", a1="against")
    outcome, count, chosen = tally(cast, ALL, None, False, None, recommendation=CHOICE)
    assert outcome is DecisionOutcome.approved
    assert chosen == ("high-needs",)
    assert [(o.option_id, o.for_count) for o in count.for_by_option] == [
        (RETAINED, 1),
        ("high-needs", 2),
    ]


def test_choice_tied_between_options() -> None:
    """one_of: tied options need the chair's casting option, else the vote cannot close."""
    cast = votes(p1="for:high-needs", s1=f"for:{RETAINED}")
    with pytest.raises(errors.OptionChoiceTied, match="Defer the request"):
        tally(cast, ALL, "chair", False, None, recommendation=CHOICE)
    with pytest.raises(errors.CastingVoteRequired):
        tally(cast, ALL, "chair", True, None, recommendation=CHOICE)
    with pytest.raises(errors.CastingVoteMustDecide):
        tally(cast, ALL, "chair", True, None, recommendation=CHOICE, chair_casting_option_id="zz")
    _, count, chosen = tally(
        cast, ALL, "chair", True, None, recommendation=CHOICE, chair_casting_option_id="high-needs"
    )
    assert chosen == ("high-needs",)
    assert count.casting_vote_used


# --- minuting ------------------------------------------------------------------------


def decided(**decision_changes: Any) -> RequestState:
    fields: dict[str, Any] = {
        "outcome": DecisionOutcome.approved_as_amended,
        "decided_at": datetime(2018, 7, 4, 18, tzinfo=UTC),
        "meeting_date": JULY_2018_MEETING,
        "tally": Tally(for_count=6, against_count=0, abstentions=0),
        "chosen_option_ids": (RETAINED,),
        "amendments": (MIDDLESBROUGH_AMENDMENT,),
    }
    state = meeting_state(rec=recommend(RETAINED))
    return RequestState(
        **{
            **dict(state),
            "stage": Stage.decided,
            "decision": Decision(**(fields | decision_changes)),
        }
    )


def minute(**changes: Any) -> Minute:
    """The seed's minute with the amendment and an action added, then ``changes``, validated."""
    fields: dict[str, Any] = {
        **dict(middlesbrough_minute()),
        "amendments": (MIDDLESBROUGH_AMENDMENT,),
        "actions": (
            Action(
                action_id="a1",
                description="Report on impact",
                owner="Gail Earl",
                due_meeting=date(2019, 1, 16),
            ),
        ),
    }
    return Minute.model_validate(fields | changes)


def test_a_complete_minute_is_accepted() -> None:
    """A minute naming the agreed option, its amount, period and the amendments is accepted."""
    check_minute(decided(), minute())


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"agreed_option_ids": ()}, errors.MinuteWithoutFundingSource, "minute.agreed_option_ids"),
        (
            {"agreed_option_ids": ("dsg",)},
            errors.MinuteNamesUnlistedOption,
            "minute.agreed_option_ids",
        ),
        (
            {"agreed_option_ids": ("high-needs",)},
            errors.MinuteOptionsDifferFromDecision,
            "minute.agreed_option_ids",
        ),
        ({"amount_pence": TOTAL_PENCE - 1}, errors.MinuteAmountMismatch, "minute.amount_pence"),
        ({"period": None}, errors.MinutePeriodMissing, "minute.period"),
        (
            {"period": Period(start=date(2018, 9, 1), end=date(2019, 3, 31))},
            errors.MinutePeriodMismatch,
            "minute.period",
        ),
        (
            {"amendments": ("term time only",)},
            errors.MinuteAmendmentsMismatch,
            "minute.amendments",
        ),
        (
            {
                "actions": (
                    Action(
                        action_id="a1", description="d", owner="o", due_meeting=JULY_2018_MEETING
                    ),
                )
            },
            errors.ActionDueBeforeMeeting,
            "minute.actions[a1].due_meeting",
        ),
    ],
)
def test_minuting_guards(
    changes: dict[str, Any], error: type[errors.MinutingRefused], field: str
) -> None:
    """Each way a minute can misrecord an approval is refused with its own rule and field."""
    with pytest.raises(error) as caught:
        check_minute(decided(), minute(**changes))
    assert caught.value.field == field
    assert field in caught.value.message
    assert isinstance(caught.value, errors.MinutingRefused)


def test_a_minute_may_leave_the_amendments_to_the_decision() -> None:
    """A minute that lists no amendments does not contradict the decision's amendments."""
    check_minute(decided(), minute(amendments=()))


def test_minute_without_source_message() -> None:
    """Seed 000: an approval minuted without its source is refused in plain English."""
    with pytest.raises(errors.MinuteWithoutFundingSource) as caught:
        check_minute(decided(), minute(agreed_option_ids=()))
    assert caught.value.rule == "minute-requires-funding-source"
    assert "must record which listed option(s) the forum agreed" in caught.value.message


def test_no_approval_no_minute() -> None:
    """A state with no approval has nothing to minute."""
    with pytest.raises(errors.NothingToMinute):
        check_minute(meeting_state(), minute())


def test_period_span_of_several_options() -> None:
    """The agreed period of several options runs from the earliest start to the latest end."""
    later = option("later", period=Period(start=date(2019, 9, 1), end=date(2020, 8, 31)))
    assert options_span([option(), later]) == Period(start=date(2018, 9, 1), end=date(2020, 8, 31))
    assert options_span([]) is None


# --- evaluation ----------------------------------------------------------------------


def test_unreported_measures_are_listed() -> None:
    """The planned measures an evaluation report leaves out are listed, in plan order."""
    plan = draft().evaluation_plan
    assert plan is not None
    # The seed's report counts referrals, a measure its plan does not name.
    assert unreported_measures(decided(), EVALUATION) == plan.measures
    last_only = EVALUATION.model_copy(
        update={"outcomes": (MeasuredOutcome(measure=plan.measures[-1], value=40, unit="cases"),)}
    )
    assert unreported_measures(decided(), last_only) == plan.measures[:-1]
    complete = EVALUATION.model_copy(
        update={
            "outcomes": tuple(
                MeasuredOutcome(measure=measure, value=40, unit="cases")
                for measure in reversed(plan.measures)
            )
        }
    )
    assert unreported_measures(decided(), complete) == ()


def test_rule_violations_carry_rule_message_and_field() -> None:
    """A RuleViolation exposes rule, message and field, and survives pickling."""
    import pickle

    violation = errors.MinuteAmountMismatch("The amount is wrong.", field="minute.amount_pence")
    assert violation.details() == {
        "rule": "minute-amount-mismatch",
        "message": "The amount is wrong.",
        "field": "minute.amount_pence",
    }
    copy = pickle.loads(pickle.dumps(violation))  # noqa: S301 -- our own object
    assert type(copy) is errors.MinuteAmountMismatch
    assert (copy.message, copy.field) == (violation.message, violation.field)


def test_every_rule_code_is_unique_and_kebab_case() -> None:
    """Each RuleViolation subclass has its own kebab-case rule code and a docstring."""
    classes = [
        c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, RuleViolation)
    ]
    codes = [c.rule for c in classes]
    assert len(codes) == len(set(codes))
    assert all(code == code.lower() and " " not in code and "_" not in code for code in codes)
    assert all(c.__doc__ for c in classes)
