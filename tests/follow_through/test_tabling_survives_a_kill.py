"""A worker SIGKILLed between tabling (the request's half) and the agenda (the meeting's
half) leaves the request on the agenda exactly once.

The worker is the real ``python -m worker`` program in its own process. The table Update
is sent; as soon as the request's history shows the message to the meeting scheduled
(first round) or the meeting's history shows it accepted (second round), the worker is
killed and started again. The message goes again under the same Update id, so the
meeting takes it once, and the request's Update is answered.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from contracts import names
from devtools.worker_process import WorkerProcess
from domain.request.commands import TableRequest
from domain.request.models import Stage
from tests.follow_through.conftest import Calendar
from tests.follow_through.test_agenda_links import recommended
from tests.meetings import CHAIR, ten_am

pytestmark = [pytest.mark.devserver_only, pytest.mark.timeout(300)]

ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED


async def first_event(handle: WorkflowHandle[Any, Any], wanted: Any) -> bool:
    """Whether the history holds an event for which ``wanted`` is true."""
    return any(wanted(e) for e in (await handle.fetch_history()).events)


def sends_to_meeting(event: Any) -> bool:
    """The request schedules its message to the meeting."""
    return bool(
        event.event_type == SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name
        == names.SEND_MEETING_COMMAND_ACTIVITY
    )


def meeting_took_item(event: Any) -> bool:
    """The meeting accepts an add_item Update."""
    return bool(
        event.event_type == ACCEPTED
        and event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "add_item"
    )


async def accepted_add_items(handle: WorkflowHandle[Any, Any]) -> int:
    """How many add_item Updates the meeting accepted."""
    return len([e for e in (await handle.fetch_history()).events if meeting_took_item(e)])


@pytest.mark.parametrize("kill_when", ["message scheduled", "meeting accepted"])
async def test_a_kill_between_tabling_and_the_agenda_leaves_it_on_the_agenda_once(
    env: WorkflowEnvironment, task_queue: str, worker_process: WorkerProcess, kill_when: str
) -> None:
    """Killed mid-way, the tabled request is on the agenda once and its Update answers."""
    client: Client = env.client
    forum = FundingRequests(client, task_queue)
    calendar = Calendar(ForumMeetings(client, task_queue))
    worker_process.start()
    await worker_process.wait_ready()
    try:
        meeting_id = await calendar.schedule(ten_am(40, await env.get_current_time()))
        reference = await recommended(forum)
        request, meeting = forum.handle(reference), calendar.meetings.handle(meeting_id)
        watched, wanted = (
            (request, sends_to_meeting)
            if kill_when == "message scheduled"
            else (meeting, meeting_took_item)
        )

        tabling = asyncio.create_task(
            forum.submit(reference, TableRequest(meeting_id=meeting_id), CHAIR, idempotency_key="t")
        )
        for _ in range(12_000):  # a minute at most
            if await first_event(watched, wanted):
                break
            await asyncio.sleep(0.005)
        worker_process.kill()
        took_before_restart = await accepted_add_items(meeting)
        worker_process.start()
        await worker_process.wait_ready()
        result = await asyncio.wait_for(tabling, timeout=120)

        agenda = await calendar.meetings.agenda(meeting_id)
        assert result.stage is Stage.tabled
        assert [i.request_ref for i in agenda.items] == [reference]
        assert await accepted_add_items(meeting) == 1
        assert (await forum.state(reference)).meeting_id == meeting_id
        print(
            f"killed at '{kill_when}': the meeting had accepted {took_before_restart} add_item "
            "before the restart, 1 after; on the agenda once"
        )
    finally:
        await calendar.end()
