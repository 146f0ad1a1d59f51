"""Requests and meetings on one worker (the product's own, from worker.app), so the
messages between them go exactly as in production; meetings a test leaves running are
terminated when it ends (the time-skipping server would otherwise stall on their timers)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from contracts.meeting import MeetingStart
from domain.calendar import to_london
from tests.meetings import MEMBERSHIP, SETTINGS


class Calendar:
    """Schedules the forum's meetings for one test, and ends them afterwards."""

    def __init__(self, meetings: ForumMeetings) -> None:
        self.meetings = meetings
        self.scheduled: list[str] = []

    async def schedule(self, starts_at: datetime) -> str:
        """A meeting at ``starts_at`` on the test's task queue; its id."""
        day = to_london(starts_at).date()
        start = MeetingStart(
            meeting_id=f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}",
            starts_at=starts_at,
            location="Town Hall, Middlesbrough",
            membership=MEMBERSHIP,
            settings=SETTINGS,
        )
        await self.meetings.schedule(start)
        self.scheduled.append(start.meeting_id)
        return start.meeting_id

    async def end(self) -> None:
        for meeting_id in self.scheduled:
            handle = self.meetings.handle(meeting_id)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate(reason="test finished")


@pytest.fixture
async def calendar(
    env: WorkflowEnvironment, task_queue: str, forum: FundingRequests
) -> AsyncIterator[Calendar]:
    """The test's meetings, on the same worker as its requests."""
    calendar = Calendar(ForumMeetings(env.client, task_queue))
    try:
        yield calendar
    finally:
        await calendar.end()
