"""A funding request's workflow, stage by stage, on real Temporal servers."""

from __future__ import annotations

import pytest

from clients.records import TransitionRefused
from clients.requests import FundingRequests, RequestAlreadyExists
from contracts.register import EntryKind
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    JULY_2018_MEETING,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    SCHOOLS_BLOCK,
    SEPTEMBER_2018_MEETING,
    TOTAL_PENCE,
    member_actor,
    members_of,
    middlesbrough_draft,
)
from domain.people import MemberGroup
from domain.request.commands import (
    AddOption,
    AmendRecommendation,
    CastVote,
    Close,
    CloseVote,
    ConfirmMinutes,
    Defer,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Withdraw,
)
from domain.request.decision import DecisionOutcome, VoteChoice
from domain.request.draft import FundingOption, Recommendation
from domain.request.models import Stage
from storage.register import DecisionRegister
from tests.lifecycle.drive import (
    approve,
    approved_request,
    draft_to_options,
    everyone_votes,
    history_length,
    minute_for,
    new_reference,
    open_vote_with,
    recommend_and_table,
    report_evaluation,
)


async def stage_of(forum: FundingRequests, reference: str) -> Stage:
    return (await forum.state(reference)).stage


async def test_happy_path_through_every_stage(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """A request passes drafting, options, tabled, voting, decided, minuted, evaluation, closed."""
    reference = new_reference()
    handle = await forum.create(middlesbrough_draft(reference), OFFICER)
    stages = [await stage_of(forum, reference)]
    await forum.submit(reference, SubmitDraft(), OFFICER)
    await forum.submit(reference, AddOption(option=CENTRALLY_RETAINED), OFFICER)
    stages.append(await stage_of(forum, reference))
    await recommend_and_table(forum, reference)
    stages.append(await stage_of(forum, reference))
    await open_vote_with(forum, reference)
    stages.append(await stage_of(forum, reference))
    await approve(forum, reference)
    stages.append(await stage_of(forum, reference))
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    stages.append(await stage_of(forum, reference))
    await forum.submit(reference, ConfirmMinutes(), CHAIR)
    stages.append(await stage_of(forum, reference))
    await report_evaluation(forum, reference)
    closed = await forum.submit(reference, Close(reason="Posts ended as planned"), CHAIR)
    outcome = await handle.result()

    assert stages == [
        Stage.drafting,
        Stage.option_listing,
        Stage.tabled,
        Stage.voting,
        Stage.decided,
        Stage.minuted,
        Stage.evaluation,
    ]
    assert closed.stage is Stage.closed
    assert outcome.stage is Stage.closed
    kinds = [entry.kind for entry in register.entries_for(reference)]
    assert kinds == [EntryKind.DECISION, EntryKind.MINUTE_CONFIRMED, EntryKind.EVALUATION]
    assert register.count(reference) == len(outcome.register_keys) == 3
    trail = await forum.audit_trail(reference)
    assert trail.entries[-1].actor_id == CHAIR.user_id
    assert trail.entries[-1].to_stage is Stage.closed


async def test_creating_an_existing_reference_is_refused(forum: FundingRequests) -> None:
    """A second request with the same reference is a clear error and starts nothing."""
    reference = new_reference()
    first = await forum.create(middlesbrough_draft(reference), OFFICER)
    with pytest.raises(RequestAlreadyExists, match=reference):
        await forum.create(middlesbrough_draft(reference), OFFICER)
    assert (await first.describe()).run_id == first.result_run_id


@pytest.mark.parametrize(
    ("options", "recommended", "expected_kind"),
    [
        ((), (), "NoFundingOptions"),
        ((CENTRALLY_RETAINED,), (), "RecommendationNamesNoOption"),
        ((CENTRALLY_RETAINED,), ("high-needs",), "RecommendationNamesUnknownOption"),
        (
            (CENTRALLY_RETAINED.model_copy(update={"amount_pence": TOTAL_PENCE // 2}),),
            (CENTRALLY_RETAINED.option_id,),
            "OptionsDoNotCoverCost",
        ),
    ],
    ids=["no-options", "names-no-option", "unknown-option", "does-not-cover-cost"],
)
async def test_tabling_guard_refuses_and_writes_no_history(
    forum: FundingRequests,
    options: tuple[FundingOption, ...],
    recommended: tuple[str, ...],
    expected_kind: str,
) -> None:
    """Each tabling guard refuses with its own rule and message, and writes no history event."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()), options)
    if options:
        await forum.submit(
            reference,
            SetRecommendation(
                recommendation=Recommendation(
                    text="SMF vote to agree the funding of £89,604.", option_ids=recommended
                )
            ),
            OFFICER,
        )
    handle = forum.handle(reference)
    before = await history_length(handle)
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(
            reference, TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP), CHAIR
        )
    assert refused.value.kind == expected_kind
    assert reference in refused.value.message
    assert await history_length(handle) == before
    assert await stage_of(forum, reference) is Stage.option_listing


async def test_minute_without_funding_source_is_refused(forum: FundingRequests) -> None:
    """An approval cannot be minuted until the agreed option is recorded."""
    reference = await approved_request(forum)
    before = await history_length(forum.handle(reference))
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, RecordMinute(minute=minute_for(option_ids=())), CLERK)
    assert refused.value.kind == "MinuteWithoutFundingSource"
    assert await history_length(forum.handle(reference)) == before
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    assert await stage_of(forum, reference) is Stage.minuted


async def test_deferral_returns_to_option_listing_and_can_be_retabled(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """A deferred request goes back to option listing with its reason and is tabled again."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await forum.submit(reference, Defer(reason="Members want a costed third option"), CHAIR)
    state = await forum.state(reference)
    assert state.stage is Stage.option_listing
    assert state.deferrals[-1].reason == "Members want a costed third option"
    await forum.submit(reference, AddOption(option=SCHOOLS_BLOCK), OFFICER)
    await recommend_and_table(forum, reference, meeting=SEPTEMBER_2018_MEETING)
    state = await forum.state(reference)
    assert state.stage is Stage.tabled
    assert state.meeting_date == SEPTEMBER_2018_MEETING
    outcomes = [entry.outcome for entry in register.entries_for(reference)]
    assert outcomes == ["deferred"]


async def test_rejection_ends_the_request(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """A vote with more against than for rejects the request and ends its workflow."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    await everyone_votes(forum, reference, VoteChoice.against, MEMBERS[:12])
    await everyone_votes(forum, reference, VoteChoice.for_, MEMBERS[12:])
    await forum.submit(reference, CloseVote(), CHAIR)
    outcome = await forum.handle(reference).result()
    assert outcome.stage is Stage.rejected
    (entry,) = register.entries_for(reference)
    assert entry.outcome == DecisionOutcome.rejected.value
    assert entry.agreed_options == ()


async def test_vote_cannot_open_without_quorum(forum: FundingRequests) -> None:
    """With fewer than two fifths of members present the vote is refused as inquorate."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    with pytest.raises(TransitionRefused) as refused:
        await open_vote_with(forum, reference, present=MEMBERS[:7])
    assert refused.value.kind == "InquorateMeeting"
    assert "8" in refused.value.message
    assert await stage_of(forum, reference) is Stage.tabled


async def test_dedelegation_is_decided_by_each_phase(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """With secondary, special and PRU members for and both primary members against, the
    special and PRU votes are refused and the phases decide apart: primary rejects 0-2,
    secondary approves 1-0, for secondary schools only; the register holds both counts."""
    reference = await draft_to_options(
        forum, middlesbrough_draft(new_reference()), (SCHOOLS_BLOCK,)
    )
    await recommend_and_table(forum, reference, option_ids=(SCHOOLS_BLOCK.option_id,))
    primary = members_of(MemberGroup.maintained_primary)[:2]
    secondary = members_of(MemberGroup.maintained_secondary)[:1]
    special = members_of(MemberGroup.maintained_special, MemberGroup.maintained_pru)
    others = members_of(MemberGroup.academy)[:3]
    await open_vote_with(forum, reference, present=[*primary, *secondary, *special, *others])
    for member in secondary:
        await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
    for member in special:
        with pytest.raises(TransitionRefused) as refused:
            await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
        assert refused.value.rule == "not-eligible-to-vote"
    for member in primary:
        await forum.submit(reference, CastVote(choice=VoteChoice.against), member_actor(member))
    result = await forum.submit(reference, CloseVote(), CHAIR)
    assert result.stage is Stage.decided
    assert "approved for maintained secondary schools" in result.audit_entry.summary
    decision = (await forum.state(reference)).decision
    assert decision is not None
    counts = {
        p.group: (p.outcome.value, p.tally.for_count, p.tally.against_count)
        for p in decision.phases
    }
    assert counts == {
        MemberGroup.maintained_primary: ("rejected", 0, 2),
        MemberGroup.maintained_secondary: ("approved", 1, 0),
    }
    (entry,) = [e for e in register.entries_for(reference) if e.kind is EntryKind.DECISION]
    assert [(p.phase, p.outcome, p.for_count, p.against_count) for p in entry.phases] == [
        ("maintained_primary", "rejected", 0, 2),
        ("maintained_secondary", "approved", 1, 0),
    ]


async def test_a_member_votes_once(forum: FundingRequests) -> None:
    """A second vote by the same member is refused and the first one stands."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    voter = member_actor(MEMBERS[0])
    await forum.submit(reference, CastVote(choice=VoteChoice.for_), voter)
    before = await history_length(forum.handle(reference))
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, CastVote(choice=VoteChoice.against), voter)
    assert refused.value.kind == "DuplicateVote"
    assert await history_length(forum.handle(reference)) == before
    votes = (await forum.state(reference)).votes
    assert [(v.member_id, v.choice) for v in votes] == [(MEMBERS[0].member_id, VoteChoice.for_)]


async def test_withdrawn_request_ends(forum: FundingRequests) -> None:
    """An officer can withdraw a request before the vote; its workflow ends withdrawn."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await forum.submit(reference, Withdraw(reason="Funded by the Children's Trust"), OFFICER)
    assert (await forum.handle(reference).result()).stage is Stage.withdrawn


async def test_amendment_is_carried_into_the_decision(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """An amendment made in the meeting turns the approval into 'approved as amended'."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    amendment = "Posts to be full time and not term time only"
    await forum.submit(reference, AmendRecommendation(amendment=amendment), CLERK)
    await approve(forum, reference)
    decision = (await forum.state(reference)).decision
    assert decision is not None
    assert decision.outcome is DecisionOutcome.approved_as_amended
    (entry,) = register.entries_for(reference)
    assert entry.amendments == (amendment,)


async def test_members_only_of_eligible_groups_vote_on_formula_matters(
    forum: FundingRequests,
) -> None:
    """A non-school member may not vote on a funding formula matter."""
    formula = CENTRALLY_RETAINED.model_copy(update={"decision_type": "formula"})
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()), (formula,))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    (non_school, *_) = members_of(MemberGroup.non_school)
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(non_school))
    assert refused.value.kind == "NotEligibleToVote"
    (early_years, *_) = members_of(MemberGroup.early_years)
    result = await forum.submit(
        reference, CastVote(choice=VoteChoice.for_), member_actor(early_years)
    )
    assert result.stage is Stage.voting
