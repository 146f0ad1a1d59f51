"""Requests put in a given stage (through FundingRequests, not HTTP), and API helpers.

The API tests need requests at every stage; driving them through the workflow client
directly keeps each test's HTTP calls down to the ones it is checking.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any

import httpx

from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from contracts.meeting import MeetingStart
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    SCHOOLS_BLOCK,
    member_actor,
    middlesbrough_draft,
)
from domain.calendar import LONDON, to_london
from domain.people import Actor, Role
from domain.request.commands import (
    CastVote,
    CloseVote,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    TableRequest,
    Withdraw,
)
from domain.request.decision import VoteChoice
from domain.request.draft import Recommendation
from domain.request.models import Stage
from tests.api.conftest import Api
from tests.lifecycle.drive import (
    draft_to_options,
    history_length,
    minute_for,
    new_reference,
    recommend_and_table,
    report_evaluation,
)

Prepare = Callable[[FundingRequests], Awaitable[str]]
"""Builds a new request in some stage and returns its reference."""

VOTER = MEMBERS[0]
USER_FOR_ROLE: dict[Role, str] = {
    Role.officer: OFFICER.user_id,
    Role.clerk: CLERK.user_id,
    Role.chair: CHAIR.user_id,
    Role.member: VOTER.member_id,
}
"""The seeded API user who holds each role (and only it)."""

ACTOR_FOR_ROLE: dict[Role, Actor] = {
    Role.officer: OFFICER,
    Role.clerk: CLERK,
    Role.chair: CHAIR,
    Role.member: member_actor(VOTER),
}
"""The same people as workflow actors, for calls that bypass the API."""


async def drafting(forum: FundingRequests) -> str:
    """A new request still being drafted."""
    draft = middlesbrough_draft(new_reference())
    await forum.create(draft, OFFICER)
    return draft.reference


async def listing(forum: FundingRequests) -> str:
    """A request in option listing with the centrally retained option."""
    return await draft_to_options(forum, middlesbrough_draft(new_reference()))


async def listing_schools_block(forum: FundingRequests) -> str:
    """A request in option listing whose only option is the schools block (de-delegation)."""
    return await draft_to_options(
        forum,
        middlesbrough_draft(new_reference()),
        options=(SCHOOLS_BLOCK,),
    )


async def recommended(forum: FundingRequests) -> str:
    """A request in option listing whose recommendation names its option: ready to table."""
    reference = await listing(forum)
    recommendation = Recommendation(
        text="Fund four posts.", option_ids=(CENTRALLY_RETAINED.option_id,)
    )
    await forum.submit(reference, SetRecommendation(recommendation=recommendation), OFFICER)
    return reference


def agenda_meeting_of(reference: str) -> str:
    """The id of the meeting :func:`on_an_agenda` tables ``reference`` for."""
    return f"meeting-agenda-{reference.lower()}"


async def on_an_agenda(forum: FundingRequests) -> str:
    """A request tabled by naming a meeting scheduled 40 days ahead: on its agenda."""
    reference = await recommended(forum)
    starts_at = datetime.combine(
        london_today() + timedelta(days=40), wall_time(10, 0), tzinfo=LONDON
    )
    meeting_id = agenda_meeting_of(reference)
    start = MeetingStart(
        meeting_id=meeting_id,
        starts_at=starts_at,
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
    )
    await ForumMeetings(forum.client, forum.task_queue).schedule(start)
    await forum.submit(reference, TableRequest(meeting_id=meeting_id), CHAIR)
    return reference


async def tabled(forum: FundingRequests, meeting: date | None = None) -> str:
    """A request tabled for a meeting (4 July 2018 unless ``meeting`` is given)."""
    reference = await listing(forum)
    if meeting is None:
        await recommend_and_table(forum, reference)
    else:
        await recommend_and_table(forum, reference, meeting=meeting)
    return reference


async def attended(forum: FundingRequests) -> str:
    """A tabled request with every member recorded present."""
    reference = await tabled(forum)
    present = tuple(m.member_id for m in MEMBERS)
    await forum.submit(reference, RecordAttendance(present_member_ids=present), CLERK)
    return reference


async def voting(forum: FundingRequests) -> str:
    """A request whose vote is open, nobody having voted yet."""
    reference = await attended(forum)
    await forum.submit(reference, OpenVote(), CHAIR)
    return reference


async def voted(forum: FundingRequests) -> str:
    """An open vote in which three members have voted for: closing it approves."""
    reference = await voting(forum)
    for member in MEMBERS[:3]:
        await forum.submit(reference, CastVote(choice=VoteChoice.for_), member_actor(member))
    return reference


async def decided(forum: FundingRequests) -> str:
    """An approved request awaiting its minute."""
    reference = await voted(forum)
    await forum.submit(reference, CloseVote(), CHAIR)
    return reference


async def rejected(forum: FundingRequests) -> str:
    """A request the forum voted down."""
    reference = await voting(forum)
    for member in MEMBERS[:3]:
        await forum.submit(reference, CastVote(choice=VoteChoice.against), member_actor(member))
    await forum.submit(reference, CloseVote(), CHAIR)
    return reference


async def minuted(forum: FundingRequests) -> str:
    """An approval the clerk has minuted, awaiting the chair's confirmation."""
    reference = await decided(forum)
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)
    return reference


def london_today() -> date:
    """Today in London, by the dev server's clock (the machine's)."""
    return to_london(datetime.now(UTC)).date()


async def conditionally_minuted(forum: FundingRequests) -> str:
    """An approval minuted as waiting on its money for two months."""
    reference = await decided(forum)
    minute = minute_for().model_copy(
        update={
            "funding_condition": "pending the DSG allocation",
            "funding_due": london_today() + timedelta(days=60),
        }
    )
    await forum.submit(reference, RecordMinute(minute=minute), CLERK)
    return reference


async def unevaluated(forum: FundingRequests) -> str:
    """A request in evaluation whose outcomes are not reported yet."""
    reference = await minuted(forum)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)
    return reference


async def evaluated(forum: FundingRequests) -> str:
    """A request in evaluation with its outcomes reported: ready to extend or close."""
    reference = await unevaluated(forum)
    await report_evaluation(forum, reference)
    return reference


async def withdrawn(forum: FundingRequests) -> str:
    """A request its officer withdrew while drafting."""
    reference = await drafting(forum)
    await forum.submit(reference, Withdraw(reason="No longer needed."), OFFICER)
    return reference


STAGE_BUILDERS: dict[Stage, Prepare] = {
    Stage.drafting: drafting,
    Stage.option_listing: listing,
    Stage.tabled: tabled,
    Stage.voting: voting,
    Stage.decided: decided,
    Stage.minuted: minuted,
    Stage.evaluation: unevaluated,
    Stage.rejected: rejected,
    Stage.withdrawn: withdrawn,
}
"""The cheapest way to reach each stage, cheapest first."""


async def update_count(api: Api, reference: str) -> int:
    """How many update events the request's history holds."""
    return await history_length(api.services.requests.handle(reference))


async def snapshot(api: Api, reference: str) -> tuple[int, dict[str, Any]]:
    """The request's update-event count and its state as JSON, to prove nothing changed.

    Notices are left out: the workflow sends overdue-deadline reminders on its own timer
    (the scenario's dates are years past), which is not a change anyone asked for.
    """
    state = await api.services.requests.state(reference)
    return await update_count(api, reference), state.model_dump(mode="json", exclude={"notices"})


async def post_action(
    api: Api,
    user: str,
    reference: str,
    transition: str,
    body: object,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a transition as ``user``."""
    return await api.http.post(
        f"/requests/{reference}/actions/{transition}",
        json=body,
        headers={**api.auth(user), **(headers or {})},
    )


async def poll(
    check: Callable[[], Awaitable[bool]], *, seconds: float = 15.0, every: float = 0.2
) -> bool:
    """Whether ``check`` comes true within ``seconds`` (visibility lags on the dev server)."""
    deadline = time.monotonic() + seconds
    while True:
        if await check():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
