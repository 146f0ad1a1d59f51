"""Sixty-four requests taken through their whole lifecycle at once on the dev server,
each vote cast by the twenty members together, as a meeting day's load: no action a
person took is lost to the server aborting an Update under load.

Under such a burst the dev server aborts Updates it had admitted ("workflow update was
aborted"); the client sends them again under the same Update id, so each person's
action takes effect exactly once and nobody is told it failed.
"""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from clients.requests import FundingRequests
from devtools.seeds import CHAIR, MEMBERS, member_actor, middlesbrough_draft
from domain.request.commands import CastVote, CloseVote
from domain.request.decision import VoteChoice
from domain.request.models import Stage
from tests.lifecycle.drive import (
    draft_to_options,
    minute_and_confirm,
    new_reference,
    open_vote_with,
    recommend_and_table,
    report_evaluation,
)

pytestmark = pytest.mark.devserver_only

LIFECYCLES = 64


async def lifecycle(forum: FundingRequests) -> str:
    """One request from draft to its reported evaluation, the members voting at once."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    await asyncio.gather(
        *(
            forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
            for member in MEMBERS
        )
    )
    await forum.submit(reference, CloseVote(), CHAIR)
    await minute_and_confirm(forum, reference)
    await report_evaluation(forum, reference)
    return reference


async def test_sixty_four_lifecycles_at_once_lose_no_action(forum: FundingRequests) -> None:
    """64 lifecycles at once, 20 votes together in each: every action succeeds for the
    person who took it, and each request ends evaluated with its 20 votes counted once."""
    with capture_logs() as logs:
        outcomes = await asyncio.gather(
            *(lifecycle(forum) for _ in range(LIFECYCLES)), return_exceptions=True
        )
    failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    assert failures == []
    references = [outcome for outcome in outcomes if isinstance(outcome, str)]
    states = await asyncio.gather(*(forum.state(reference) for reference in references))
    assert [state.stage for state in states] == [Stage.evaluation] * LIFECYCLES
    for state in states:
        assert sorted(vote.member_id for vote in state.votes) == sorted(
            member.member_id for member in MEMBERS
        )
    resent = [entry for entry in logs if entry["event"] == "transition resent"]
    assert all(entry["status"] in {"UNAVAILABLE", "RESOURCE_EXHAUSTED"} for entry in resent)
