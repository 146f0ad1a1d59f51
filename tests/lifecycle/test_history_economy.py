"""A request's history holds what its job needs and no more: an Update that leaves the
next alarm where it was leaves the alarm's timer running."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.enums.v1 import EventType

from clients.requests import FundingRequests
from devtools.seeds import CLERK, MEMBERS, middlesbrough_draft
from domain.calendar import LONDON
from domain.request.commands import RecordAttendance
from tests.lifecycle.drive import (
    draft_to_options,
    new_reference,
    recommend_and_table,
)

pytestmark = pytest.mark.devserver_only

TIMER_EVENTS = (
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_TIMER_FIRED,
)


async def _events(forum: FundingRequests, reference: str) -> Counter[int]:
    await forum.state(reference)  # a query waits for the pending workflow task
    history = await forum.client.get_workflow_handle(reference).fetch_history()
    return Counter(event.event_type for event in history.events)


async def _tabled_for_a_meeting_ahead(forum: FundingRequests) -> str:
    meeting_day = (datetime.now(UTC) + timedelta(days=60)).astimezone(LONDON).date()
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference, meeting=meeting_day)
    return reference


async def test_attendance_leaves_the_alarm_timer_running(forum: FundingRequests) -> None:
    """Attendance recorded three times, moving no deadline, neither cancels nor starts
    the papers reminder's timer."""
    reference = await _tabled_for_a_meeting_ahead(forum)
    before = await _events(forum, reference)
    started, cancelled, fired = (before[kind] for kind in TIMER_EVENTS)
    assert started - cancelled - fired == 1, "a reminder's timer should be running"
    for present in (MEMBERS[:8], MEMBERS[:9], MEMBERS):
        attendance = RecordAttendance(present_member_ids=tuple(m.member_id for m in present))
        await forum.submit(reference, attendance, CLERK)
    after = await _events(forum, reference)
    assert [after[kind] for kind in TIMER_EVENTS] == [started, cancelled, fired]
