"""The overview query a request page asks answers what the three separate queries answer."""

from __future__ import annotations

from clients.requests import FundingRequests
from devtools.seeds import CHAIR, OFFICER, middlesbrough_draft
from domain.people import Role
from domain.request.commands import Transition
from tests.lifecycle.drive import draft_to_options, new_reference, recommend_and_table

ASKERS: tuple[tuple[tuple[Role, ...], str | None], ...] = (
    ((Role.officer,), OFFICER.user_id),
    ((Role.officer,), "another.officer"),
    ((Role.chair,), CHAIR.user_id),
    ((Role.clerk, Role.chair), None),
)
"""Who asks: the author, an officer who is not, and other roles, with and without an id."""


async def test_overview_matches_state_deadlines_and_allowed_actions(
    forum: FundingRequests,
) -> None:
    """For each asker, the overview's state, deadlines and allowed actions equal the
    state, deadlines and allowed-actions queries' answers."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    state = await forum.state(reference)
    deadlines = await forum.deadlines(reference)
    assert deadlines.deadlines, "a tabled request has its papers deadline"
    seen: set[tuple[Transition, ...]] = set()
    for roles, user_id in ASKERS:
        allowed = await forum.allowed_actions(reference, roles, user_id)
        overview = await forum.overview(reference, roles, user_id)
        assert overview.state == state
        assert overview.deadlines == deadlines
        assert overview.allowed == allowed
        seen.add(allowed.transitions)
    assert len(seen) > 1, "the askers differ in what they may do"
