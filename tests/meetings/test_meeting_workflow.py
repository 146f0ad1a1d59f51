"""The meeting workflow on real Temporal servers: timers, quorum, carrying forward, roles.

Meetings are scheduled relative to the server's own clock (the time-skipping server's
clock runs ahead of the wall clock once a test has skipped time). Tests that cross
days of time do so only where the server can skip it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from clients.meetings import ForumMeetings, MeetingAlreadyExists
from clients.records import TransitionRefused
from contracts import names
from contracts.meeting import MeetingStart
from domain.calendar import LONDON, at_close_of_business, papers_deadline, to_london
from domain.forum import ForumSettings
from domain.meeting.commands import (
    AddAction,
    AddItem,
    CancelMeeting,
    CloseMeeting,
    CompleteAction,
    ConfirmPreviousMinutes,
    MarkItem,
    MeetingCommand,
    MeetingTransition,
    MoveMeeting,
    OpenMeeting,
    OrderItem,
    PublishAgenda,
    RecordMeetingAttendance,
    RemoveItem,
)
from domain.meeting.lifecycle import PERMISSIONS
from domain.meeting.models import AgendaItem, CarriedIn, MeetingAction, MeetingStage, MeetingState
from domain.notices import NoticeKind
from domain.people import Role
from tests.lifecycle.drive import history_length
from tests.meetings import (
    CHAIR,
    CHAIR_CONTACT,
    CLERK,
    MEMBERSHIP,
    OFFICER,
    SETTINGS,
    actor_without,
    quorum_ids,
    ten_am,
)
from tests.meetings.conftest import NoticeOutbox
from workflows.meeting import MeetingWorkflow

# Crosses papers deadlines and meeting days: needs a clock nothing else has stalled.
pytestmark = pytest.mark.own_clock

T = TypeVar("T")


def start_of(
    starts_at: datetime,
    *,
    previous: str | None = None,
    settings: ForumSettings = SETTINGS,
    carried_items: tuple[AgendaItem, ...] = (),
    carried_actions: tuple[MeetingAction, ...] = (),
) -> MeetingStart:
    """A meeting of the scenario's forum, with an id no other test uses."""
    day = to_london(starts_at).date()
    return MeetingStart(
        meeting_id=f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}",
        starts_at=starts_at,
        location="Town Hall, Middlesbrough",
        membership=MEMBERSHIP,
        settings=settings,
        previous_meeting_id=previous,
        carried_items=carried_items,
        carried_actions=carried_actions,
    )


async def schedule(meetings: ForumMeetings, starts_at: datetime, **kwargs: object) -> str:
    start = start_of(starts_at, **kwargs)  # type: ignore[arg-type]
    await meetings.schedule(start)
    return start.meeting_id


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 15.0
) -> T:
    """Ask ``probe`` until ``done`` holds (the worker may not have caught up yet)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + seconds
    while True:
        value = await probe()
        if done(value) or loop.time() > give_up:
            return value
        await asyncio.sleep(0.1)


async def open_with_quorum(meetings: ForumMeetings, meeting_id: str) -> None:
    await meetings.submit(
        meeting_id, RecordMeetingAttendance(present_member_ids=quorum_ids()), CLERK
    )
    await meetings.submit(meeting_id, OpenMeeting(), CHAIR)


async def test_items_after_the_papers_deadline_need_a_late_reason(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """Before the deadline an item goes on as usual; after it, only as a late item."""
    now = await env.get_current_time()
    far = await schedule(meetings, ten_am(60, now))
    early = await meetings.submit(far, AddItem(request_ref="SMF-EARLY", title="On time"), CHAIR)
    # Three days out, the papers deadline (six working days before) has passed.
    soon = await schedule(meetings, ten_am(3, now))
    agenda = await eventually(lambda: meetings.agenda(soon), lambda a: a.papers_closed)
    assert agenda.papers_closed
    handle = meetings.handle(soon)
    before = await history_length(handle)

    with pytest.raises(TransitionRefused) as refused:
        await meetings.submit(soon, AddItem(request_ref="SMF-LATE", title="Late"), CHAIR)
    assert refused.value.kind == "PapersDeadlinePassed"
    assert refused.value.rule == "agenda-papers-deadline-passed"
    assert await history_length(handle) == before

    reason = "Urgent: the posts end before the next meeting"
    late = await meetings.submit(
        soon, AddItem(request_ref="SMF-LATE", title="Late", late_reason=reason), CHAIR
    )
    (item,) = (await meetings.state(soon)).agenda
    assert early.audit_entry.summary.endswith("to the agenda.")
    assert (item.late, item.late_reason) == (True, reason)
    assert late.audit_entry.reason == reason
    assert late.audit_entry.role is not None


async def test_moving_a_meeting_moves_its_timers(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """The papers close at the moved meeting's deadline, not the original one."""
    now = await env.get_current_time()
    original = ten_am(30, now)
    meeting_id = await schedule(meetings, original)
    old_close = (await meetings.state(meeting_id)).papers_close_at
    moved_to = original + timedelta(weeks=2)
    await meetings.submit(
        meeting_id, MoveMeeting(new_starts_at=moved_to, reason="Room unavailable"), CHAIR
    )
    moved = await meetings.state(meeting_id)
    new_close = moved.papers_close_at
    assert moved.starts_at == moved_to
    assert moved.moved_from == (original,)
    assert new_close == at_close_of_business(papers_deadline(to_london(moved_to).date()))
    assert new_close > old_close + timedelta(days=2)
    assert (await meetings.agenda(meeting_id)).papers_deadline == moved.papers_deadline

    if env.supports_time_skipping:
        await env.sleep(old_close + timedelta(hours=1) - await env.get_current_time())
        past_old = await meetings.state(meeting_id)
        assert past_old.papers_closed_at is None
        assert all(e.transition != "close_papers" for e in past_old.audit)
        await env.sleep(new_close + timedelta(hours=1) - await env.get_current_time())
        past_new = await eventually(
            lambda: meetings.state(meeting_id), lambda s: s.papers_closed_at is not None
        )
        assert past_new.papers_closed_at == new_close
        (closing,) = [e for e in past_new.audit if e.transition == "close_papers"]
        assert new_close <= closing.at < new_close + timedelta(hours=1)
        assert past_new.stage is MeetingStage.scheduled

    await meetings.submit(meeting_id, CancelMeeting(reason="Test over"), CHAIR)
    outcome = await meetings.handle(meeting_id).result()
    assert outcome.stage is MeetingStage.cancelled


async def test_a_meeting_not_opened_on_its_day_is_not_held(
    env: WorkflowEnvironment, meetings: ForumMeetings, outbox: NoticeOutbox
) -> None:
    """A meeting whose day has ended unopened is recorded as not held; nothing was reached."""
    now = await env.get_current_time()
    previous = f"meeting-{uuid.uuid4().hex[:8]}"
    item = AgendaItem(request_ref="SMF-CARRIED", title="Carried", tabled_at=now)
    start = start_of(ten_am(-1, now), previous=previous, carried_items=(item,))
    handle = await meetings.schedule(start)
    outcome = await handle.result()
    state = await meetings.state(start.meeting_id)
    assert (outcome.stage, outcome.held, outcome.carried_forward) == (
        MeetingStage.closed,
        False,
        False,
    )
    assert [(i.request_ref, i.status, i.carried_from) for i in state.agenda] == [
        ("SMF-CARRIED", "not_reached", previous)
    ]
    assert [e.transition for e in state.audit] == [
        "schedule",
        "carry_in",
        "close_papers",
        "not_held",
    ]
    assert outbox.notices == []


async def test_the_clock_records_a_meeting_not_held_at_the_end_of_its_day(
    env: WorkflowEnvironment, meetings: ForumMeetings, outbox: NoticeOutbox
) -> None:
    """With time skipped past the meeting day, an unopened meeting ends as not held."""
    if not env.supports_time_skipping:
        pytest.skip("needs the time-skipping server to cross a day")
    start = start_of(ten_am(2, await env.get_current_time()))
    meeting_id = start.meeting_id
    # The handle from starting the workflow is the one whose result() skips time.
    handle = await meetings.schedule(start)
    await meetings.submit(
        meeting_id, AddItem(request_ref="SMF-A", title="A", late_reason="Urgent"), CHAIR
    )
    await meetings.submit(
        meeting_id,
        AddAction(action_id="A1", request_ref="SMF-A", description="Report", owner="Sean"),
        CLERK,
    )
    outcome = await handle.result()
    state = await meetings.state(meeting_id)
    assert (outcome.stage, outcome.held) == (MeetingStage.closed, False)
    assert state.agenda[0].status == "not_reached"
    assert state.ended_at is not None
    assert state.ended_at >= state.not_held_after
    (notice,) = outbox.notices
    assert notice.kind is NoticeKind.action_carried_forward
    assert notice.meeting_date is None


async def test_an_inquorate_meeting_cannot_open(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """Seven of twenty present is below the quorum of eight: refused, and nothing written."""
    meeting_id = await schedule(meetings, ten_am(30, await env.get_current_time()))
    await meetings.submit(
        meeting_id, RecordMeetingAttendance(present_member_ids=quorum_ids(7)), CLERK
    )
    handle = meetings.handle(meeting_id)
    before = await history_length(handle)
    with pytest.raises(TransitionRefused) as refused:
        await meetings.submit(meeting_id, OpenMeeting(), CHAIR)
    assert refused.value.kind == "InquorateMeeting"
    assert "quorum is 8" in refused.value.message
    assert await history_length(handle) == before
    assert (await meetings.state(meeting_id)).stage is MeetingStage.scheduled
    await open_with_quorum(meetings, meeting_id)
    assert (await meetings.state(meeting_id)).stage is MeetingStage.in_session
    await meetings.submit(meeting_id, CloseMeeting(), CHAIR)
    assert (await handle.result()).held is True


async def test_closing_carries_business_forward_and_flags_actions_to_the_chair(
    env: WorkflowEnvironment, meetings: ForumMeetings, outbox: NoticeOutbox
) -> None:
    """Items not reached and open actions go to the next meeting; the chair hears of the action."""
    now = await env.get_current_time()
    first = await schedule(meetings, ten_am(30, now))
    second_start = start_of(ten_am(90, now), previous=first)
    second = second_start.meeting_id
    await meetings.schedule(second_start)
    for ref in ("SMF-DONE", "SMF-LATER"):
        await meetings.submit(first, AddItem(request_ref=ref, title=f"Request {ref}"), CHAIR)
    for action_id in ("A1", "A2"):
        await meetings.submit(
            first,
            AddAction(
                action_id=action_id,
                request_ref="SMF-DONE",
                description=f"Present the evaluation ({action_id})",
                owner="Sean Hogg",
            ),
            CLERK,
        )
    await meetings.submit(first, CompleteAction(action_id="A2"), OFFICER)
    await open_with_quorum(meetings, first)
    with pytest.raises(TransitionRefused) as no_previous:
        await meetings.submit(first, ConfirmPreviousMinutes(), CHAIR)
    assert no_previous.value.kind == "NoPreviousMeeting"
    await meetings.submit(first, MarkItem(request_ref="SMF-DONE", status="decided"), CLERK)
    await meetings.submit(first, CloseMeeting(next_meeting_id=second), CHAIR)
    outcome = await meetings.handle(first).result()
    # The finished history replays on the current code without nondeterminism.
    replayer = Replayer(workflows=[MeetingWorkflow], data_converter=env.client.data_converter)
    await replayer.replay_workflow(await meetings.handle(first).fetch_history())

    closed = await meetings.state(first)
    assert outcome.carried_forward is True
    assert [(i.request_ref, i.status) for i in closed.agenda] == [
        ("SMF-DONE", "decided"),
        ("SMF-LATER", "not_reached"),
    ]
    assert closed.action("A1").carried_to == second  # type: ignore[union-attr]
    (notice,) = outbox.notices
    assert notice.kind is NoticeKind.action_carried_forward
    assert CHAIR_CONTACT.email in [r.email for r in notice.recipients]
    assert notice.meeting_date == to_london(second_start.starts_at).date()
    assert outcome.notice_keys == (notice.idempotency_key,)
    assert [e.transition for e in closed.audit][-4:] == [
        "close_meeting",
        "flag_action",
        "notice_sent",
        "carry_forward",
    ]

    after = await eventually(lambda: meetings.state(second), lambda s: bool(s.agenda))
    assert [(i.request_ref, i.status, i.carried_from) for i in after.agenda] == [
        ("SMF-LATER", "pending", first)
    ]
    (carried,) = after.actions
    assert (carried.action_id, carried.due_meeting_id, carried.carried_from) == (
        "A1",
        second,
        (first,),
    )
    # Carrying the same business again changes nothing.
    again = CarriedIn(from_meeting_id=first, items=closed.agenda[1:], actions=closed.actions[:1])
    await meetings.handle(second).signal(names.CARRY_IN_SIGNAL, again)
    assert (await meetings.state(second)).agenda == after.agenda

    await open_with_quorum(meetings, second)
    confirmed = await meetings.submit(second, ConfirmPreviousMinutes(), CHAIR)
    assert first in confirmed.audit_entry.summary
    state = await meetings.state(second)
    assert state.previous_minutes_confirmed_at is not None
    with pytest.raises(TransitionRefused) as twice:
        await meetings.submit(second, ConfirmPreviousMinutes(), CHAIR)
    assert twice.value.kind == "PreviousMinutesAlreadyConfirmed"
    await meetings.submit(second, CompleteAction(action_id="A1"), CLERK)
    await meetings.submit(second, MarkItem(request_ref="SMF-LATER", status="decided"), CLERK)
    await meetings.submit(second, CloseMeeting(), CHAIR)
    final = await meetings.handle(second).result()
    assert (final.carried_forward, final.notice_keys) == (False, ())
    assert len(outbox.notices) == 1


async def test_without_a_chair_contact_or_a_next_meeting_the_record_says_so(
    env: WorkflowEnvironment, meetings: ForumMeetings, outbox: NoticeOutbox
) -> None:
    """No chair contact: the notice goes to the chair's office and the flag is audited; a
    missing next meeting is noted."""
    now = await env.get_current_time()
    meeting_id = await schedule(meetings, ten_am(30, now), settings=ForumSettings())
    await meetings.submit(meeting_id, AddItem(request_ref="SMF-A", title="A"), CHAIR)
    await meetings.submit(
        meeting_id,
        AddAction(action_id="A1", request_ref="SMF-A", description="Report", owner="Sean"),
        CLERK,
    )
    await open_with_quorum(meetings, meeting_id)
    missing = f"meeting-{uuid.uuid4().hex[:8]}"
    await meetings.submit(meeting_id, CloseMeeting(next_meeting_id=missing), CHAIR)
    outcome = await meetings.handle(meeting_id).result()
    state = await meetings.state(meeting_id)
    (notice,) = outbox.notices
    assert (outcome.carried_forward, outcome.notice_keys) == (False, (notice.idempotency_key,))
    assert [(r.role, r.email) for r in notice.recipients] == [(Role.chair, None)]
    (flag,) = [e for e in state.audit if e.transition == "flag_action"]
    assert "flagged to the chair" in flag.summary
    (failed,) = [e for e in state.audit if e.transition == "carry_forward_failed"]
    assert missing in failed.summary
    assert "never scheduled" in failed.summary


SAMPLE_COMMANDS: dict[MeetingTransition, MeetingCommand] = {
    MeetingTransition.add_item: AddItem(request_ref="SMF-NEW", title="New"),
    MeetingTransition.remove_item: RemoveItem(request_ref="SMF-A", reason="withdrawn"),
    MeetingTransition.move_meeting: MoveMeeting(
        new_starts_at=datetime(2059, 1, 6, 10, 0, tzinfo=LONDON), reason="room"
    ),
    MeetingTransition.record_attendance: RecordMeetingAttendance(present_member_ids=()),
    MeetingTransition.open_meeting: OpenMeeting(),
    MeetingTransition.mark_item: MarkItem(request_ref="SMF-A", status="decided"),
    MeetingTransition.add_action: AddAction(
        action_id="A9", request_ref="SMF-A", description="Report", owner="Sean"
    ),
    MeetingTransition.complete_action: CompleteAction(action_id="A9"),
    MeetingTransition.confirm_previous_minutes: ConfirmPreviousMinutes(),
    MeetingTransition.close_meeting: CloseMeeting(),
    MeetingTransition.cancel_meeting: CancelMeeting(reason="no business"),
    MeetingTransition.order_item: OrderItem(request_ref="SMF-A", position=1),
    MeetingTransition.publish_agenda: PublishAgenda(),
}


async def test_wrong_role_is_refused_at_every_meeting_transition(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """Each transition, asked for by someone with every role but the ones it needs, is refused."""
    assert set(SAMPLE_COMMANDS) == set(MeetingTransition)
    meeting_id = await schedule(meetings, ten_am(30, await env.get_current_time()))
    handle = meetings.handle(meeting_id)
    before = await history_length(handle)
    refusals: dict[MeetingTransition, str] = {}
    for transition, command in SAMPLE_COMMANDS.items():
        needed = PERMISSIONS[transition]
        with pytest.raises(TransitionRefused) as refused:
            await meetings.submit(meeting_id, command, actor_without(needed))
        refusals[transition] = refused.value.kind
        assert refused.value.field == "actor.roles"
    assert set(refusals) == set(MeetingTransition)
    assert set(refusals.values()) == {"RoleNotPermitted"}
    assert await history_length(handle) == before
    state: MeetingState = await meetings.state(meeting_id)
    assert [e.transition for e in state.audit] == ["schedule"]


async def test_a_meeting_id_is_scheduled_once(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """Scheduling a second meeting under an id already used is refused, naming the id."""
    start = start_of(ten_am(30, await env.get_current_time()))
    await meetings.schedule(start)
    with pytest.raises(MeetingAlreadyExists, match=start.meeting_id):
        await meetings.schedule(start)


async def test_unknown_and_mismatched_updates_are_refused(
    env: WorkflowEnvironment, meetings: ForumMeetings
) -> None:
    """An update name that is no transition, or a command of another kind, writes nothing."""
    meeting_id = await schedule(meetings, ten_am(30, await env.get_current_time()))
    handle = meetings.handle(meeting_id)
    before = await history_length(handle)
    body = {"actor": CHAIR.model_dump(mode="json"), "command": {"kind": "open_meeting"}}
    for name, expected in (("adjourn", "UnknownTransition"), ("close_meeting", "InvalidCommand")):
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await handle.execute_update(name, body)
        assert isinstance(raised.value.cause, ApplicationError)
        assert raised.value.cause.type == expected
    malformed = {"actor": CHAIR.model_dump(mode="json"), "command": {"kind": "add_item"}}
    with pytest.raises(WorkflowUpdateFailedError) as invalid:
        await handle.execute_update("add_item", malformed)
    assert isinstance(invalid.value.cause, ApplicationError)
    assert "command.add_item.request_ref" in invalid.value.cause.message
    assert await history_length(handle) == before
