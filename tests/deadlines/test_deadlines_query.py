"""A request's workflow answers what is due and warns when a lead-in is already lost."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import OFFICER, middlesbrough_draft
from domain.calendar import LONDON, add_months, format_uk_date
from domain.deadlines import DeadlineKind
from domain.request.draft import Period
from tests.lifecycle.drive import new_reference


async def test_deadlines_query_lists_the_lead_in_and_warns_when_no_meeting_can_meet_it(
    env: WorkflowEnvironment, forum: FundingRequests
) -> None:
    """A procurement starting in 18 months with no meeting scheduled in time is warned about."""
    today = (await env.get_current_time()).astimezone(LONDON).date()
    service_start = add_months(today.replace(day=1), 18)
    latest = add_months(service_start, -12)
    draft = middlesbrough_draft(new_reference()).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )
    after_the_deadline = (latest + timedelta(days=30),)
    await forum.create(draft, OFFICER, scheduled_meetings=after_the_deadline)
    answer = await forum.deadlines(draft.reference)

    (lead_in,) = [d for d in answer.deadlines if d.kind is DeadlineKind.procurement_decision]
    assert lead_in.due == datetime.combine(latest, time(17, 0), tzinfo=LONDON)
    assert lead_in.escalates is True
    assert answer.warning is not None
    assert format_uk_date(latest) in answer.warning
    assert format_uk_date(service_start) in answer.warning


async def test_no_warning_when_a_meeting_falls_before_the_lead_in_date(
    env: WorkflowEnvironment, forum: FundingRequests
) -> None:
    """With a meeting a month before the latest decision date, and a service starting in
    January (so the October DSG decision before it is in time), there is nothing to warn
    about."""
    today = (await env.get_current_time()).astimezone(LONDON).date()
    service_start = date(add_months(today.replace(day=1), 18).year + 1, 1, 1)
    meeting = add_months(service_start, -13)
    draft = middlesbrough_draft(new_reference()).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )
    await forum.create(draft, OFFICER, scheduled_meetings=(meeting,))
    answer = await forum.deadlines(draft.reference)
    assert answer.warning is None
    papers = [d for d in answer.deadlines if d.kind is DeadlineKind.papers]
    assert [d.meeting_date for d in papers] == [meeting]
    assert all(isinstance(d.due, datetime) and d.due.date() < meeting for d in papers)
