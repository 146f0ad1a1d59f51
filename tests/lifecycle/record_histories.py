"""Records the replay suite's histories: ``python -m tests.lifecycle.record_histories``.

Runs each scenario on the time-skipping server and saves the history of the workflow
it drove as ``tests/histories/<stage>__<scenario>.json``, named after the stage the
request (or meeting) stands in. Only missing files are recorded; existing ones are
never overwritten: they are the record of what running workflows looked like under
earlier code and must keep replaying. Add a scenario to add a history, and record it
before changing the workflow code it runs through (docs/workflow-changes.md).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.notify import NotificationActivities
from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from config.settings import Settings
from contracts.meeting import MeetingStart
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    SCHOOLS_BLOCK,
    members_of,
    middlesbrough_draft,
)
from domain.calendar import LONDON, add_months, to_london
from domain.meeting.commands import (
    AddAction,
    AddItem,
    CancelMeeting,
    CloseMeeting,
    MarkItem,
    MoveMeeting,
    OpenMeeting,
    OrderItem,
    PublishAgenda,
    RecordMeetingAttendance,
)
from domain.people import Actor, MemberGroup, Role
from domain.request.commands import (
    AddOption,
    CastVote,
    Close,
    CloseVote,
    Extend,
    RecordMinute,
    RecordSpending,
    SubmitDraft,
    TableRequest,
    Withdraw,
)
from domain.request.decision import VoteChoice
from domain.request.draft import Period
from forumflow.serve_api import first_users
from storage.accounts import UserDirectory
from storage.deliveries import DeliveryLog
from storage.register import DecisionRegister
from tests.decisions_followed.follow import conditionally_approved, confirmation
from tests.lifecycle.drive import (
    approve,
    draft_to_options,
    everyone_votes,
    minute_and_confirm,
    minute_for,
    open_vote_with,
    recommend,
    recommend_and_table,
    report_evaluation,
)
from tests.meetings import ten_am
from tests.servers import start_environment
from worker.app import WorkerDependencies, build_worker

HISTORY_DIR = Path(__file__).resolve().parent.parent / "histories"
Step = Callable[[FundingRequests, str], Awaitable[None]]


async def _nothing(forum: FundingRequests, reference: str) -> None:
    return None


async def _tabled(forum: FundingRequests, reference: str) -> None:
    await recommend_and_table(forum, reference)


async def _voting(forum: FundingRequests, reference: str) -> None:
    await _tabled(forum, reference)
    await open_vote_with(forum, reference)


async def _decided(forum: FundingRequests, reference: str) -> None:
    await _voting(forum, reference)
    await approve(forum, reference)


async def _minuted(forum: FundingRequests, reference: str) -> None:
    await _decided(forum, reference)
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)


async def _evaluation(forum: FundingRequests, reference: str) -> None:
    await _decided(forum, reference)
    await minute_and_confirm(forum, reference)
    await report_evaluation(forum, reference)


async def _closed(forum: FundingRequests, reference: str) -> None:
    await _evaluation(forum, reference)
    await forum.submit(reference, Close(reason="Posts ended"), CHAIR)


async def _extended(forum: FundingRequests, reference: str) -> None:
    await _evaluation(forum, reference)
    second_year = Period(start=date(2019, 9, 1), end=date(2020, 8, 31))
    await forum.submit(reference, Extend(new_period=second_year, reason="707 referrals"), CHAIR)


async def _rejected(forum: FundingRequests, reference: str) -> None:
    await _voting(forum, reference)
    await everyone_votes(forum, reference, VoteChoice.against, MEMBERS)
    await forum.submit(reference, CloseVote(), CHAIR)


async def _withdrawn(forum: FundingRequests, reference: str) -> None:
    await forum.submit(reference, Withdraw(reason="Funded elsewhere"), OFFICER)


SCENARIOS: dict[str, tuple[Step, bool]] = {
    "drafting__created": (_nothing, False),
    "option_listing__options_listed": (_nothing, True),
    "tabled__tabled": (_tabled, True),
    "voting__vote_open": (_voting, True),
    "decided__approved": (_decided, True),
    "minuted__minuted": (_minuted, True),
    "evaluation__reported": (_evaluation, True),
    "closed__closed": (_closed, True),
    "option_listing__extended": (_extended, True),
    "rejected__rejected": (_rejected, True),
    "withdrawn__withdrawn": (_withdrawn, True),
    "closed__closed_on_a_kept_timer": (_closed, True),
}
"""Scenarios that start the Middlesbrough draft (listing its option first if told to)."""


@dataclass(frozen=True)
class Recording:
    """What a scenario that sets up its own request records with."""

    env: WorkflowEnvironment
    forum: FundingRequests
    meetings: ForumMeetings


Made = Callable[[Recording, str], Awaitable[Mapping[str, str]]]
"""Creates the request ``reference`` and drives it; returns further histories to save
(file name -> workflow id) besides the request's own, or, under the scenario's own
name, the workflow to save instead of a request."""


async def _until(probe: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(300):
        if await probe():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the scenario did not reach the state it waits for")


async def _procurement_warned(rec: Recording, reference: str) -> Mapping[str, str]:
    """Drafting a procured service no scheduled meeting can decide in time: warned once."""
    today = (await rec.env.get_current_time()).astimezone(LONDON).date()
    service_start = add_months(today.replace(day=1), 18)
    draft = middlesbrough_draft(reference).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )
    too_late = (add_months(service_start, -12) + timedelta(days=30),)
    await rec.forum.create(draft, OFFICER, scheduled_meetings=too_late)

    async def warned() -> bool:
        trail = await rec.forum.audit_trail(reference)
        return any(notice.kind == "warning" for notice in trail.notices)

    await _until(warned)
    return {}


async def _meeting_in_40_days(rec: Recording) -> MeetingStart:
    """A new meeting of the whole forum at 10am, 40 days from the server's now."""
    starts_at = ten_am(40, await rec.env.get_current_time())
    return MeetingStart(
        meeting_id=f"meeting-{to_london(starts_at).date().isoformat()}-{uuid.uuid4().hex[:8]}",
        starts_at=starts_at,
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
    )


async def _meeting_moved(rec: Recording, reference: str) -> Mapping[str, str]:
    """Tabled for a meeting that is then moved two weeks on: the request follows it."""
    start = await _meeting_in_40_days(rec)
    starts_at = start.starts_at
    day = to_london(starts_at).date()
    await rec.meetings.schedule(start)
    await draft_to_options(rec.forum, middlesbrough_draft(reference))
    await recommend_and_table(rec.forum, reference, meeting=day)
    await rec.meetings.submit(start.meeting_id, AddItem(request_ref=reference, title="EHP"), CHAIR)
    moved_to = starts_at + timedelta(weeks=2)
    await rec.meetings.submit(
        start.meeting_id, MoveMeeting(new_starts_at=moved_to, reason="Room unavailable"), CHAIR
    )

    async def noted() -> bool:
        state = await rec.meetings.state(start.meeting_id)
        return any(entry.transition == "follow_move" for entry in state.audit)

    await _until(noted)
    return {"scheduled__moved_with_its_requests": start.meeting_id}


async def _dedelegated_by_phase(rec: Recording, reference: str) -> Mapping[str, str]:
    """A de-delegation decided phase by phase: primary rejects 0-2, secondary approves 1-0;
    the special and PRU members present do not vote."""
    await draft_to_options(rec.forum, middlesbrough_draft(reference), (SCHOOLS_BLOCK,))
    await recommend_and_table(rec.forum, reference, (SCHOOLS_BLOCK.option_id,))
    primary = members_of(MemberGroup.maintained_primary)[:2]
    secondary = members_of(MemberGroup.maintained_secondary)[:1]
    special = members_of(MemberGroup.maintained_special, MemberGroup.maintained_pru)
    academies = members_of(MemberGroup.academy)[:3]
    await open_vote_with(rec.forum, reference, [*primary, *secondary, *special, *academies])
    await everyone_votes(rec.forum, reference, VoteChoice.for_, secondary)
    await everyone_votes(rec.forum, reference, VoteChoice.against, primary)
    await rec.forum.submit(reference, CloseVote(), CHAIR)
    return {}


async def _annual_decision_warned(rec: Recording, reference: str) -> Mapping[str, str]:
    """Drafting a service that starts in April with a 12-month lead-in: warned that the
    October DSG decision would be six months too late, though a meeting is in time."""
    today = (await rec.env.get_current_time()).astimezone(LONDON).date()
    service_start = date(add_months(today, 18).year + 1, 4, 1)
    draft = middlesbrough_draft(reference).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )
    in_time = (add_months(service_start, -12) - timedelta(days=40),)
    await rec.forum.create(draft, OFFICER, scheduled_meetings=in_time)

    async def warned() -> bool:
        trail = await rec.forum.audit_trail(reference)
        return any(notice.key.endswith("/annual-dsg-decision") for notice in trail.notices)

    await _until(warned)
    return {}


async def _co_author_listed(rec: Recording, reference: str) -> Mapping[str, str]:
    """The author names a co-author, who submits the draft and lists an option."""
    draft = middlesbrough_draft(reference).model_copy(
        update={"author_id": None, "co_author_ids": (CO_AUTHOR.user_id,)}
    )
    await rec.forum.create(draft, OFFICER)
    await rec.forum.submit(reference, SubmitDraft(), CO_AUTHOR)
    await rec.forum.submit(reference, AddOption(option=CENTRALLY_RETAINED), CO_AUTHOR)
    return {}


async def _meeting_cancelled_with_an_open_action(
    rec: Recording, reference: str
) -> Mapping[str, str]:
    """A meeting with no chair contact set is cancelled with an action open: the action is
    flagged to the chair."""
    start = await _meeting_in_40_days(rec)
    handle = await rec.meetings.schedule(start)
    action = AddAction(
        action_id="ehp-impact", request_ref=reference, description="Report", owner="Sean Hogg"
    )
    await rec.meetings.submit(start.meeting_id, action, CLERK)
    await rec.meetings.submit(start.meeting_id, CancelMeeting(reason="No business"), CHAIR)
    await handle.result()
    return {"cancelled__action_told_the_chair": start.meeting_id}


async def _sent_back_by_a_cancellation(rec: Recording, reference: str) -> Mapping[str, str]:
    """Tabled by naming the meeting, so it is on that agenda; the meeting is cancelled and
    the request is back in option listing."""
    start = await _meeting_in_40_days(rec)
    handle = await rec.meetings.schedule(start)
    await draft_to_options(rec.forum, middlesbrough_draft(reference))
    await recommend(rec.forum, reference)
    await rec.forum.submit(reference, TableRequest(meeting_id=start.meeting_id), CHAIR)
    await rec.meetings.submit(start.meeting_id, CancelMeeting(reason="Not quorate"), CHAIR)
    await handle.result()

    async def back() -> bool:
        return (await rec.forum.state(reference)).meeting_id is None

    await _until(back)
    return {"cancelled__sent_its_requests_back": start.meeting_id}


async def _carried_to_the_next_meeting(rec: Recording, reference: str) -> Mapping[str, str]:
    """On the agenda of a meeting that closes before reaching it: carried to the next
    meeting, which it follows."""
    first = await _meeting_in_40_days(rec)
    second_at = first.starts_at + timedelta(weeks=8)
    second = first.model_copy(
        update={
            "meeting_id": f"meeting-{to_london(second_at).date().isoformat()}-"
            f"{uuid.uuid4().hex[:8]}",
            "starts_at": second_at,
            "previous_meeting_id": first.meeting_id,
        }
    )
    closing = await rec.meetings.schedule(first)
    await rec.meetings.schedule(second)
    await draft_to_options(rec.forum, middlesbrough_draft(reference))
    await recommend(rec.forum, reference)
    await rec.forum.submit(reference, TableRequest(meeting_id=first.meeting_id), CHAIR)
    present = tuple(m.member_id for m in MEMBERS[:8])
    await rec.meetings.submit(
        first.meeting_id, RecordMeetingAttendance(present_member_ids=present), CLERK
    )
    await rec.meetings.submit(first.meeting_id, OpenMeeting(), CHAIR)
    await rec.meetings.submit(
        first.meeting_id, CloseMeeting(next_meeting_id=second.meeting_id), CHAIR
    )
    await closing.result()

    async def carried() -> bool:
        return (await rec.forum.state(reference)).meeting_id == second.meeting_id

    await _until(carried)
    return {"closed__carried_its_requests_forward": first.meeting_id}


async def _owner_absent(rec: Recording, reference: str) -> Mapping[str, str]:
    """An action owned by a member, reminded 7 days before the papers deadline and on the
    day; the meeting opens with the owner absent and the chair is told at once."""
    start = await _meeting_in_40_days(rec)
    await rec.meetings.schedule(start)
    owner = MEMBERS[10]
    action = AddAction(
        action_id="report-back",
        request_ref=reference,
        description="Report on the funding source",
        owner=owner.name,
        owner_id=owner.member_id,
    )
    await rec.meetings.submit(start.meeting_id, action, CLERK)
    await rec.env.sleep(start.starts_at - timedelta(days=1) - await rec.env.get_current_time())
    present = tuple(m.member_id for m in MEMBERS[:8])
    await rec.meetings.submit(
        start.meeting_id, RecordMeetingAttendance(present_member_ids=present), CLERK
    )
    await rec.meetings.submit(start.meeting_id, OpenMeeting(), CHAIR)

    async def told() -> bool:
        state = await rec.meetings.state(start.meeting_id)
        return len([e for e in state.audit if e.transition == "notice_sent"]) >= 2

    await _until(told)
    return {"in_session__owner_absent_escalated": start.meeting_id}


async def _funding_confirmed(rec: Recording, reference: str) -> Mapping[str, str]:
    """Approved "pending the DSG allocation": spending starts, then the officer confirms
    the funding the minute agreed, before its date."""
    today = (await rec.env.get_current_time()).astimezone(LONDON).date()
    approved = await conditionally_approved(rec.forum, today + timedelta(days=60))
    await rec.forum.submit(
        approved, RecordSpending(started_on=today, description="Posts filled"), OFFICER
    )
    await rec.forum.submit(approved, confirmation(today), OFFICER)
    return {"evaluation__funding_confirmed": approved}


async def _recorded_after_the_event(rec: Recording, reference: str) -> Mapping[str, str]:
    """The meeting of 4 July 2018 entered after the event: the chair tables the request
    for it, the clerk orders and publishes the agenda, records who was present and one
    member's vote on their behalf; the vote is closed and the meeting too."""
    start = MeetingStart(
        meeting_id=f"meeting-2018-07-04-{uuid.uuid4().hex[:8]}",
        starts_at=datetime(2018, 7, 4, 10, 0, tzinfo=LONDON),
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
        recorded_after_the_event=True,
    )
    await rec.meetings.schedule(start)
    await draft_to_options(rec.forum, middlesbrough_draft(reference))
    await recommend(rec.forum, reference)
    await rec.forum.submit(reference, TableRequest(meeting_id=start.meeting_id), CHAIR)
    meeting = start.meeting_id
    await rec.meetings.submit(meeting, OrderItem(request_ref=reference, position=1), CLERK)
    await rec.meetings.submit(meeting, PublishAgenda(), CLERK)
    present = tuple(m.member_id for m in MEMBERS[:8])
    await rec.meetings.submit(meeting, RecordMeetingAttendance(present_member_ids=present), CLERK)
    await rec.meetings.submit(meeting, OpenMeeting(), CHAIR)
    await open_vote_with(rec.forum, reference, MEMBERS[:8])
    on_behalf = CastVote(choice=VoteChoice.for_, member_id=MEMBERS[0].member_id)
    await rec.forum.submit(reference, on_behalf, CLERK)
    await everyone_votes(rec.forum, reference, VoteChoice.for_, MEMBERS[1:8])
    await rec.forum.submit(reference, CloseVote(), CHAIR)
    await rec.meetings.submit(meeting, MarkItem(request_ref=reference, status="decided"), CLERK)
    await rec.meetings.submit(meeting, CloseMeeting(), CHAIR)
    return {
        "decided__vote_recorded_on_behalf": reference,
        "closed__recorded_after_the_event": meeting,
    }


CO_AUTHOR = Actor(user_id="gail.earl", name="Gail Earl", roles=frozenset({Role.officer}))

MADE: dict[str, Made] = {
    "drafting__procurement_warned": _procurement_warned,
    "tabled__meeting_moved": _meeting_moved,
    "decided__dedelegation_by_phase": _dedelegated_by_phase,
    "drafting__annual_decision_warned": _annual_decision_warned,
    "option_listing__co_author_listed": _co_author_listed,
    "cancelled__action_told_the_chair": _meeting_cancelled_with_an_open_action,
    "option_listing__left_the_cancelled_agenda": _sent_back_by_a_cancellation,
    "tabled__carried_to_the_next_meeting": _carried_to_the_next_meeting,
    "in_session__owner_absent_escalated": _owner_absent,
    "evaluation__funding_confirmed": _funding_confirmed,
    "closed__recorded_after_the_event": _recorded_after_the_event,
    "drafting__procurement_warned_on_a_kept_timer": _procurement_warned,
    "tabled__meeting_moved_replacing_the_alarm_timer": _meeting_moved,
}
"""Scenarios that set up their own request or meeting."""


async def _save(env: WorkflowEnvironment, name: str, workflow_id: str) -> None:
    if (HISTORY_DIR / f"{name}.json").exists():
        return
    # A query waits for the pending workflow task, so history is complete.
    await env.client.get_workflow_handle(workflow_id).query("__stack_trace")
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    (HISTORY_DIR / f"{name}.json").write_text(history.to_json())
    print(f"recorded {name}: {len(history.events)} events")


async def record() -> None:
    """Run each scenario and save its history."""
    env = await start_environment("time-skipping")
    HISTORY_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        register = DecisionRegister(f"sqlite:///{Path(scratch) / 'register.sqlite3'}")
        register.create_schema()
        deliveries = DeliveryLog(register.engine)
        deliveries.create_schema()
        directory = UserDirectory(f"sqlite:///{Path(scratch) / 'register.sqlite3'}")
        directory.create_schema()
        for user in first_users(Settings()):
            directory.add(user)
        deps = WorkerDependencies(register, NotificationActivities(None, deliveries, directory))
        async with env, build_worker(env.client, "histories", deps):
            forum = FundingRequests(env.client, "histories")
            for number, (name, (step, list_options)) in enumerate(SCENARIOS.items(), 1):
                if (HISTORY_DIR / f"{name}.json").exists():
                    continue
                draft = middlesbrough_draft(f"HIST-{number:02d}")
                handle = await forum.create(draft, OFFICER)
                if list_options:
                    await forum.submit(draft.reference, SubmitDraft(), OFFICER)
                    await forum.submit(
                        draft.reference, AddOption(option=CENTRALLY_RETAINED), OFFICER
                    )
                await step(forum, draft.reference)
                # A query waits for the pending workflow task, so history is complete.
                await forum.state(draft.reference)
                # The first run's history: for an extension it ends in continue-as-new.
                history = await env.client.get_workflow_handle(
                    draft.reference, run_id=handle.result_run_id
                ).fetch_history()
                (HISTORY_DIR / f"{name}.json").write_text(history.to_json())
                print(f"recorded {name}: {len(history.events)} events")
            recording = Recording(env, forum, ForumMeetings(env.client, "histories"))
            for number, (name, made) in enumerate(MADE.items(), len(SCENARIOS) + 1):
                if (HISTORY_DIR / f"{name}.json").exists():
                    continue
                reference = f"HIST-{number:02d}"
                also = dict(await made(recording, reference))
                await _save(env, name, also.pop(name, reference))
                for other_name, workflow_id in also.items():
                    await _save(env, other_name, workflow_id)
        register.close()
        directory.close()


if __name__ == "__main__":
    asyncio.run(record())
