"""Actions due at a meeting cannot be forgotten: the owner is reminded 7 days before the
papers deadline and on that morning, a done action is not reminded, the agenda lists
what is still open, and an owner recorded absent at the meeting is escalated to the
chair at once and carried forward."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from domain.calendar import LONDON
from domain.meeting.actions import reminder_at
from domain.meeting.commands import (
    AddAction,
    CloseMeeting,
    CompleteAction,
    OpenMeeting,
    RecordMeetingAttendance,
)
from domain.meeting.models import MeetingState
from tests.follow_through.conftest import Calendar
from tests.meetings import CHAIR, CHAIR_CONTACT, CLERK, MEMBERS, OFFICER, ten_am
from tests.meetings.test_meeting_workflow import eventually
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]

OWNER = MEMBERS[10]
"""The member who owns the open action, and is not among those present."""


async def test_an_open_actions_owner_is_reminded_twice_then_escalated_when_absent(
    env: WorkflowEnvironment,
    forum: FundingRequests,
    calendar: Calendar,
    smtp_server: RecordingSmtpServer,
) -> None:
    """Two reminders to the owner on their dates, none for the done action; the agenda
    lists the open one; absent at the meeting, the chair hears at once; it is carried."""
    now = await env.get_current_time()
    meeting_id = await calendar.schedule(ten_am(60, now))
    next_id = await calendar.schedule(ten_am(120, now))
    meetings = calendar.meetings
    for action_id in ("report-back", "already-done"):
        await meetings.submit(
            meeting_id,
            AddAction(
                action_id=action_id,
                request_ref="SMF-2018-EHP",
                description="Present an update on the funding source",
                owner=OWNER.name,
                owner_id=OWNER.member_id,
            ),
            CLERK,
        )
    await meetings.submit(meeting_id, CompleteAction(action_id="already-done"), OFFICER)
    state: MeetingState = await meetings.state(meeting_id)
    seven_days, on_the_day = reminder_at(state, 7), reminder_at(state, 0)
    agenda = await meetings.agenda(meeting_id)
    assert [a.action_id for a in agenda.actions] == ["report-back"]

    await env.sleep(seven_days - await env.get_current_time())
    first = await eventually(lambda: meetings.state(meeting_id), lambda s: len(s.notices_sent) >= 1)
    await env.sleep(on_the_day - await env.get_current_time())
    second = await eventually(
        lambda: meetings.state(meeting_id), lambda s: len(s.notices_sent) >= 2
    )
    sent = await eventually(
        lambda: meetings.state(meeting_id),
        lambda s: len([e for e in s.audit if e.transition == "notice_sent"]) >= 2,
    )
    assert len([e for e in sent.audit if e.transition == "notice_sent"]) == 2
    to_owner = [m for m in smtp_server.messages if OWNER.email in m.rcpt_tos]
    assert len(to_owner) == 2
    assert [k.rsplit("/", 1)[-1] for k in second.notices_sent] == ["7d", "0d"]
    assert first.notices_sent[0].endswith("report-back/reminder/7d")
    assert on_the_day.astimezone(LONDON).hour == 9

    present = tuple(m.member_id for m in MEMBERS[:8])
    await meetings.submit(meeting_id, RecordMeetingAttendance(present_member_ids=present), CLERK)
    await meetings.submit(meeting_id, OpenMeeting(), CHAIR)
    escalated = await eventually(
        lambda: meetings.state(meeting_id),
        lambda s: len([e for e in s.audit if e.transition == "notice_sent"]) >= 3,
    )
    to_chair = [m for m in smtp_server.messages if CHAIR_CONTACT.email in m.rcpt_tos]
    assert len(to_chair) == 1
    assert "missed deadline" in str(to_chair[0].message["Subject"])
    assert escalated.stage.value == "in_session"

    await meetings.submit(meeting_id, CloseMeeting(next_meeting_id=next_id), CHAIR)
    carried: MeetingState = await eventually(
        lambda: meetings.state(next_id), lambda s: bool(s.actions)
    )
    assert [(a.action_id, a.owner_id, a.carried_from) for a in carried.actions] == [
        ("report-back", OWNER.member_id, (meeting_id,))
    ]
