"""Fifty requests live their whole lives through the API while the worker is killed twice.

The worker is the real ``python -m worker`` program in its own process; it is SIGKILLed
while HTTP calls are in flight (first while requests are being drafted and tabled, then
in the middle of the votes) and started again a couple of seconds later. The app runs
in the test process over the same Temporal client, and its callers retry unanswered
calls with the same Idempotency-Key, as a real client would. Calls made while no worker
runs simply wait: an Update is answered once a worker is back.

This runs on the time-skipping server: between tabling and the meeting the test skips
just past the papers deadline's last reminder, so every tabled request's three
reminders fall due and are mailed to a real SMTP server; the server skips time only
while every workflow is idle, so time is skipped between the phases, never while calls
are in flight (while they are, its clock runs at real pace and no deadline is near).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from api.schemas.requests import RequestState as RequestAnswer
from devtools.seeds import MEMBERS
from devtools.worker_process import WorkerProcess
from domain.alarms import Alarm, alarms_for
from domain.calendar import LONDON
from domain.deadlines import DeadlineKind, request_deadlines
from domain.forum import ForumSettings
from domain.people import Actor, Member, Membership, Role
from domain.request.decision import VoteChoice
from domain.request.models import RequestState, Stage
from domain.values import evolve
from storage.accounts import UserDirectory
from storage.register import DecisionRegister
from tests.lifecycle.drive import new_reference
from tests.reliability.conftest import serve_api
from tests.reliability.journeys import Caller, ForumDates, Journey
from tests.smtp import RecordingSmtpServer

pytestmark = [
    pytest.mark.timeskipping_only,
    pytest.mark.own_clock,
    pytest.mark.timeout(1200),
]

REQUESTS = 50
DEAD_SECONDS = 2.0
# Generous for a call answered by a live worker, but shorter than the wait behind a dead
# one (the kill, then the workflow task timeout of 10s): those calls are sent again with
# the same Idempotency-Key, as a client whose read timeout expired would.
ATTEMPT_SECONDS = 8.0
SETTINGS = ForumSettings()
AUTHOR = Actor(
    user_id="sean.hogg",
    name="Sean Hogg",
    roles=frozenset({Role.officer}),
    email="sean.hogg@council.example.org",
)


class Ending(StrEnum):
    """Where a request's journey is meant to end."""

    withdrawn_in_drafting = "withdrawn_in_drafting"
    withdrawn_when_tabled = "withdrawn_when_tabled"
    rejected = "rejected"
    evaluated = "evaluated"
    closed = "closed"


ENDINGS = (
    Ending.closed,
    Ending.closed,
    Ending.evaluated,
    Ending.rejected,
    Ending.closed,
    Ending.withdrawn_in_drafting,
    Ending.closed,
    Ending.withdrawn_when_tabled,
    Ending.rejected,
    Ending.closed,
)
FINAL_STAGE = {
    Ending.withdrawn_in_drafting: Stage.withdrawn,
    Ending.withdrawn_when_tabled: Stage.withdrawn,
    Ending.rejected: Stage.rejected,
    Ending.evaluated: Stage.evaluation,
    Ending.closed: Stage.closed,
}
REGISTER_KINDS = {
    Ending.withdrawn_in_drafting: [],
    Ending.withdrawn_when_tabled: [],
    Ending.rejected: [("decision", "rejected")],
    Ending.evaluated: [("decision", "approved"), ("minute_confirmed", "approved")],
    Ending.closed: [
        ("decision", "approved"),
        ("minute_confirmed", "approved"),
        ("evaluation", "ended"),
    ],
}
_F, _A, _X = VoteChoice.for_, VoteChoice.against, VoteChoice.abstain


@dataclass
class Plan:
    """One request's intended journey: who sits, who comes, how they vote."""

    journey: Journey
    ending: Ending
    members: tuple[Member, ...]
    present: tuple[Member, ...]
    votes: tuple[VoteChoice, ...]

    @property
    def tabled(self) -> bool:
        return self.ending is not Ending.withdrawn_in_drafting


def make_plans(caller: Caller, forum: ForumDates) -> list[Plan]:
    """Fifty journeys: most approved then evaluated or closed, some rejected or withdrawn."""
    plans = []
    for number in range(REQUESTS):
        ending = ENDINGS[number % len(ENDINGS)]
        first = number % (len(MEMBERS) - 5)
        members = MEMBERS[first : first + 5]  # five seats: quorum 2
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


async def draft_and_table(plan: Plan) -> None:
    """Phase one: create, prepare and table (or withdraw while still in option listing)."""
    journey = plan.journey
    await journey.create()
    await journey.prepare()
    if plan.ending is Ending.withdrawn_in_drafting:
        await journey.withdraw("The school found the money itself.")
        return
    await journey.table(plan.members)


async def meet_and_decide(plan: Plan) -> None:
    """Phase two: the meeting votes (or the officer withdraws), then minutes and evaluation."""
    journey = plan.journey
    if plan.ending is Ending.withdrawn_in_drafting:
        return
    if plan.ending is Ending.withdrawn_when_tabled:
        await journey.withdraw("Withdrawn before the meeting.")
        return
    stage = await journey.vote(plan.present, plan.votes)
    assert stage == ("rejected" if plan.ending is Ending.rejected else "decided")
    if plan.ending is Ending.rejected:
        return
    await journey.minute_and_evaluate()
    if plan.ending is Ending.closed:
        await journey.close()


@dataclass
class Chaos:
    """Kills the worker once enough calls have been answered, and starts it again."""

    worker: WorkerProcess
    caller: Caller
    in_flight_at_kills: list[int] = field(default_factory=list)
    waiting_at_restarts: list[int] = field(default_factory=list)

    async def kill_when(self, ready: Callable[[], bool]) -> None:
        await self.caller.when(ready).wait()
        self.worker.kill()
        self.in_flight_at_kills.append(self.caller.in_flight)
        await asyncio.sleep(DEAD_SECONDS)
        # Every call still unanswered now has waited out the dead worker.
        self.waiting_at_restarts.append(self.caller.in_flight)
        self.worker.start()
        await self.worker.wait_ready()


async def run_phase(
    plans: list[Plan], phase: Callable[[Plan], Awaitable[None]], chaos: Awaitable[None]
) -> None:
    """Every plan's phase concurrently, with the worker killed part way through."""
    killer = asyncio.ensure_future(chaos)
    await asyncio.gather(*(phase(plan) for plan in plans))
    await killer


def papers_reminders(plan: Plan, forum: ForumDates) -> list[Alarm]:
    """The papers reminders the pure alarm plan gives a tabled request (none if never tabled)."""
    if not plan.tabled:
        return []
    draft = forum.draft(plan.journey.reference)
    tabled = evolve(
        RequestState.new(draft, AUTHOR, datetime.now(LONDON), SETTINGS),
        stage=Stage.tabled,
        meeting_date=forum.meeting,
        membership=Membership(members=plan.members),
    )
    deadlines = request_deadlines(tabled)
    assert [deadline.kind for deadline in deadlines] == [DeadlineKind.papers]
    return alarms_for(deadlines, SETTINGS.reminder_offsets_days, {})


async def wait_for_notices(caller: Caller, plans: list[Plan], expected: int) -> int:
    """Poll the audit trails until ``expected`` notices are recorded (a few seconds at most)."""
    delivered = 0
    for _ in range(300):
        trails = [
            await caller.get("chair", f"/requests/{p.journey.reference}/audit") for p in plans
        ]
        delivered = sum(len(trail["notices"]) for trail in trails)
        if delivered >= expected:
            break
        await asyncio.sleep(0.2)
    return delivered


async def test_fifty_requests_survive_two_worker_kills_through_the_api(
    env: WorkflowEnvironment,
    task_queue: str,
    worker_process: WorkerProcess,
    smtp_server: RecordingSmtpServer,
    register: DecisionRegister,
    directory: UserDirectory,
) -> None:
    """Across two SIGKILLs every request ends as planned with votes, rows and mails exactly once."""
    worker_process.start()
    await worker_process.wait_ready()
    today = (await env.get_current_time()).astimezone(LONDON).date()
    forum = ForumDates(meeting=today + timedelta(days=70))
    async with serve_api(env.client, task_queue, register, directory, http_timeout=600) as api:
        caller = Caller(api, attempt_seconds=ATTEMPT_SECONDS)
        plans = make_plans(caller, forum)
        chaos = Chaos(worker_process, caller)

        # Phase one (5 calls a request), the worker killed once 40% have been answered.
        await run_phase(
            plans,
            draft_and_table,
            chaos.kill_when(lambda: caller.answered.total() >= 0.4 * 5 * REQUESTS),
        )

        # Skip past the last papers reminder: all three fall due. Not to the instant itself:
        # the test server strands a run whose workflow task cancels a timer that fired
        # while the task was with the worker (an Update arriving just then would do it):
        # it refuses the completion with "invalid history builder state for action"
        # (temporalio/sdk-java#3088). Skipping past it returns only once all are delivered.
        reminders = {plan.journey.reference: papers_reminders(plan, forum) for plan in plans}
        last_reminder = max(alarm.at for alarms in reminders.values() for alarm in alarms)
        await env.sleep(last_reminder + timedelta(hours=1) - await env.get_current_time())

        # Phase two, the worker killed once 40% of the votes have been answered.
        votes_planned = sum(
            len(plan.votes)
            for plan in plans
            if plan.ending not in (Ending.withdrawn_in_drafting, Ending.withdrawn_when_tabled)
        )
        await run_phase(
            plans,
            meet_and_decide,
            chaos.kill_when(lambda: caller.answered["cast_vote"] >= 0.4 * votes_planned),
        )

        expected_keys = sorted(alarm.key for alarms in reminders.values() for alarm in alarms)
        delivered = await wait_for_notices(caller, plans, len(expected_keys))
        states = {
            plan.journey.reference: await caller.read(
                "chair", f"/requests/{plan.journey.reference}", RequestAnswer
            )
            for plan in plans
        }

    # Every request ended where its journey meant it to, with one audit entry per call.
    for plan in plans:
        state = states[plan.journey.reference]
        assert state.stage is FINAL_STAGE[plan.ending], plan.journey.reference
        assert len(state.audit) == plan.journey.accepted, "one audit entry per accepted call"

    # No vote lost or counted twice, and each tally is the count of the votes sent.
    for plan in plans:
        state = states[plan.journey.reference]
        if plan.ending in (Ending.withdrawn_in_drafting, Ending.withdrawn_when_tabled):
            assert state.votes == ()
            continue
        sent = [
            (member.member_id, choice)
            for member, choice in zip(plan.present, plan.votes, strict=True)
        ]
        assert [(vote.member_id, vote.choice) for vote in state.votes] == sent
        assert state.decision is not None
        tally = state.decision.tally
        assert (tally.for_count, tally.against_count, tally.abstentions) == (
            plan.votes.count(_F),
            plan.votes.count(_A),
            plan.votes.count(_X),
        )
    assert caller.answered["cast_vote"] == votes_planned

    # The register holds exactly one row per decision, minute and evaluation.
    for plan in plans:
        entries = register.entries_for(plan.journey.reference)
        kinds = [(entry.kind.value, entry.outcome) for entry in entries]
        assert kinds == REGISTER_KINDS[plan.ending], plan.journey.reference
    assert register.count() == sum(len(REGISTER_KINDS[plan.ending]) for plan in plans)

    # Each reminder mailed exactly once, and recorded once on its request.
    assert delivered == len(expected_keys)
    assert sorted(smtp_server.keys()) == expected_keys, "each reminder mailed exactly once"
    for plan in plans:
        recorded = sorted(n.key for n in states[plan.journey.reference].notices)
        assert recorded == sorted(alarm.key for alarm in reminders[plan.journey.reference])
    tabled = sum(1 for plan in plans if plan.tabled)
    assert len(expected_keys) == 3 * tabled

    # The kills happened with calls in flight, and calls sent meanwhile waited, then succeeded.
    assert worker_process.kills == 2
    assert all(in_flight > 0 for in_flight in chaos.in_flight_at_kills)
    assert all(waiting > 0 for waiting in chaos.waiting_at_restarts)
    assert caller.retries > 0, "some calls gave up and were resent with the same key"

    # No workflow task failed in any request's history (nondeterminism, handler errors).
    for plan in plans:
        history = await env.client.get_workflow_handle(plan.journey.reference).fetch_history()
        failed = [
            e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        ]
        assert failed == [], plan.journey.reference

    print(
        f"\nworker-killed: {REQUESTS} requests, {sum(caller.answered.values())} calls answered "
        f"({caller.retries} retried), {worker_process.kills} kills with "
        f"{chaos.in_flight_at_kills} calls in flight and {chaos.waiting_at_restarts} still "
        f"waiting at the restarts, {len(smtp_server.keys())} reminder emails, "
        f"{register.count()} register rows, {votes_planned} votes"
    )
