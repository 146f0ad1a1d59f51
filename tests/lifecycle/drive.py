"""Steps that move a request along, shared by the lifecycle tests and the
history recorder, so each test reads as the story it checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from clients.requests import FundingRequests
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    JULY_2018_MEETING,
    MEMBERS,
    MEMBERSHIP,
    MIDDLESBROUGH_MINUTE,
    MIDDLESBROUGH_RECOMMENDATION,
    OFFICER,
    member_actor,
    middlesbrough_draft,
    middlesbrough_minute,
)
from domain.forum import ForumSettings
from domain.people import Actor, Member, Membership
from domain.request.commands import (
    AddOption,
    CastVote,
    CloseVote,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import Minute, VoteChoice
from domain.request.draft import FundingOption, Recommendation, RequestDraft


def new_reference() -> str:
    """A request reference no other test uses."""
    return f"SMF-{uuid.uuid4().hex[:8].upper()}"


_UPDATE_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    }
)


async def history_length(handle: WorkflowHandle[Any, Any], *, exact: bool = False) -> int:
    """How many update events the workflow's history holds (every event if exact).

    A refused transition must add no update event. The exact count also holds on
    the dev server, but the time-skipping test server has no speculative workflow
    tasks, so there even a rejected update leaves workflow-task bookkeeping, and
    register activities may add events of their own at any moment.
    """
    events = (await handle.fetch_history()).events
    return len([e for e in events if exact or e.event_type in _UPDATE_EVENTS])


async def draft_to_options(
    forum: FundingRequests,
    draft: RequestDraft,
    options: Iterable[FundingOption] = (CENTRALLY_RETAINED,),
    *,
    settings: ForumSettings | None = None,
    author: Actor = OFFICER,
) -> str:
    """Create the request, submit the draft and list its options."""
    await forum.create(draft, author, settings)
    await forum.submit(draft.reference, SubmitDraft(), author)
    for option in options:
        await forum.submit(draft.reference, AddOption(option=option), author)
    return draft.reference


async def recommend_and_table(
    forum: FundingRequests,
    reference: str,
    option_ids: tuple[str, ...] = (CENTRALLY_RETAINED.option_id,),
    meeting: date = JULY_2018_MEETING,
    membership: Membership = MEMBERSHIP,
) -> None:
    """The officer recommends named options and the chair tables the request."""
    await recommend(forum, reference, option_ids)
    await forum.submit(reference, TableRequest(meeting_date=meeting, membership=membership), CHAIR)


async def recommend(
    forum: FundingRequests,
    reference: str,
    option_ids: tuple[str, ...] = (CENTRALLY_RETAINED.option_id,),
) -> None:
    """The officer recommends named options."""
    await forum.submit(
        reference,
        SetRecommendation(
            recommendation=Recommendation(text=MIDDLESBROUGH_RECOMMENDATION, option_ids=option_ids)
        ),
        OFFICER,
    )


async def open_vote_with(
    forum: FundingRequests, reference: str, present: Iterable[Member] = MEMBERS
) -> None:
    """The clerk records who is present and the chair opens the vote."""
    await forum.submit(
        reference,
        RecordAttendance(present_member_ids=tuple(m.member_id for m in present)),
        CLERK,
    )
    await forum.submit(reference, OpenVote(), CHAIR)


async def everyone_votes(
    forum: FundingRequests,
    reference: str,
    choice: VoteChoice,
    voters: Iterable[Member] = MEMBERS,
) -> None:
    """Each given member casts the same vote."""
    for member in voters:
        await forum.submit(reference, CastVote(choice=choice), member_actor(member))


async def approve(forum: FundingRequests, reference: str) -> None:
    """A full house votes for, and the chair closes the vote."""
    await everyone_votes(forum, reference, VoteChoice.for_)
    await forum.submit(reference, CloseVote(), CHAIR)


def minute_for(option_ids: tuple[str, ...] = (CENTRALLY_RETAINED.option_id,)) -> Minute:
    """The clerk's minute of the seed's approval naming ``option_ids``; naming none, it is
    the minute the forum actually wrote in July 2018, which gives no source."""
    minute = middlesbrough_minute()
    if not option_ids:
        return minute.model_copy(
            update={"agreed_option_ids": (), "amount_pence": 0, "text": MIDDLESBROUGH_MINUTE}
        )
    return minute.model_copy(update={"agreed_option_ids": option_ids})


async def minute_and_confirm(forum: FundingRequests, reference: str) -> None:
    """The clerk minutes the decision and the chair confirms the minutes."""
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)


async def report_evaluation(forum: FundingRequests, reference: str) -> None:
    """The officer reports the outcomes (seed 003: 707 referrals)."""
    await forum.submit(reference, ReportEvaluation(report=EVALUATION), OFFICER)


async def approved_request(
    forum: FundingRequests,
    *,
    draft: RequestDraft | None = None,
    settings: ForumSettings | None = None,
    author: Actor = OFFICER,
) -> str:
    """A new Middlesbrough request, tabled, voted on by a full house and approved."""
    reference = await draft_to_options(
        forum,
        draft or middlesbrough_draft(new_reference()),
        settings=settings,
        author=author,
    )
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    await approve(forum, reference)
    return reference


async def evaluated_request(
    forum: FundingRequests,
    *,
    draft: RequestDraft | None = None,
    settings: ForumSettings | None = None,
    author: Actor = OFFICER,
    report: bool = True,
) -> str:
    """An approved request whose minutes are confirmed and (if ``report``) outcomes reported."""
    reference = await approved_request(forum, draft=draft, settings=settings, author=author)
    await minute_and_confirm(forum, reference)
    if report:
        await report_evaluation(forum, reference)
    return reference
