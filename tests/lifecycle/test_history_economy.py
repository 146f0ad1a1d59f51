"""A request's history holds what its job needs and no more: a register write is one
local-activity marker in the workflow task that queued it, not an activity task of its
own, and an Update that leaves the next alarm where it was leaves its timer running."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.enums.v1 import EventType

from clients.requests import FundingRequests
from contracts import names
from devtools.seeds import CLERK, MEMBERS, middlesbrough_draft
from domain.calendar import LONDON
from domain.request.commands import RecordAttendance
from storage.register import DecisionRegister
from tests.lifecycle.drive import (
    approve,
    draft_to_options,
    new_reference,
    open_vote_with,
    recommend_and_table,
)

pytestmark = pytest.mark.devserver_only

MARKER = EventType.EVENT_TYPE_MARKER_RECORDED
SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
TIMER_EVENTS = (
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_TIMER_FIRED,
)


async def _events(forum: FundingRequests, reference: str) -> Counter[int]:
    await forum.state(reference)  # a query waits for the pending workflow task
    history = await forum.client.get_workflow_handle(reference).fetch_history()
    counts: Counter[int] = Counter(event.event_type for event in history.events)
    counts[SCHEDULED] = sum(
        1
        for event in history.events
        if event.event_type == SCHEDULED
        and event.activity_task_scheduled_event_attributes.activity_type.name
        == names.RECORD_REGISTER_ENTRY_ACTIVITY
    )
    counts[MARKER] = sum(
        1
        for event in history.events
        if event.event_type == MARKER
        and event.marker_recorded_event_attributes.marker_name == "core_local_activity"
    )
    return counts


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


async def test_a_decision_is_written_by_a_local_activity(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """The approval's register entry is one local-activity marker and no activity task,
    and it is in the register when the chair's Update returns."""
    reference = await _tabled_for_a_meeting_ahead(forum)
    await open_vote_with(forum, reference)
    assert (await _events(forum, reference))[MARKER] == 0
    await approve(forum, reference)
    assert register.count(reference) == 1
    after = await _events(forum, reference)
    assert (after[MARKER], after[SCHEDULED]) == (1, 0)
