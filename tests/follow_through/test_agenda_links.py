"""Tabling a request puts it on its meeting's agenda, and the meeting's changes reach it:
removed or cancelled, it goes back to option listing; carried forward, it follows the
next meeting and that meeting's moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from devtools.seeds import CENTRALLY_RETAINED, MIDDLESBROUGH_RECOMMENDATION, middlesbrough_draft
from domain.calendar import to_london
from domain.meeting.commands import (
    CancelMeeting,
    CloseMeeting,
    MoveMeeting,
    OpenMeeting,
    RecordMeetingAttendance,
    RemoveItem,
)
from domain.meeting.models import MeetingState
from domain.request.commands import SetRecommendation, TableRequest
from domain.request.draft import Recommendation
from domain.request.models import RequestState, Stage
from tests.follow_through.conftest import Calendar
from tests.lifecycle.drive import draft_to_options, history_length, new_reference
from tests.meetings import CHAIR, CLERK, OFFICER, quorum_ids, ten_am
from tests.meetings.test_meeting_workflow import eventually

pytestmark = pytest.mark.own_clock


async def recommended(forum: FundingRequests) -> str:
    """A new request with its options listed and the recommendation naming one."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    recommendation = Recommendation(
        text=MIDDLESBROUGH_RECOMMENDATION, option_ids=(CENTRALLY_RETAINED.option_id,)
    )
    await forum.submit(reference, SetRecommendation(recommendation=recommendation), OFFICER)
    return reference


async def test_tabling_by_meeting_id_puts_the_request_on_that_agenda_once(
    env: WorkflowEnvironment, forum: FundingRequests, calendar: Calendar
) -> None:
    """The chair names the meeting; the request is tabled for its day and is on its agenda."""
    starts_at = ten_am(40, await env.get_current_time())
    meeting_id = await calendar.schedule(starts_at)
    reference = await recommended(forum)

    result = await forum.submit(
        reference, TableRequest(meeting_id=meeting_id), CHAIR, idempotency_key="table-1"
    )
    again = await forum.submit(
        reference, TableRequest(meeting_id=meeting_id), CHAIR, idempotency_key="table-1"
    )

    assert (result.stage, again.audit_entry) == (Stage.tabled, result.audit_entry)
    state = await forum.state(reference)
    assert (state.meeting_id, state.meeting_date) == (meeting_id, to_london(starts_at).date())
    agenda = await calendar.meetings.agenda(meeting_id)
    assert [(i.request_ref, i.title) for i in agenda.items] == [(reference, state.draft.title)]


async def test_a_meeting_that_is_not_scheduled_is_refused_and_nothing_is_written(
    forum: FundingRequests,
) -> None:
    """Tabling for a meeting nobody scheduled is refused on meeting_id; history is unchanged."""
    reference = await recommended(forum)
    before = await history_length(forum.handle(reference))
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, TableRequest(meeting_id="meeting-2099-01-01-none"), CHAIR)
    assert (refused.value.rule, refused.value.field) == ("meeting-not-scheduled", "meeting_id")
    assert await history_length(forum.handle(reference)) == before


async def test_removing_the_item_sends_the_request_back_with_the_reason(
    env: WorkflowEnvironment, forum: FundingRequests, calendar: Calendar
) -> None:
    """The chair takes the item off the agenda; the request is back in option listing."""
    meeting_id = await calendar.schedule(ten_am(40, await env.get_current_time()))
    reference = await recommended(forum)
    await forum.submit(reference, TableRequest(meeting_id=meeting_id), CHAIR)

    await calendar.meetings.submit(
        meeting_id, RemoveItem(request_ref=reference, reason="Papers not ready"), CHAIR
    )

    state: RequestState = await eventually(
        lambda: forum.state(reference), lambda s: s.stage is Stage.option_listing
    )
    entry = state.audit[-1]
    assert (state.stage, state.meeting_id, state.meeting_date) == (Stage.option_listing, None, None)
    assert (entry.transition, entry.actor_id) == ("leave_agenda", CHAIR.user_id)
    assert entry.reason == f"Removed from the agenda of {meeting_id}: Papers not ready"


async def test_cancelling_the_meeting_sends_each_of_its_requests_back(
    env: WorkflowEnvironment, forum: FundingRequests, calendar: Calendar
) -> None:
    """Every request on a cancelled meeting's agenda returns to option listing, with why."""
    meeting_id = await calendar.schedule(ten_am(40, await env.get_current_time()))
    references = [await recommended(forum) for _ in range(2)]
    for reference in references:
        await forum.submit(reference, TableRequest(meeting_id=meeting_id), CHAIR)

    await calendar.meetings.submit(meeting_id, CancelMeeting(reason="Not quorate in August"), CHAIR)

    for reference in references:
        state = await back_in_listing(forum, reference)
        assert state.stage is Stage.option_listing
        assert state.audit[-1].reason == f"{meeting_id} was cancelled: Not quorate in August"


async def back_in_listing(forum: FundingRequests, reference: str) -> RequestState:
    """The request once it is back in option listing (or as it stands when time is up)."""
    state: RequestState = await eventually(
        lambda: forum.state(reference), lambda s: s.stage is Stage.option_listing
    )
    return state


async def test_an_item_carried_forward_follows_the_next_meeting_and_its_moves(
    env: WorkflowEnvironment, forum: FundingRequests, calendar: Calendar
) -> None:
    """Not reached, the request is carried to the next meeting's day; that meeting's move
    reaches it too."""
    now = await env.get_current_time()
    first = await calendar.schedule(ten_am(30, now))
    second_at = ten_am(90, now)
    second = await calendar.schedule(second_at)
    reference = await recommended(forum)
    await forum.submit(reference, TableRequest(meeting_id=first), CHAIR)
    meetings = calendar.meetings
    await meetings.submit(first, RecordMeetingAttendance(present_member_ids=quorum_ids()), CLERK)
    await meetings.submit(first, OpenMeeting(), CHAIR)

    await meetings.submit(first, CloseMeeting(next_meeting_id=second), CHAIR)

    carried: RequestState = await eventually(
        lambda: forum.state(reference), lambda s: s.meeting_id == second
    )
    assert (carried.stage, carried.meeting_id) == (Stage.tabled, second)
    assert carried.meeting_date == to_london(second_at).date()
    assert carried.audit[-1].summary.startswith(f"Carried from {first} to {second}")

    moved_to = second_at + timedelta(days=7)
    await meetings.submit(second, MoveMeeting(new_starts_at=moved_to, reason="Half term"), CHAIR)
    followed: RequestState = await eventually(
        lambda: forum.state(reference), lambda s: s.meeting_date == to_london(moved_to).date()
    )
    assert (followed.meeting_id, followed.meeting_date) == (second, to_london(moved_to).date())
    second_state: MeetingState = await meetings.state(second)
    assert [i.request_ref for i in second_state.agenda] == [reference]
