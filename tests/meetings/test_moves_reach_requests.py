"""A meeting moved to another day takes the requests on its agenda with it.

Both workflows run on one worker (the product's own, from worker.app), so the meeting's
activity reaches the request workflows exactly as in production.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.meetings import MeetingActivities
from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from contracts.meeting import MeetingStart
from devtools.seeds import middlesbrough_draft
from domain.calendar import to_london
from domain.meeting.carry import follow_move_of
from domain.meeting.commands import AddItem, MoveMeeting
from domain.meeting.models import MeetingState
from domain.request.commands import Withdraw
from domain.request.models import RequestState
from tests.lifecycle.drive import draft_to_options, new_reference, recommend_and_table
from tests.meetings import CHAIR, MEMBERSHIP, OFFICER, SETTINGS, ten_am
from tests.meetings.test_meeting_workflow import eventually

# Dates are relative to the server's clock, which other modules move on by years.
pytestmark = pytest.mark.own_clock


async def schedule(env: WorkflowEnvironment, task_queue: str, starts_at: datetime) -> str:
    """A meeting of the scenario's forum on the requests' task queue; its id."""
    day = to_london(starts_at).date()
    start = MeetingStart(
        meeting_id=f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}",
        starts_at=starts_at,
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
        settings=SETTINGS,
    )
    await ForumMeetings(env.client, task_queue).schedule(start)
    return start.meeting_id


async def tabled_for(forum: FundingRequests, starts_at: datetime) -> str:
    """A new request with its options listed, tabled for the day of ``starts_at``."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference, meeting=to_london(starts_at).date())
    return reference


async def test_a_moved_meeting_takes_the_requests_on_its_agenda_along(
    env: WorkflowEnvironment, forum: FundingRequests, task_queue: str
) -> None:
    """The tabled request follows, audited as the chair's with the reason; others say why not."""
    starts_at = ten_am(40, await env.get_current_time())
    moved_to = starts_at + timedelta(weeks=2)
    meetings = ForumMeetings(env.client, task_queue)
    meeting_id = await schedule(env, task_queue, starts_at)
    follows = await tabled_for(forum, starts_at)
    elsewhere = await tabled_for(forum, starts_at + timedelta(days=7))
    ended = await tabled_for(forum, starts_at)
    await forum.submit(ended, Withdraw(reason="Funded elsewhere"), OFFICER)
    for reference in (follows, elsewhere, ended):
        await meetings.submit(meeting_id, AddItem(request_ref=reference, title="EHP"), CHAIR)

    await meetings.submit(
        meeting_id, MoveMeeting(new_starts_at=moved_to, reason="Town Hall unavailable"), CHAIR
    )
    meeting: MeetingState = await eventually(
        lambda: meetings.state(meeting_id),
        lambda s: any(e.transition == "follow_move" for e in s.audit),
    )
    state: RequestState = await forum.state(follows)
    assert state.meeting_date == to_london(moved_to).date()
    entry = state.audit[-1]
    assert (entry.transition, entry.actor_id, entry.role, entry.reason) == (
        "follow_meeting",
        CHAIR.user_id,
        "chair",
        "Town Hall unavailable",
    )
    assert meeting_id in entry.summary
    (note,) = [e for e in meeting.audit if e.transition == "follow_move"]
    assert note.summary.startswith(f"Moved with the meeting: {follows}. Did not follow: ")
    assert f"{elsewhere} (Cannot move {elsewhere} with {meeting_id}: the request is tabled" in (
        note.summary
    )
    assert f"{ended} (no request {ended} is running" in note.summary
    assert (await forum.state(elsewhere)).meeting_date == to_london(starts_at).date() + timedelta(
        days=7
    )


async def test_passing_a_move_on_again_has_no_further_effect(
    env: WorkflowEnvironment, forum: FundingRequests, task_queue: str
) -> None:
    """A retried pass-on (same move, same keys) reports the request as followed and adds nothing."""
    starts_at = ten_am(40, await env.get_current_time())
    meetings = ForumMeetings(env.client, task_queue)
    meeting_id = await schedule(env, task_queue, starts_at)
    reference = await tabled_for(forum, starts_at)
    await meetings.submit(meeting_id, AddItem(request_ref=reference, title="EHP"), CHAIR)
    before = await meetings.state(meeting_id)
    command = MoveMeeting(new_starts_at=starts_at + timedelta(days=7), reason="Clash")
    await meetings.submit(meeting_id, command, CHAIR)
    moved = await eventually(
        lambda: meetings.state(meeting_id),
        lambda s: any(e.transition == "follow_move" for e in s.audit),
    )
    audited = len((await forum.state(reference)).audit)

    move = follow_move_of(before, moved, command, CHAIR)
    assert move is not None
    activities = MeetingActivities(env.client)
    for _ in range(2):
        report = await ActivityEnvironment().run(activities.pass_on_move, move)
        (outcome,) = report.outcomes
        assert (outcome.request_ref, outcome.followed) == (reference, True)
    assert len((await forum.state(reference)).audit) == audited
