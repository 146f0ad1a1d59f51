"""Seed 003, Staffordshire: recurrent early help family support, procured with a 12-month
lead-in and decided again each October, run through the real request workflow.

The dates below are the ones the engine computes for the forum's 2019 meetings; each
is written out so a change in the rules shows up here as a changed date.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from clients.requests import FundingRequests
from contracts.register import AgreedFunding
from devtools.seeds import (
    CHAIR,
    CLERK,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    STAFFORDSHIRE_CENTRAL_BLOCK,
    STAFFORDSHIRE_DECISION_MEETING,
    STAFFORDSHIRE_MEETINGS,
    STAFFORDSHIRE_RECOMMENDATION,
    STAFFORDSHIRE_TOTAL_PENCE,
    member_actor,
    staffordshire_draft,
    staffordshire_minute,
)
from domain.calendar import LONDON
from domain.deadlines import Deadline, DeadlineKind
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import VoteChoice
from domain.request.draft import FundingSource, Recommendation
from storage.register import DecisionRegister
from tests.lifecycle.drive import new_reference

# Its 2019 deadlines are all overdue, so the request escalates as soon as it is minuted;
# a clock of its own keeps those deliveries from holding other modules' skipped time.
pytestmark = pytest.mark.own_clock


def by_kind(deadlines: tuple[Deadline, ...]) -> dict[DeadlineKind, Deadline]:
    return {deadline.kind: deadline for deadline in deadlines}


def london(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON)


async def test_staffordshire_lead_in_then_october_decision(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """Decide by 1 April 2019 at the 20 March meeting (papers 12 March); then October 2019."""
    draft = staffordshire_draft(new_reference(), author_id=OFFICER.user_id)
    reference = draft.reference
    await forum.create(draft, OFFICER, scheduled_meetings=STAFFORDSHIRE_MEETINGS)

    planned = await forum.deadlines(reference)
    drafting = by_kind(planned.deadlines)
    decision = drafting[DeadlineKind.procurement_decision]
    assert decision.due == london(date(2019, 4, 1), 17)
    assert decision.escalates
    papers = drafting[DeadlineKind.papers]
    assert papers.due.astimezone(LONDON).date() == date(2019, 3, 12)
    assert papers.meeting_date == date(2019, 3, 20)
    # Run in the present, the 2019 dates are long gone, and the warning says so.
    assert planned.warning is not None
    assert "latest decision date for a service starting 1 April 2020 is 1 April 2019" in (
        planned.warning
    )
    assert "20 March 2019" in planned.warning
    assert "12 March 2019" in planned.warning
    assert "has passed" in planned.warning

    await forum.submit(reference, SubmitDraft(), OFFICER)
    await forum.submit(reference, AddOption(option=STAFFORDSHIRE_CENTRAL_BLOCK), OFFICER)
    recommendation = Recommendation(
        text=STAFFORDSHIRE_RECOMMENDATION, option_ids=(STAFFORDSHIRE_CENTRAL_BLOCK.option_id,)
    )
    await forum.submit(reference, SetRecommendation(recommendation=recommendation), OFFICER)
    table = TableRequest(meeting_date=STAFFORDSHIRE_DECISION_MEETING, membership=MEMBERSHIP)
    await forum.submit(reference, table, CHAIR)
    present = tuple(member.member_id for member in MEMBERS)
    await forum.submit(reference, RecordAttendance(present_member_ids=present), CLERK)
    await forum.submit(reference, OpenVote(), CHAIR)
    for member in MEMBERS:
        await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
    await forum.submit(reference, CloseVote(), CHAIR)
    await forum.submit(reference, RecordMinute(minute=staffordshire_minute()), CLERK)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)

    decided = by_kind((await forum.deadlines(reference)).deadlines)
    assert DeadlineKind.procurement_decision not in decided
    assert decided[DeadlineKind.annual_dsg_decision].due.astimezone(LONDON).date() == date(
        2019, 10, 1
    )
    assert decided[DeadlineKind.evaluation_report].due.astimezone(LONDON).date() == date(
        2021, 1, 31
    )
    assert decided[DeadlineKind.funding_period_end].due.astimezone(LONDON).date() == date(
        2021, 3, 31
    )
    recorded = register.funding_decision_for(reference)
    assert recorded is not None
    assert register.funding_source_for(reference) == (
        AgreedFunding(
            option_id=STAFFORDSHIRE_CENTRAL_BLOCK.option_id,
            source=FundingSource.dsg_central_school_services.value,
            source_detail=None,
            amount_pence=STAFFORDSHIRE_TOTAL_PENCE,
        ),
    )
    entry = register.entries_for(reference)[0]
    assert entry.recurrent is True
