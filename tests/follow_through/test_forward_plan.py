"""A request's forward plan is the forum's calendar as it stands now, not as it stood when
the request started: meetings scheduled, moved or cancelled later reach it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import OFFICER, staffordshire_draft
from domain.calendar import to_london
from domain.deadlines import DeadlineKind
from domain.meeting.commands import CancelMeeting
from domain.request.draft import Period
from domain.request.models import RequestState
from tests.follow_through.conftest import Calendar
from tests.lifecycle.drive import new_reference
from tests.meetings import CHAIR, ten_am
from tests.meetings.test_meeting_workflow import eventually

# Announcing the calendar lists open requests, which needs the dev server's visibility.
pytestmark = [pytest.mark.devserver_only, pytest.mark.own_clock]


async def test_a_cancelled_meeting_that_made_the_lead_in_possible_warns_once(
    env: WorkflowEnvironment, forum: FundingRequests, calendar: Calendar
) -> None:
    """Drafting against one meeting; it is cancelled, so the officer and the chair are
    warned, once; a meeting scheduled later is in the request's plan."""
    now = await env.get_current_time()
    # Decided by the December after next: the October DSG decision comes in time.
    service_start = to_london(now).date().replace(year=to_london(now).year + 2, month=12, day=1)
    draft = staffordshire_draft(new_reference()).model_copy(
        update={
            "author_id": None,
            "recurrent": False,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )
    only_meeting_at = ten_am(90, now)
    only_meeting = await calendar.schedule(only_meeting_at)
    await forum.create(draft, OFFICER, scheduled_meetings=(to_london(only_meeting_at).date(),))
    planned = await forum.deadlines(draft.reference)
    assert planned.warning is None

    await calendar.meetings.submit(only_meeting, CancelMeeting(reason="Room flooded"), CHAIR)

    warned: RequestState = await eventually(
        lambda: forum.state(draft.reference), lambda s: any(n.kind == "warning" for n in s.notices)
    )
    (warning,) = [n for n in warned.notices if n.kind == "warning"]
    assert any(OFFICER.name in r for r in warning.recipients)
    assert any("chair" in r.lower() for r in warning.recipients)
    assert (await forum.deadlines(draft.reference)).warning is not None

    later_at = ten_am(150, now)
    await calendar.schedule(later_at)
    replanned = await eventually(
        lambda: forum.deadlines(draft.reference), lambda d: d.warning is None
    )
    papers = [d for d in replanned.deadlines if d.kind is DeadlineKind.papers]
    assert [d.meeting_date for d in papers] == [to_london(later_at).date()]
    again = await forum.state(draft.reference)
    assert len([n for n in again.notices if n.kind == "warning"]) == 1
