"""Seed 000: Middlesbrough, July 2018. Four posts, GBP 89,604, two possible sources,
a recommendation that chose neither, and minutes that never said where the money
came from. Here the same request cannot go wrong in the same way."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from contracts import search_attributes
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    JULY_2018_MEETING,
    MEMBERSHIP,
    OFFICER,
    SCHOOLS_BLOCK,
    TOTAL_PENCE,
    middlesbrough_draft,
)
from domain.request.commands import (
    AmendRecommendation,
    CloseVote,
    ConfirmMinutes,
    RecordMinute,
    SetRecommendation,
    TableRequest,
)
from domain.request.decision import DecisionOutcome, VoteChoice
from domain.request.draft import FundingSource, Recommendation
from domain.request.models import Stage
from storage.register import DecisionRegister
from tests.lifecycle.drive import (
    draft_to_options,
    everyone_votes,
    history_length,
    minute_for,
    new_reference,
    open_vote_with,
    recommend_and_table,
)

JULY_2018_RECOMMENDATION = (
    "SMF vote to agree to the funding of £89,604 to recruit to four posts to be managed "
    "within the Council's Stronger Families service to carry out early help and prevention "
    "work within schools, across the primary and secondary schools sector."
)


async def test_middlesbrough_july_2018_cannot_lose_its_funding_source(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """Tabling waits for a named option, minuting waits for the source, and the register answers."""
    reference = await draft_to_options(
        forum, middlesbrough_draft(), (CENTRALLY_RETAINED, SCHOOLS_BLOCK)
    )
    await forum.submit(
        reference,
        SetRecommendation(recommendation=Recommendation(text=JULY_2018_RECOMMENDATION)),
        OFFICER,
    )
    table = TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP)
    events_before = await history_length(forum.handle(reference))
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, table, CHAIR)
    assert refused.value.kind == "RecommendationNamesNoOption"
    assert "SMF-2018-EHP" in refused.value.message
    assert await history_length(forum.handle(reference)) == events_before

    await forum.submit(
        reference,
        SetRecommendation(
            recommendation=Recommendation(
                text=JULY_2018_RECOMMENDATION, option_ids=(CENTRALLY_RETAINED.option_id,)
            )
        ),
        OFFICER,
    )
    await forum.submit(reference, table, CHAIR)
    await open_vote_with(forum, reference)
    await forum.submit(
        reference, AmendRecommendation(amendment="full time and not term time only"), CLERK
    )
    await everyone_votes(forum, reference, VoteChoice.for_)
    await forum.submit(reference, CloseVote(), CHAIR)
    decided = await forum.state(reference)
    assert decided.decision is not None
    assert decided.decision.outcome is DecisionOutcome.approved_as_amended

    with pytest.raises(TransitionRefused) as unminuted:
        await forum.submit(reference, RecordMinute(minute=minute_for(option_ids=())), CLERK)
    assert unminuted.value.kind == "MinuteWithoutFundingSource"
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)

    (funding,) = register.funding_source_for(reference, confirmed_only=True)
    assert funding.option_id == "centrally-retained"
    assert funding.source == FundingSource.centrally_retained.value
    assert funding.amount_pence == TOTAL_PENCE == 8_960_400
    assert (await forum.state(reference)).stage is Stage.evaluation


@pytest.mark.devserver_only
async def test_refused_tabling_leaves_the_history_exactly_as_it_was(
    forum: FundingRequests,
) -> None:
    """On the real server a refused transition adds not a single event to history."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await forum.submit(
        reference,
        SetRecommendation(recommendation=Recommendation(text=JULY_2018_RECOMMENDATION)),
        OFFICER,
    )
    handle = forum.handle(reference)
    before = await history_length(handle, exact=True)
    with pytest.raises(TransitionRefused):
        await forum.submit(
            reference, TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP), CHAIR
        )
    assert await history_length(handle, exact=True) == before


@pytest.mark.devserver_only
async def test_requests_are_listed_by_stage_and_funding_source(
    env: WorkflowEnvironment, forum: FundingRequests
) -> None:
    """Search attributes let the product list tabled requests and filter them by source."""
    tabled = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, tabled)
    drafting = await draft_to_options(forum, middlesbrough_draft(new_reference()), ())
    query = (
        f"{search_attributes.STAGE.name} = 'tabled' AND "
        f"{search_attributes.FUNDING_SOURCES.name} = 'centrally_retained' AND "
        f"WorkflowId IN ('{tabled}', '{drafting}')"
    )
    found: list[str] = []
    for _ in range(40):  # visibility is eventually consistent
        found = [w.id async for w in env.client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.25)
    assert found == [tabled]
    description = await forum.handle(tabled).describe()
    assert description.status is WorkflowExecutionStatus.RUNNING
    assert description.typed_search_attributes.get(search_attributes.MEETING_DATE) is not None
