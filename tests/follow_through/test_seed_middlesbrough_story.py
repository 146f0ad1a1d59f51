"""Seed 000 as one story, July to February, on the time-skipping server.

The seed ran from July 2018 to February 2019; the server's clock cannot go back, so the
story keeps the seed's calendar shape in the server's next year: the July meeting
approves the four posts from the one-off high needs allocation "pending the DSG
allocation", funding due by 31 December; the council starts paying the posts in
September; the reminders and the chair's escalation fire on their dates; the January
paper saying the posts were "approved from the DSG" schools block is refused; the
February meeting's action owner is absent, so the chair hears at once and the action is
carried; and the funding is confirmed from the high needs allocation, which the
register shows. The counts of reminders and escalations are printed.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from contracts.register import EntryKind
from devtools.seeds import CLERK, MEMBERS, OFFICER, TOTAL_PENCE, member_actor, middlesbrough_draft
from domain.calendar import LONDON, at_close_of_business
from domain.meeting.commands import CloseMeeting, OpenMeeting, RecordMeetingAttendance
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    ConfirmFunding,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    RecordSpending,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import Action, Minute, VoteChoice
from domain.request.draft import (
    Citation,
    EvaluationPlan,
    FundingOption,
    FundingSource,
    Period,
    Recommendation,
)
from domain.request.models import RequestState
from storage.register import DecisionRegister
from tests.follow_through.conftest import Calendar
from tests.lifecycle.drive import new_reference
from tests.meetings import CHAIR, CHAIR_CONTACT
from tests.meetings.test_meeting_workflow import eventually
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock, pytest.mark.timeout(600)]

PRESENT = tuple(m.member_id for m in MEMBERS[:8])
OWNER = MEMBERS[12]
"""Asked in July to report to the February meeting; not there in February."""


def ten_am(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=LONDON)


async def test_the_middlesbrough_story_from_july_to_february(
    env: WorkflowEnvironment,
    task_queue: str,
    register: DecisionRegister,
    calendar: Calendar,
    smtp_server: RecordingSmtpServer,
) -> None:
    """Approved not funded, reminded and escalated on its dates; the unsupported January
    citation refused; the absent owner escalated and carried; funding confirmed from the
    one-off high needs allocation, as the register shows."""
    forum = FundingRequests(env.client, task_queue, register=register)
    year = (await env.get_current_time()).astimezone(LONDON).year + 1
    july, january = date(year, 7, 4), date(year + 1, 1, 16)
    february, march = date(year + 1, 2, 27), date(year + 1, 3, 27)
    funding_due = date(year, 12, 31)
    meetings = calendar.meetings
    july_id = await calendar.schedule(ten_am(july))
    january_id = await calendar.schedule(ten_am(january))
    february_id = await calendar.schedule(ten_am(february))
    march_id = await calendar.schedule(ten_am(march))
    posts = Period(start=date(year, 9, 1), end=date(year + 1, 8, 31))
    high_needs = FundingOption(
        option_id="high-needs-one-off",
        source=FundingSource.dsg_high_needs,
        source_detail="one-off allocation",
        amount_pence=TOTAL_PENCE,
        period=posts,
    )
    reference = new_reference()
    draft = middlesbrough_draft(reference).model_copy(
        update={
            "period": posts,
            "evaluation_plan": EvaluationPlan(
                measures=("early help cases picked up in schools",),
                report_due=date(year + 1, 6, 30),
            ),
        }
    )

    # July: listed, recommended, tabled on the July agenda, approved and minuted.
    await forum.create(draft, OFFICER)
    await forum.submit(reference, SubmitDraft(), OFFICER)
    await forum.submit(reference, AddOption(option=high_needs), OFFICER)
    recommendation = Recommendation(
        text="Fund four posts from the one-off high needs allocation",
        option_ids=(high_needs.option_id,),
    )
    await forum.submit(reference, SetRecommendation(recommendation=recommendation), OFFICER)
    await forum.submit(reference, TableRequest(meeting_id=july_id), CHAIR)
    await env.sleep(ten_am(july) - await env.get_current_time())
    await meetings.submit(july_id, RecordMeetingAttendance(present_member_ids=PRESENT), CLERK)
    await meetings.submit(july_id, OpenMeeting(), CHAIR)
    await forum.submit(reference, RecordAttendance(present_member_ids=PRESENT), CLERK)
    await forum.submit(reference, OpenVote(), CHAIR)
    for member in MEMBERS[:8]:
        await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
    await forum.submit(reference, CloseVote(), CHAIR)
    minute = Minute(
        agreed_option_ids=(high_needs.option_id,),
        amount_pence=TOTAL_PENCE,
        period=posts,
        text="Agreed: four posts from the one-off high needs allocation, pending the DSG "
        "allocation.",
        recorded_by=CLERK.user_id,
        funding_condition="pending the DSG allocation",
        funding_due=funding_due,
        actions=(
            Action(
                action_id="report-back",
                description="Report to the forum on the posts and their funding",
                owner=OWNER.name,
                owner_id=OWNER.member_id,
                due_meeting=february,
                due_meeting_id=february_id,
            ),
        ),
    )
    await forum.submit(reference, RecordMinute(minute=minute), CLERK)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)
    await meetings.submit(july_id, CloseMeeting(next_meeting_id=january_id), CHAIR)
    logged = await meetings.state(february_id)
    assert [a.action_id for a in logged.actions] == [f"{reference}/report-back"]

    # September: the council starts paying the posts before the money is confirmed.
    await env.sleep(ten_am(date(year, 9, 3)) - await env.get_current_time())
    await forum.submit(
        reference,
        RecordSpending(started_on=date(year, 9, 3), description="Four posts filled"),
        OFFICER,
    )

    # 31 December passes with the funding unconfirmed.
    await env.sleep(at_close_of_business(funding_due) - await env.get_current_time())
    state: RequestState = await eventually(
        lambda: forum.state(reference),
        lambda s: any(n.kind == "escalation" for n in s.notices),
        seconds=30,
    )
    funding_notices = [n for n in state.notices if "funding_confirmation" in n.key]
    reminders = [n for n in funding_notices if n.kind == "reminder"]
    escalations = [n for n in funding_notices if n.kind == "escalation"]
    assert (len(reminders), len(escalations)) == (3, 1)
    assert all(n.at.astimezone(LONDON).date() <= funding_due for n in funding_notices)

    # January: a paper cites the July approval as "from the DSG" schools block: refused.
    (approval,) = [
        e for e in register.entries_for(reference) if e.kind is EntryKind.MINUTE_CONFIRMED
    ]
    january_paper = middlesbrough_draft(new_reference()).model_copy(
        update={
            "period": posts,
            "citations": (
                Citation(
                    entry_id=approval.idempotency_key,
                    request_ref=reference,
                    claimed_source=FundingSource.dsg_schools_block_dedelegation,
                    claim="SMF approved the funding of 4 Early Help Practitioner posts from "
                    "the DSG",
                ),
            ),
        }
    )
    with pytest.raises(TransitionRefused) as refused:
        await forum.create(january_paper, OFFICER)
    assert refused.value.field == "draft.citations[0].claimed_source"

    # February: the owner of the action is absent; the chair hears at once; carried.
    await env.sleep(ten_am(february) - await env.get_current_time())
    await meetings.submit(february_id, RecordMeetingAttendance(present_member_ids=PRESENT), CLERK)
    await meetings.submit(february_id, OpenMeeting(), CHAIR)
    told = await eventually(
        lambda: meetings.state(february_id),
        lambda s: (
            any(k.endswith("owner-absent/escalation") for k in s.notices_sent)
            and s.audit[-1].transition == "notice_sent"
        ),
    )
    assert any(k.endswith("owner-absent/escalation") for k in told.notices_sent)
    await forum.submit(
        reference,
        ConfirmFunding(
            confirmed_by="Andrea Williams, finance",
            confirmed_on=february,
            option_ids=(high_needs.option_id,),
            amount_pence=TOTAL_PENCE,
        ),
        OFFICER,
    )
    await meetings.submit(february_id, CloseMeeting(next_meeting_id=march_id), CHAIR)
    carried = await eventually(lambda: meetings.state(march_id), lambda s: bool(s.actions))
    assert [a.carried_from for a in carried.actions] == [(february_id,)]

    kinds = [e.kind for e in register.entries_for(reference)]
    assert EntryKind.FUNDING_CONFIRMED in kinds
    assert EntryKind.SPENDING_STARTED in kinds
    (confirmed,) = [
        e for e in register.entries_for(reference) if e.kind is EntryKind.FUNDING_CONFIRMED
    ]
    assert [(o.source, o.amount_pence) for o in confirmed.agreed_options] == [
        ("dsg_high_needs", TOTAL_PENCE)
    ]
    owner_reminders = [m for m in smtp_server.messages if OWNER.email in m.rcpt_tos]
    to_chair = [m for m in smtp_server.messages if CHAIR_CONTACT.email in m.rcpt_tos]
    print(
        f"seed 000 story: funding reminders {len(reminders)}, funding escalations "
        f"{len(escalations)}, action owner reminders {len(owner_reminders)}, emails to the "
        f"chair {len(to_chair)} (the owner-absent escalation among them)"
    )
    assert len(owner_reminders) == 2
