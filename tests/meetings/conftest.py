"""A worker running the meeting workflow and its activities on a fresh task queue.

Meetings a test leaves running are terminated when it ends: on the time-skipping server
a timer firing for a workflow whose worker has gone leaves a workflow task nobody takes,
which stops virtual time for every later test.

Notices go to a small real activity of the test's own, registered under the name the
workflow calls ("notify_deliver"), which keeps what it is given; the real delivery
activity is tested elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.meetings import MeetingActivities
from clients.meetings import ForumMeetings
from contracts.meeting import MeetingOutcome, MeetingStart
from domain.notices import Notice
from workflows.meeting import MeetingWorkflow


class NoticeOutbox:
    """Keeps every notice the workflow asks to deliver."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    @activity.defn(name="notify_deliver")
    async def deliver(self, notice: Notice) -> None:
        self.notices.append(notice)


class TrackedMeetings(ForumMeetings):
    """ForumMeetings that remembers what it scheduled, to clean up after the test."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.scheduled: list[str] = []

    async def schedule(
        self, start: MeetingStart
    ) -> WorkflowHandle[MeetingWorkflow, MeetingOutcome]:
        handle = await super().schedule(start)
        self.scheduled.append(start.meeting_id)
        return handle

    async def terminate_running(self) -> None:
        for meeting_id in self.scheduled:
            handle = self.handle(meeting_id)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate(reason="test finished")


@pytest.fixture
def outbox() -> NoticeOutbox:
    """Where this test's notices land."""
    return NoticeOutbox()


@pytest.fixture
async def meetings(
    env: WorkflowEnvironment, task_queue: str, outbox: NoticeOutbox
) -> AsyncIterator[ForumMeetings]:
    """Meetings on a real server, with a worker running for this test only."""
    moves = MeetingActivities(env.client)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[MeetingWorkflow],
        activities=[
            moves.carry_forward,
            moves.pass_on_move,
            moves.pass_on_leave,
            moves.announce_forward_plan,
            outbox.deliver,
        ],
    ):
        meetings = TrackedMeetings(env.client, task_queue)
        try:
            yield meetings
        finally:
            await meetings.terminate_running()
