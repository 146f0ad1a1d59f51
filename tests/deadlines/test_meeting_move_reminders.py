"""A request's papers reminders move when its meeting moves, across weeks of skipped time.

The meeting and the request run on the product's own worker; the reminders go through
the real notification activity to a local SMTP server.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from contracts.meeting import MeetingStart
from devtools.seeds import CHAIR, MEMBERSHIP, OFFICER, middlesbrough_draft
from domain.calendar import at_close_of_business, papers_deadline, to_london
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.meeting.commands import AddItem, MoveMeeting
from tests.lifecycle.drive import draft_to_options, new_reference, recommend_and_table
from tests.meetings import ten_am
from tests.meetings.test_meeting_workflow import eventually
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]

SETTINGS = ForumSettings(
    contacts=ForumContacts(chair=Contact(name="Forum Chair", email="chair@forum.example.org"))
)
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})


def papers_due(starts_at: datetime) -> datetime:
    """5pm London on the papers deadline of a meeting starting at ``starts_at``."""
    return at_close_of_business(papers_deadline(to_london(starts_at).date()))


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    await env.sleep(moment - await env.get_current_time())


async def test_moving_the_meeting_moves_the_papers_reminders(
    env: WorkflowEnvironment,
    forum: FundingRequests,
    task_queue: str,
    smtp_server: RecordingSmtpServer,
) -> None:
    """After the move the reminders come at the new deadline's instants, none at the old."""
    starts_at = ten_am(45, await env.get_current_time())
    moved_to = starts_at + timedelta(weeks=3)
    old_due, new_due = papers_due(starts_at), papers_due(moved_to)
    meetings = ForumMeetings(env.client, task_queue)
    start = MeetingStart(
        meeting_id=f"meeting-{to_london(starts_at).date()}-{uuid.uuid4().hex[:8]}",
        starts_at=starts_at,
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
        settings=SETTINGS,
    )
    await meetings.schedule(start)
    reference = await draft_to_options(
        forum, middlesbrough_draft(new_reference()), settings=SETTINGS, author=AUTHOR
    )
    await recommend_and_table(forum, reference, meeting=to_london(starts_at).date())
    await meetings.submit(start.meeting_id, AddItem(request_ref=reference, title="EHP"), CHAIR)

    # The 28-day reminder of the old deadline goes out before the meeting moves.
    await sleep_until(env, old_due - timedelta(days=28) + timedelta(hours=1))
    await meetings.submit(
        start.meeting_id, MoveMeeting(new_starts_at=moved_to, reason="Room unavailable"), CHAIR
    )
    await eventually(
        lambda: forum.state(reference),
        lambda s: s.meeting_date == to_london(moved_to).date(),
    )
    await sleep_until(env, new_due + timedelta(hours=1))

    sent = {n.key: n.at for n in (await forum.audit_trail(reference)).notices}
    old_key = f"{reference}/c1/papers/{old_due.date().isoformat()}"
    new_key = f"{reference}/c1/papers/{new_due.date().isoformat()}"
    expected = {
        f"{old_key}/reminder/28d": old_due - timedelta(days=28),
        **{f"{new_key}/reminder/{d}d": new_due - timedelta(days=d) for d in (28, 7, 1)},
    }
    assert set(sent) == set(expected), "no reminder at the old deadline's later instants"
    for key, instant in expected.items():
        assert abs(sent[key] - instant) < timedelta(minutes=1), key
    assert sorted(smtp_server.keys()) == sorted(expected), "each mailed once, none for the old"
    assert all(AUTHOR.email in m.message["To"] for m in smtp_server.messages)
