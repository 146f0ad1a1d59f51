"""Requests part way through their lives survive the Temporal server being killed and restarted.

The dev server runs as the run command runs it (``DevServer`` on a SQLite file of the
test's own); the worker and the app keep running in the test process while the server
is SIGKILLed and started again on the same database and port. Afterwards every request
is where it was, further transitions through the API succeed, a tabled request's timer
for its first reminder (weeks away) is still pending for the same instant, and a timer
set before the kill fires after it: a notice the mail server turned away (a temporary
450) waits for its retry, which the server keeps as a durable timer.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from api.schemas.requests import RequestState as RequestAnswer
from contracts import names
from devtools.devserver import DevServer
from devtools.seeds import JULY_2018_MEETING, MEMBERS
from devtools.toolchain import ensure_temporal_cli
from domain.alarms import alarms_for
from domain.calendar import LONDON
from domain.deadlines import request_deadlines
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.decision import VoteChoice
from domain.request.models import RequestState
from storage.accounts import UserDirectory
from storage.register import DecisionRegister
from tests.lifecycle.drive import history_length, new_reference
from tests.reliability.conftest import serve_api
from tests.reliability.journeys import CHAIR_ID, CLERK_ID, OFFICER_ID, Caller, ForumDates, Journey
from tests.smtp import RecordingSmtpServer
from worker.app import WorkerDependencies, build_worker

pytestmark = pytest.mark.timeout(600)

CONTACTS = ForumSettings(
    contacts=ForumContacts(
        chair=Contact(name="Forum Chair", email="chair@forum.example.org"),
        clerk=Contact(name="Forum Clerk", email="clerk@forum.example.org"),
    )
)
BUSY = "450 4.2.0 Mailbox busy, try again later"
SEATS = MEMBERS[:5]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    """The dev server on its database, and a client of it with forumflow's converter."""

    server: DevServer
    client: Client


@pytest.fixture
async def dev_server(tmp_path: Path) -> AsyncIterator[Running]:
    """A dev server of this test's own on a SQLite file, stopped after the test."""
    tool = ensure_temporal_cli()
    if tool is None:
        pytest.skip("no Go toolchain to build the Temporal CLI")
    server = DevServer(
        tool.path,
        tmp_path / "temporal.sqlite3",
        namespace="forumflow",
        port=free_port(),
        ui_port=None,
        log_file=tmp_path / "temporal.log",
    )
    await server.start()
    try:
        client = await Client.connect(
            server.address, namespace="forumflow", data_converter=pydantic_data_converter
        )
        yield Running(server, client)
    finally:
        await server.stop()


async def update_events(handle: WorkflowHandle[object, object]) -> int:
    """How many Update events (admitted, accepted, completed) the history holds."""
    return await history_length(handle)


async def pending_delivery(handle: WorkflowHandle[object, object]) -> tuple[int, datetime | None]:
    """The notice delivery waiting for its retry: its attempt and when the next one is due."""
    for _ in range(600):
        pending = (await handle.describe()).raw_description.pending_activities
        delivery = [p for p in pending if p.activity_type.name == "notify_deliver"]
        waiting = PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
        if delivery and delivery[0].state == waiting and delivery[0].attempt >= 2:
            next_at = delivery[0].next_attempt_schedule_time
            return delivery[0].attempt, next_at.ToDatetime(UTC) if next_at.seconds else None
        await asyncio.sleep(0.1)
    raise AssertionError("the notice delivery never waited for a retry")


async def pending_timer(handle: WorkflowHandle[object, object]) -> tuple[int, datetime]:
    """The workflow's timer still to fire: its TimerStarted event id and when it fires."""
    events = (await handle.fetch_history()).events
    ended = {
        e.timer_fired_event_attributes.started_event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED
    } | {
        e.timer_canceled_event_attributes.started_event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_CANCELED
    }
    pending = [
        (
            e.event_id,
            e.event_time.ToDatetime(UTC)
            + e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta(),
        )
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED and e.event_id not in ended
    ]
    assert len(pending) == 1, pending
    return pending[0]


async def test_requests_resume_and_timers_fire_after_the_server_restarts(
    dev_server: Running,
    task_queue: str,
    deps: WorkerDependencies,
    register: DecisionRegister,
    directory: UserDirectory,
    smtp_server: RecordingSmtpServer,
) -> None:
    """After a server kill and restart, requests are intact, move on, and a retry timer fires."""
    server, client = dev_server.server, dev_server.client
    ahead = ForumDates(meeting=datetime.now(LONDON).date() + timedelta(days=70))
    overdue = ForumDates(meeting=JULY_2018_MEETING)
    smtp_server.refuse.update({"chair@forum.example.org": BUSY, "clerk@forum.example.org": BUSY})
    async with (
        build_worker(client, task_queue, deps),
        serve_api(client, task_queue, register, directory) as api,
    ):
        caller = Caller(api, attempt_seconds=30)
        drafting = Journey(caller, ahead, new_reference())
        listing = Journey(caller, ahead, new_reference())
        tabled = Journey(caller, ahead, new_reference())
        voting = Journey(caller, ahead, new_reference())
        decided = Journey(caller, overdue, new_reference())
        await drafting.create()
        await listing.create()
        await listing.prepare()
        await tabled.create()
        await tabled.prepare()
        await tabled.table(SEATS)
        await voting.create()
        await voting.prepare()
        await voting.table(SEATS)
        await caller.post(
            CLERK_ID,
            f"{voting.actions}/record_attendance",
            {"present_member_ids": [m.member_id for m in SEATS]},
        )
        await caller.post(CHAIR_ID, f"{voting.actions}/open_vote", {})
        for member in SEATS[:2]:
            await caller.post(member.member_id, f"{voting.actions}/cast_vote", {"choice": "for"})
        # Decided at a meeting long past: the draft minute is overdue at once, so the chair
        # and clerk are told; their mail server answers 450, and the delivery waits to retry.
        await decided.create(CONTACTS)
        await decided.prepare()
        await decided.table(SEATS)
        present = {"present_member_ids": [m.member_id for m in SEATS]}
        await caller.post(CLERK_ID, f"{decided.actions}/record_attendance", present)
        await caller.post(CHAIR_ID, f"{decided.actions}/open_vote", {})
        for member in SEATS[:3]:
            await caller.post(member.member_id, f"{decided.actions}/cast_vote", {"choice": "for"})
        assert (await caller.post(CHAIR_ID, f"{decided.actions}/close_vote", {}))["stage"] == (
            "decided"
        )
        escalation = client.get_workflow_handle(decided.reference)
        attempts_before, _ = await pending_delivery(escalation)

        journeys = (drafting, listing, tabled, voting, decided)
        before = {
            j.reference: await caller.read(CHAIR_ID, f"/requests/{j.reference}", RequestAnswer)
            for j in journeys
        }
        events_before = {
            j.reference: await update_events(client.get_workflow_handle(j.reference))
            for j in journeys
        }

        # The tabled request sleeps on a durable timer until its first papers reminder.
        reminder_timer = await pending_timer(client.get_workflow_handle(tabled.reference))
        tabled_state = await client.get_workflow_handle(tabled.reference).query(
            names.REQUEST_STATE_QUERY, result_type=RequestState
        )
        first_reminder = min(
            alarm.at
            for alarm in alarms_for(
                request_deadlines(tabled_state), tabled_state.settings.reminder_offsets_days, {}
            )
        )
        assert abs(reminder_timer[1] - first_reminder) < timedelta(minutes=1)

        # Kill the server; a vote sent meanwhile waits (or is retried) until it is back.
        await server.kill()
        late_vote = asyncio.ensure_future(
            caller.post(SEATS[2].member_id, f"{voting.actions}/cast_vote", {"choice": "against"})
        )
        await asyncio.sleep(1)
        assert not late_vote.done(), "a vote sent while the server is down waits for it"
        await server.start()
        restarted_at = datetime.now(UTC)
        await late_vote

        # Every request is as it was (the late vote aside), with no Update lost or repeated.
        after = {
            j.reference: await caller.read(CHAIR_ID, f"/requests/{j.reference}", RequestAnswer)
            for j in journeys
        }
        for journey in journeys:
            if journey is not voting:
                assert after[journey.reference] == before[journey.reference], journey.reference
        assert after[voting.reference].votes == (
            *before[voting.reference].votes,
            after[voting.reference].votes[-1],
        )
        assert after[voting.reference].votes[-1].member_id == SEATS[2].member_id
        for journey in journeys:
            events = await update_events(client.get_workflow_handle(journey.reference))
            expected = events_before[journey.reference] + (2 if journey is voting else 0)
            assert events == expected, journey.reference

        # The reminder's timer is still pending, due when it was.
        assert await pending_timer(client.get_workflow_handle(tabled.reference)) == reminder_timer

        # The retry the server kept as a timer falls due after the restart and delivers once.
        attempts_after, next_attempt = await pending_delivery(escalation)
        assert attempts_after >= attempts_before
        assert next_attempt is not None
        assert next_attempt > restarted_at, "the retry timer falls due after the restart"
        smtp_server.refuse.clear()
        key = f"{decided.reference}/c1/minutes_draft/"
        for _ in range(600):
            if any(mailed.startswith(key) for mailed in smtp_server.keys()):  # noqa: SIM118
                break
            await asyncio.sleep(0.1)

        # Every request moves on through the API.
        await caller.post(OFFICER_ID, f"{drafting.actions}/submit_draft", {})
        await listing.table(SEATS)
        await caller.post(CLERK_ID, f"{tabled.actions}/record_attendance", present)
        await caller.post(CHAIR_ID, f"{tabled.actions}/open_vote", {})
        await caller.post(SEATS[3].member_id, f"{voting.actions}/cast_vote", {"choice": "for"})
        closed = await caller.post(CHAIR_ID, f"{voting.actions}/close_vote", {})
        assert closed["stage"] == "decided"
        await decided.minute_and_evaluate()

        final = {
            j.reference: await caller.read(CHAIR_ID, f"/requests/{j.reference}", RequestAnswer)
            for j in journeys
        }
        notices = [n.key for n in final[decided.reference].notices]
        histories = [
            await client.get_workflow_handle(j.reference).fetch_history() for j in journeys
        ]

    assert [final[j.reference].stage.value for j in journeys] == [
        "option_listing",
        "tabled",
        "voting",
        "decided",
        "evaluation",
    ]
    tally = final[voting.reference].decision
    assert tally is not None
    assert (tally.tally.for_count, tally.tally.against_count) == (3, 1)
    assert [v.choice for v in final[voting.reference].votes] == [
        VoteChoice.for_,
        VoteChoice.for_,
        VoteChoice.against,
        VoteChoice.for_,
    ]
    # One email per notice recorded, the overdue draft minute's escalation among them.
    mailed = sorted(smtp_server.keys())
    assert mailed == sorted(notices)
    assert len(set(mailed)) == len(mailed)
    assert sum(1 for mail_key in mailed if mail_key.startswith(key)) == 1
    kinds = [(e.kind.value, e.outcome) for e in register.entries_for(decided.reference)]
    assert kinds == [("decision", "approved"), ("minute_confirmed", "approved")]
    assert register.count(voting.reference) == 1
    for history in histories:
        failed = [
            e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        ]
        assert failed == []
    print(
        f"\nserver-restart: {len(journeys)} requests, {sum(caller.answered.values())} calls "
        f"answered ({caller.retries} retried), escalation delivery attempt {attempts_after} "
        f"due {next_attempt:%H:%M:%S} after the restart at {restarted_at:%H:%M:%S}, "
        f"{len(mailed)} emails"
    )
