"""Many requests living their lives concurrently through the cluster's API, and the checks
that nothing was lost or doubled: votes, register rows, notices.

The journeys are the reliability tests' own (``tests/reliability``): the same plans,
phases and expected endings, so a change to the request lifecycle reaches these tests
through them. The meeting is in the past, so every tabled request's papers deadline is
overdue at once and notices are mailed while the faults happen, not weeks later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devtools.seeds import JULY_2018_MEETING, MEMBERS
from domain.request.decision import VoteChoice
from storage.register import DecisionRegister
from tests.lifecycle.drive import new_reference
from tests.reliability.journeys import CHAIR_ID, Caller, ForumDates, Journey
from tests.reliability.test_worker_killed import (
    ENDINGS,
    FINAL_STAGE,
    REGISTER_KINDS,
    Ending,
    Plan,
    draft_and_table,
    meet_and_decide,
)
from tests.smtp import RecordingSmtpServer

OVERDUE = ForumDates(meeting=JULY_2018_MEETING)
_F, _A, _X = VoteChoice.for_, VoteChoice.against, VoteChoice.abstain
PHASE_ONE_CALLS = 5
"""Calls a request makes in phase one (create, three to prepare, table or withdraw)."""


def make_plans(caller: Caller, count: int, forum: ForumDates = OVERDUE) -> list[Plan]:
    """``count`` journeys with the reliability tests' mix of endings, seats and votes."""
    plans = []
    for number in range(count):
        ending = ENDINGS[number % len(ENDINGS)]
        first = number % (len(MEMBERS) - 5)
        members = MEMBERS[first : first + 5]
        present = members[: 3 + number % 3]
        pattern = (_A, _A, _F, _X, _A) if ending is Ending.rejected else (_F, _F, _A, _X, _F)
        plans.append(
            Plan(
                journey=Journey(caller, forum, new_reference()),
                ending=ending,
                members=members,
                present=present,
                votes=pattern[: len(present)],
            )
        )
    return plans


def votes_planned(plans: list[Plan]) -> int:
    """The votes the plans cast in phase two."""
    withdrawn = (Ending.withdrawn_in_drafting, Ending.withdrawn_when_tabled)
    return sum(len(plan.votes) for plan in plans if plan.ending not in withdrawn)


async def run_phase(
    plans: list[Plan], phase: Callable[[Plan], Awaitable[None]], fault: Awaitable[None]
) -> None:
    """Every plan's phase concurrently, with ``fault`` happening part way through."""
    injected = asyncio.ensure_future(fault)
    try:
        await asyncio.gather(*(phase(plan) for plan in plans))
    finally:
        await injected


async def run_lifecycles(
    plans: list[Plan],
    *,
    in_phase_one: Callable[[], Awaitable[None]],
    in_phase_two: Callable[[], Awaitable[None]],
) -> None:
    """Both phases, each with its fault."""
    await run_phase(plans, draft_and_table, in_phase_one())
    await run_phase(plans, meet_and_decide, in_phase_two())


@dataclass(frozen=True)
class Outcome:
    """What the run left: the figures a fault test prints."""

    lifecycles: int
    calls: int
    retries: int
    votes: int
    register_rows: int
    notices: int
    duplicates: int

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.lifecycles} lifecycles completed, {self.calls} calls answered "
            f"({self.retries} retried), {self.votes} votes, {self.register_rows} register rows, "
            f"{self.notices} notices mailed, duplicates = {self.duplicates}"
        )


async def settled_notices(
    caller: Caller, plans: list[Plan], smtp: RecordingSmtpServer, within: float = 120.0
) -> dict[str, dict[str, Any]]:
    """The requests' states once every notice they recorded has been mailed and the
    mail server has seen nothing else (a notice is recorded after its send). Read as JSON
    rather than as the domain's model, so fields the API adds do not matter here."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        states = {
            plan.journey.reference: await caller.get(
                CHAIR_ID, f"/requests/{plan.journey.reference}"
            )
            for plan in plans
        }
        recorded = sorted(n["key"] for state in states.values() for n in state["notices"])
        if recorded and sorted(set(smtp.keys())) == recorded:
            await asyncio.sleep(2)  # nothing in flight behind the last one
            if sorted(set(smtp.keys())) == recorded:
                return states
        if loop.time() > deadline:
            raise AssertionError(
                f"notices did not settle: {len(recorded)} recorded, {len(smtp.keys())} mailed"
            )
        await asyncio.sleep(1)


async def verify(
    plans: list[Plan],
    caller: Caller,
    client: Client,
    register: DecisionRegister,
    smtp: RecordingSmtpServer,
) -> Outcome:
    """Every request ended as planned, each vote, register row and notice exactly once,
    and no workflow task failed (a non-determinism error would show as one)."""
    states = await settled_notices(caller, plans, smtp)
    for plan in plans:
        state = states[plan.journey.reference]
        assert state["stage"] == FINAL_STAGE[plan.ending].value, plan.journey.reference
        assert len(state["audit"]) == plan.journey.accepted, "one audit entry per accepted call"
        sent = [
            (member.member_id, choice.value)
            for member, choice in zip(plan.present, plan.votes, strict=True)
        ]
        withdrawn = plan.ending in (Ending.withdrawn_in_drafting, Ending.withdrawn_when_tabled)
        cast = [(vote["member_id"], vote["choice"]) for vote in state["votes"]]
        assert cast == ([] if withdrawn else sent), plan.journey.reference
        kinds = [(e.kind.value, e.outcome) for e in register.entries_for(plan.journey.reference)]
        assert kinds == REGISTER_KINDS[plan.ending], plan.journey.reference
    planned_votes = votes_planned(plans)
    assert caller.answered["cast_vote"] == planned_votes
    assert sum(len(state["votes"]) for state in states.values()) == planned_votes
    rows = sum(len(REGISTER_KINDS[plan.ending]) for plan in plans)
    assert register.count() == rows

    mailed = smtp.keys()
    duplicates = len(mailed) - len(set(mailed))
    assert duplicates == 0, "a notice was mailed twice"
    assert mailed, "the overdue papers deadlines mailed notices"

    for plan in plans:
        history = await client.get_workflow_handle(plan.journey.reference).fetch_history()
        failed = [
            e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        ]
        assert failed == [], plan.journey.reference
    return Outcome(
        lifecycles=len(plans),
        calls=sum(caller.answered.values()),
        retries=caller.retries,
        votes=planned_votes,
        register_rows=rows,
        notices=len(mailed),
        duplicates=duplicates,
    )
