"""A request's workflow works out deadlines in years past the calendar's common span,
building those years' bank holidays inside the workflow sandbox."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from clients.requests import FundingRequests
from devtools.seeds import OFFICER, middlesbrough_draft
from domain.calendar import LONDON, _england_year
from domain.deadlines import DeadlineKind
from domain.request.draft import Period
from domain.request.models import RequestState
from tests.lifecycle.drive import new_reference

SERVICE_START = date(2098, 4, 1)
# Five clear working days before Tuesday 12 March 2097 the papers are due: 4 March.
MEETING = date(2097, 3, 12)


async def test_the_workflow_builds_a_far_years_calendar_itself(forum: FundingRequests) -> None:
    """With 2097 not built in this process, the workflow's deadlines query gives the
    procurement decision (1 April 2097, a 12-month lead-in) and the papers deadline of
    the meeting on 12 March 2097 (4 March)."""
    _england_year.cache_clear()
    draft = middlesbrough_draft(new_reference()).model_copy(
        update={
            "procurement_needed": True,
            "service_start": SERVICE_START,
            "period": Period(start=SERVICE_START, end=SERVICE_START + timedelta(days=364)),
        }
    )
    RequestState.new(draft, OFFICER, datetime.now(LONDON))
    # Starting a request works out no deadline here, so the years are built in the workflow.
    assert _england_year.cache_info().currsize == 0
    await forum.create(draft, OFFICER, scheduled_meetings=(MEETING,))
    answer = await forum.deadlines(draft.reference)

    by_kind = {d.kind: d for d in answer.deadlines}
    assert by_kind[DeadlineKind.procurement_decision].due == datetime.combine(
        date(2097, 4, 1), time(17), tzinfo=LONDON
    )
    papers = by_kind[DeadlineKind.papers]
    assert papers.meeting_date == MEETING
    assert papers.due == datetime.combine(date(2097, 3, 4), time(17), tzinfo=LONDON)
    assert _england_year.cache_info().currsize >= 1
