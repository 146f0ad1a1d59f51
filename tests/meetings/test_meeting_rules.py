"""The meeting's rules as pure code (domain/meeting/): no server, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from contracts.meeting import MeetingStart
from domain.calendar import LONDON
from domain.errors import (
    InquorateMeeting,
    NotAMember,
    RoleNotPermitted,
    RuleViolation,
    TransitionNotAllowedInStage,
)
from domain.forum import ForumSettings
from domain.meeting.carry import (
    carried_forward_notices,
    carry_forward_of,
    carry_in,
    follow_move_of,
    follow_report_summary,
)
from domain.meeting.clock import next_clock_instant, on_clock
from domain.meeting.commands import (
    COMMAND_TRANSITION,
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
from domain.meeting.errors import (
    ActionAlreadyDone,
    AgendaPositionInvalid,
    DuplicateAgendaItem,
    DuplicateMeetingAction,
    MeetingMovedIntoPast,
    MeetingTimeUnchanged,
    NextMeetingInvalid,
    NoPreviousMeeting,
    PapersDeadlinePassed,
    PreviousMinutesAlreadyConfirmed,
    UnknownAgendaItem,
    UnknownMeetingAction,
)
from domain.meeting.lifecycle import (
    FROM_STAGES,
    PERMISSIONS,
    agenda_of,
    allowed_transitions,
    apply,
    new_meeting,
)
from domain.meeting.models import (
    AgendaItem,
    CarriedIn,
    FollowOutcome,
    FollowReport,
    MeetingAction,
    MeetingStage,
    MeetingState,
)
from domain.meeting.rules import items_to_carry, open_actions_due
from domain.notices import NoticeKind
from domain.people import Actor, Member, MemberGroup, Membership, Role
from tests.meetings import (
    CHAIR,
    CHAIR_CONTACT,
    CLERK,
    MEMBERSHIP,
    OFFICER,
    SETTINGS,
    actor_without,
    meeting_at,
    quorum_ids,
)

# Thursday 4 April 2024, after Easter: Good Friday (29 March) and Easter Monday
# (1 April) are bank holidays, so five clear working days back from the Thursday
# reach Tuesday 26 March, and the papers must be out on Monday 25 March.
EASTER_MEETING = datetime(2024, 4, 4, 10, 0, tzinfo=LONDON)
PAPERS_DAY = date(2024, 3, 25)
PAPERS_CLOSE = datetime(2024, 3, 25, 17, 0, tzinfo=LONDON)
EARLY = datetime(2024, 3, 1, 9, 0, tzinfo=LONDON)
ON_THE_DAY = datetime(2024, 4, 4, 10, 5, tzinfo=LONDON)
NEXT_ID = "meeting-2024-06-13"


def scheduled(**kwargs: object) -> MeetingState:
    return meeting_at(EASTER_MEETING, EARLY, **kwargs)  # type: ignore[arg-type]


def run(state: MeetingState, *steps: tuple[MeetingCommand, Actor], now: datetime) -> MeetingState:
    for command, actor in steps:
        state = apply(state, command, actor, now)
    return state


def with_items(*refs: str, now: datetime = EARLY) -> MeetingState:
    return run(
        scheduled(previous_meeting_id="meeting-2024-02-01"),
        *((AddItem(request_ref=ref, title=f"Request {ref}"), CHAIR) for ref in refs),
        now=now,
    )


def in_session(state: MeetingState) -> MeetingState:
    return run(
        state,
        (RecordMeetingAttendance(present_member_ids=quorum_ids()), CLERK),
        (OpenMeeting(), CHAIR),
        now=ON_THE_DAY,
    )


SAMPLE_COMMANDS: dict[MeetingTransition, MeetingCommand] = {
    MeetingTransition.add_item: AddItem(request_ref="SMF-NEW", title="New request"),
    MeetingTransition.remove_item: RemoveItem(request_ref="SMF-A", reason="withdrawn"),
    MeetingTransition.move_meeting: MoveMeeting(
        new_starts_at=EASTER_MEETING + timedelta(days=7), reason="room unavailable"
    ),
    MeetingTransition.record_attendance: RecordMeetingAttendance(present_member_ids=()),
    MeetingTransition.open_meeting: OpenMeeting(),
    MeetingTransition.mark_item: MarkItem(request_ref="SMF-A", status="decided"),
    MeetingTransition.add_action: AddAction(
        action_id="A9", request_ref="SMF-A", description="Report back", owner="Sean Hogg"
    ),
    MeetingTransition.complete_action: CompleteAction(action_id="A9"),
    MeetingTransition.confirm_previous_minutes: ConfirmPreviousMinutes(),
    MeetingTransition.close_meeting: CloseMeeting(),
    MeetingTransition.cancel_meeting: CancelMeeting(reason="no business"),
    MeetingTransition.order_item: OrderItem(request_ref="SMF-A", position=1),
    MeetingTransition.publish_agenda: PublishAgenda(),
}


def test_every_transition_has_a_sample_command_and_rule() -> None:
    assert set(SAMPLE_COMMANDS) == set(MeetingTransition) == set(PERMISSIONS) == set(FROM_STAGES)
    assert all(COMMAND_TRANSITION[type(c)] is t for t, c in SAMPLE_COMMANDS.items())
    assert all(c.kind == t.value for t, c in SAMPLE_COMMANDS.items())  # type: ignore[attr-defined]


# --- the papers deadline -------------------------------------------------------------


def test_papers_deadline_around_easter_2024() -> None:
    """A Thursday 4 April 2024 meeting needs its papers by 5pm on Monday 25 March 2024."""
    state = scheduled()
    assert state.meeting_day == date(2024, 4, 4)
    assert state.papers_deadline == PAPERS_DAY
    assert state.papers_close_at == PAPERS_CLOSE
    assert agenda_of(state).papers_deadline == PAPERS_DAY


def test_papers_deadline_follows_the_clear_working_days_setting() -> None:
    state = scheduled(settings=ForumSettings(papers_clear_working_days=3))
    assert state.papers_deadline == date(2024, 3, 27)


def test_an_item_before_the_deadline_is_not_late() -> None:
    state = apply(
        scheduled(),
        AddItem(request_ref="SMF-A", title="Early help"),
        CHAIR,
        PAPERS_CLOSE - timedelta(minutes=1),
    )
    (item,) = state.agenda
    assert (item.late, item.late_reason, item.status) == (False, None, "pending")
    assert item.tabled_at == PAPERS_CLOSE - timedelta(minutes=1)
    assert state.audit[-1].transition == "add_item"


def test_an_item_after_the_deadline_needs_the_chairs_reason() -> None:
    with pytest.raises(PapersDeadlinePassed, match="25 March 2024") as refused:
        apply(scheduled(), AddItem(request_ref="SMF-A", title="Early help"), CHAIR, PAPERS_CLOSE)
    assert refused.value.rule == "agenda-papers-deadline-passed"
    assert refused.value.field == "late_reason"


def test_a_late_item_with_a_reason_is_recorded_as_late() -> None:
    state = apply(
        scheduled(),
        AddItem(request_ref="SMF-A", title="Early help", late_reason="Urgent: posts end in May"),
        CHAIR,
        PAPERS_CLOSE + timedelta(days=2),
    )
    (item,) = state.agenda
    assert item.late is True
    assert item.late_reason == "Urgent: posts end in May"
    assert state.audit[-1].reason == "Urgent: posts end in May"
    assert "late item" in state.audit[-1].summary


def test_an_item_moves_to_the_place_given() -> None:
    """Ordering puts the item at the position given and keeps the others in their order."""
    state = with_items("SMF-A", "SMF-B", "SMF-C")
    state = apply(state, OrderItem(request_ref="SMF-C", position=1), CLERK, EARLY)
    assert [i.request_ref for i in state.agenda] == ["SMF-C", "SMF-A", "SMF-B"]
    state = apply(state, OrderItem(request_ref="SMF-C", position=3), CHAIR, EARLY)
    assert [i.request_ref for i in state.agenda] == ["SMF-A", "SMF-B", "SMF-C"]
    assert state.audit[-1].summary == "Moved SMF-C to item 3 of the agenda."


def test_an_item_cannot_move_past_the_end_of_the_agenda() -> None:
    """A position beyond the last item is refused naming position; an unknown item too."""
    state = with_items("SMF-A", "SMF-B")
    with pytest.raises(AgendaPositionInvalid, match="has 2 items") as refused:
        apply(state, OrderItem(request_ref="SMF-A", position=3), CLERK, EARLY)
    assert refused.value.field == "position"
    with pytest.raises(UnknownAgendaItem):
        apply(state, OrderItem(request_ref="SMF-Z", position=1), CLERK, EARLY)
    with pytest.raises(ValidationError, match="position"):
        OrderItem(request_ref="SMF-A", position=0)


def test_publishing_records_when_the_agenda_went_out() -> None:
    """The agenda's publication time is on the record, and a second publication is noted
    as such; a member cannot publish."""
    state = with_items("SMF-A")
    assert agenda_of(state).published_at is None
    published = apply(state, PublishAgenda(), CLERK, EARLY)
    assert published.published_at == EARLY
    assert agenda_of(published).published_at == EARLY
    again = apply(published, PublishAgenda(), CLERK, EARLY + timedelta(hours=2))
    assert again.published_at == EARLY + timedelta(hours=2)
    assert again.audit[-1].summary == "Published the agenda and papers again: 1 items."
    with pytest.raises(RoleNotPermitted):
        apply(state, PublishAgenda(), actor_without(frozenset({Role.clerk, Role.chair})), EARLY)


def test_a_meeting_entered_after_the_event_is_left_alone_by_the_clock() -> None:
    """A past meeting entered into the record is neither closed for papers nor recorded
    as not held, and an item added years later is not late."""
    years_later = datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)
    state = new_meeting(
        "meeting-2024-04-04",
        EASTER_MEETING,
        "Town Hall",
        MEMBERSHIP,
        SETTINGS,
        None,
        years_later,
        recorded_after_the_event=True,
    )
    assert "after the event" in state.audit[0].summary
    assert next_clock_instant(state) is None
    assert on_clock(state, years_later) == state
    added = apply(state, AddItem(request_ref="SMF-A", title="Early help"), CHAIR, years_later)
    assert added.agenda[0].late is False
    ordinary = meeting_at(EASTER_MEETING, EARLY)
    assert on_clock(ordinary, years_later).stage is MeetingStage.closed


def test_a_request_is_on_the_agenda_once() -> None:
    state = with_items("SMF-A")
    with pytest.raises(DuplicateAgendaItem):
        apply(state, AddItem(request_ref="SMF-A", title="Again"), CHAIR, EARLY)


def test_removing_an_item_needs_it_on_the_agenda() -> None:
    state = with_items("SMF-A", "SMF-B")
    removed = apply(state, RemoveItem(request_ref="SMF-A", reason="withdrawn"), CHAIR, EARLY)
    assert [i.request_ref for i in removed.agenda] == ["SMF-B"]
    assert removed.audit[-1].reason == "withdrawn"
    with pytest.raises(UnknownAgendaItem):
        apply(removed, RemoveItem(request_ref="SMF-A", reason="again"), CHAIR, EARLY)


# --- moving the meeting --------------------------------------------------------------


def test_moving_the_meeting_moves_the_papers_deadline() -> None:
    later = EASTER_MEETING + timedelta(weeks=2)
    moved = apply(scheduled(), MoveMeeting(new_starts_at=later, reason="room"), CHAIR, EARLY)
    assert moved.starts_at == later
    assert moved.moved_from == (EASTER_MEETING,)
    assert moved.papers_deadline == date(2024, 4, 10)
    assert next_clock_instant(moved) == datetime(2024, 4, 10, 17, 0, tzinfo=LONDON)


def test_moving_later_reopens_closed_papers() -> None:
    closed = on_clock(scheduled(), PAPERS_CLOSE)
    assert closed.papers_closed_at == PAPERS_CLOSE
    moved = apply(
        closed,
        MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(weeks=4), reason="room"),
        CHAIR,
        PAPERS_CLOSE + timedelta(hours=1),
    )
    assert moved.papers_closed_at is None
    assert agenda_of(moved).papers_closed is False


def test_a_move_must_be_to_a_new_time_that_has_not_passed() -> None:
    state = scheduled()
    with pytest.raises(MeetingMovedIntoPast):
        apply(state, MoveMeeting(new_starts_at=EARLY, reason="oops"), CHAIR, EARLY)
    with pytest.raises(MeetingTimeUnchanged):
        apply(state, MoveMeeting(new_starts_at=EASTER_MEETING, reason="x"), CHAIR, EARLY)


def test_a_move_needs_an_aware_time() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        MoveMeeting(new_starts_at=datetime(2024, 4, 11, 10, 0), reason="naive")  # noqa: DTZ001


def test_only_a_scheduled_meeting_moves() -> None:
    with pytest.raises(TransitionNotAllowedInStage):
        apply(
            in_session(with_items("SMF-A")),
            MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(days=7), reason="x"),
            CHAIR,
            ON_THE_DAY,
        )


def test_a_move_to_another_day_is_passed_on_to_the_pending_items() -> None:
    """Each pending item's request is asked to follow, with a key fixed by move and request."""
    state = run(
        with_items("SMF-A", "SMF-B"),
        (RemoveItem(request_ref="SMF-B", reason="withdrawn"), CHAIR),
        (AddItem(request_ref="SMF-C", title="Request SMF-C"), CHAIR),
        now=EARLY,
    )
    command = MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(weeks=2), reason="room")
    moved = apply(state, command, CHAIR, EARLY)
    move = follow_move_of(state, moved, command, CHAIR)
    assert move is not None
    assert (move.from_day, move.to_day, move.reason, move.actor) == (
        date(2024, 4, 4),
        date(2024, 4, 18),
        "room",
        CHAIR,
    )
    assert move.request_refs == ("SMF-A", "SMF-C")
    assert move.idempotency_key("SMF-A") == "meeting-2024-04-04/move/1/SMF-A"
    again = MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(weeks=3), reason="room")
    second = follow_move_of(moved, apply(moved, again, CHAIR, EARLY), again, CHAIR)
    assert second is not None
    assert second.idempotency_key("SMF-A") == "meeting-2024-04-04/move/2/SMF-A"


def test_a_move_within_the_day_or_with_nothing_pending_is_not_passed_on() -> None:
    """Moving the start time on the same day, or an empty agenda, asks no request to follow."""
    state = with_items("SMF-A")
    same_day = MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(hours=4), reason="later")
    assert follow_move_of(state, apply(state, same_day, CHAIR, EARLY), same_day, CHAIR) is None
    empty = scheduled()
    other_day = MoveMeeting(new_starts_at=EASTER_MEETING + timedelta(days=7), reason="room")
    assert follow_move_of(empty, apply(empty, other_day, CHAIR, EARLY), other_day, CHAIR) is None


def test_the_follow_report_names_who_followed_and_why_others_did_not() -> None:
    """The meeting's audit note lists the requests that moved and the reasons of the rest."""
    report = FollowReport(
        outcomes=(
            FollowOutcome(request_ref="SMF-A", followed=True, detail="Moved."),
            FollowOutcome(request_ref="SMF-B", followed=False, detail="it is withdrawn"),
        )
    )
    assert follow_report_summary(report) == (
        "Moved with the meeting: SMF-A. Did not follow: SMF-B (it is withdrawn)."
    )


# --- attendance and quorum -----------------------------------------------------------


def test_quorum_is_two_fifths_rounded_up() -> None:
    assert scheduled().quorum_required == 8
    one_more = Member(
        member_id="extra", name="Extra", group=MemberGroup.academy, email="x@forum.example.org"
    )
    bigger = MeetingState.model_validate(
        {**dict(scheduled()), "membership": Membership(members=(*MEMBERSHIP.members, one_more))}
    )
    assert bigger.quorum_required == 9


def test_opening_an_inquorate_meeting_is_refused() -> None:
    state = run(
        with_items("SMF-A"),
        (RecordMeetingAttendance(present_member_ids=quorum_ids(7)), CLERK),
        now=ON_THE_DAY,
    )
    with pytest.raises(InquorateMeeting, match="7 of 20") as refused:
        apply(state, OpenMeeting(), CHAIR, ON_THE_DAY)
    assert refused.value.rule == "meeting-inquorate"
    opened = in_session(state)
    assert opened.stage is MeetingStage.in_session
    assert opened.opened_at == ON_THE_DAY


def test_attendance_is_of_members_only() -> None:
    with pytest.raises(NotAMember, match="'stranger'"):
        apply(
            scheduled(),
            RecordMeetingAttendance(present_member_ids=("stranger",)),
            CLERK,
            EARLY,
        )
    with pytest.raises(ValidationError, match="more than once"):
        RecordMeetingAttendance(present_member_ids=("a", "a"))


# --- in session ----------------------------------------------------------------------


def test_items_are_marked_only_in_session() -> None:
    state = with_items("SMF-A")
    with pytest.raises(TransitionNotAllowedInStage):
        apply(state, MarkItem(request_ref="SMF-A", status="decided"), CLERK, EARLY)
    marked = apply(
        in_session(state), MarkItem(request_ref="SMF-A", status="deferred"), CLERK, ON_THE_DAY
    )
    assert marked.agenda[0].status == "deferred"
    with pytest.raises(UnknownAgendaItem):
        apply(marked, MarkItem(request_ref="SMF-Z", status="decided"), CLERK, ON_THE_DAY)


def test_actions_are_logged_once_and_completed_once() -> None:
    add = AddAction(
        action_id="A1",
        request_ref="SMF-A",
        description="Present the evaluation",
        owner="Sean Hogg",
        carried_from=("meeting-2024-02-01",),
    )
    state = apply(scheduled(), add, CLERK, EARLY)
    (action,) = state.actions
    assert action.due_meeting_id == state.meeting_id
    assert action.carried_from == ("meeting-2024-02-01",)
    with pytest.raises(DuplicateMeetingAction):
        apply(state, add, CLERK, EARLY)
    done = apply(state, CompleteAction(action_id="A1"), OFFICER, EARLY)
    assert done.actions[0].done is True
    assert open_actions_due(done) == ()
    with pytest.raises(ActionAlreadyDone):
        apply(done, CompleteAction(action_id="A1"), CLERK, EARLY)
    with pytest.raises(UnknownMeetingAction):
        apply(done, CompleteAction(action_id="A2"), CLERK, EARLY)


def test_previous_minutes_are_confirmed_once_and_need_a_previous_meeting() -> None:
    first = in_session(scheduled())
    with pytest.raises(NoPreviousMeeting):
        apply(first, ConfirmPreviousMinutes(), CHAIR, ON_THE_DAY)
    later = in_session(scheduled(previous_meeting_id="meeting-2024-02-01"))
    confirmed = apply(later, ConfirmPreviousMinutes(), CHAIR, ON_THE_DAY)
    assert confirmed.previous_minutes_confirmed_at == ON_THE_DAY
    assert "meeting-2024-02-01" in confirmed.audit[-1].summary
    with pytest.raises(PreviousMinutesAlreadyConfirmed):
        apply(confirmed, ConfirmPreviousMinutes(), CHAIR, ON_THE_DAY)


# --- closing and carrying forward ----------------------------------------------------


def _closed_with_open_action(**close: object) -> MeetingState:
    state = with_items("SMF-A", "SMF-B", "SMF-C")
    state = run(
        state,
        (
            AddAction(action_id="A1", request_ref="SMF-A", description="Report", owner="Sean"),
            CLERK,
        ),
        (AddAction(action_id="A2", request_ref="SMF-B", description="Cost it", owner="Ann"), CLERK),
        (CompleteAction(action_id="A2"), CLERK),
        now=EARLY,
    )
    state = in_session(state)
    return run(
        state,
        (MarkItem(request_ref="SMF-A", status="decided"), CLERK),
        (MarkItem(request_ref="SMF-B", status="withdrawn"), CLERK),
        (CloseMeeting(**close), CHAIR),  # type: ignore[arg-type]
        now=ON_THE_DAY,
    )


def test_closing_leaves_pending_items_not_reached_and_carries_them() -> None:
    closed = _closed_with_open_action(next_meeting_id=NEXT_ID)
    assert closed.stage is MeetingStage.closed
    assert [i.status for i in closed.agenda] == ["decided", "withdrawn", "not_reached"]
    assert [i.request_ref for i in items_to_carry(closed)] == ["SMF-C"]
    assert [a.action_id for a in open_actions_due(closed)] == ["A1"]
    assert closed.action("A1").carried_to == NEXT_ID  # type: ignore[union-attr]
    assert closed.next_meeting_date == date(2024, 6, 13)
    carry = carry_forward_of(closed)
    assert carry is not None
    assert carry.next_meeting_id == NEXT_ID
    assert [i.request_ref for i in carry.carried.items] == ["SMF-C"]
    assert [a.action_id for a in carry.carried.actions] == ["A1"]
    flags = [e for e in closed.audit if e.transition == "flag_action"]
    assert len(flags) == 1
    assert "chair@forum.example.org" in flags[0].summary
    assert flags[0].role is None


def test_an_open_action_is_flagged_to_the_chair() -> None:
    closed = _closed_with_open_action(next_meeting_id=NEXT_ID)
    (notice,) = carried_forward_notices(closed)
    assert notice.kind is NoticeKind.action_carried_forward
    assert [r.email for r in notice.recipients] == [CHAIR_CONTACT.email]
    assert notice.request_ref == "SMF-A"
    assert notice.meeting_date == date(2024, 6, 13)
    assert "Thursday 4 April 2024" in notice.body


def test_without_a_chair_contact_the_notice_goes_to_the_chairs_office() -> None:
    """With no chair contact set, the carried-forward notice is addressed to the chair as
    an office, for delivery to resolve to whoever holds the role."""
    state = meeting_at(EASTER_MEETING, EARLY, settings=ForumSettings())
    state = run(
        state,
        (AddAction(action_id="A1", request_ref="SMF-A", description="Report", owner="Sean"), CLERK),
        (CancelMeeting(reason="no business"), CHAIR),
        now=EARLY,
    )
    assert state.stage is MeetingStage.cancelled
    (notice,) = carried_forward_notices(state)
    assert [(r.role, r.email) for r in notice.recipients] == [(Role.chair, None)]
    assert carry_forward_of(state) is None
    (flag,) = [e for e in state.audit if e.transition == "flag_action"]
    assert "flagged to the chair" in flag.summary


def test_the_next_meeting_must_be_another_later_one() -> None:
    state = in_session(with_items("SMF-A"))
    with pytest.raises(NextMeetingInvalid):
        apply(state, CloseMeeting(next_meeting_id=state.meeting_id), CHAIR, ON_THE_DAY)
    with pytest.raises(NextMeetingInvalid):
        apply(state, CloseMeeting(next_meeting_id="meeting-2024-01-10"), CHAIR, ON_THE_DAY)
    with pytest.raises(ValidationError, match="next_meeting_id"):
        CloseMeeting(next_meeting_date=date(2024, 6, 13))


def test_carrying_in_is_idempotent_and_marks_what_was_carried() -> None:
    closed = _closed_with_open_action(next_meeting_id=NEXT_ID)
    carry = carry_forward_of(closed)
    assert carry is not None
    june = datetime(2024, 6, 13, 10, 0, tzinfo=LONDON)
    nxt = meeting_at(june, ON_THE_DAY, meeting_id=NEXT_ID, previous_meeting_id=closed.meeting_id)
    once = carry_in(nxt, carry.carried, ON_THE_DAY)
    twice = carry_in(once, carry.carried, ON_THE_DAY)
    assert twice == once
    (item,) = once.agenda
    assert (item.request_ref, item.status, item.carried_from) == (
        "SMF-C",
        "pending",
        closed.meeting_id,
    )
    (action,) = once.actions
    assert action.due_meeting_id == NEXT_ID
    assert action.carried_from == (closed.meeting_id,)
    assert (action.done, action.carried_to) == (False, None)
    assert once.audit[-1].transition == "carry_in"


def test_an_ended_meeting_takes_nothing_carried_in() -> None:
    ended = _closed_with_open_action()
    carried = CarriedIn(
        from_meeting_id="meeting-2024-01-10",
        items=(AgendaItem(request_ref="SMF-X", title="X", tabled_at=EARLY),),
    )
    after = carry_in(ended, carried, ON_THE_DAY)
    assert after.item("SMF-X") is None
    assert after.audit[-1].transition == "carry_in_refused"


def test_a_start_carries_items_only_from_a_previous_meeting() -> None:
    item = AgendaItem(request_ref="SMF-X", title="X", tabled_at=EARLY)
    with pytest.raises(ValidationError, match="previous_meeting_id"):
        MeetingStart(
            meeting_id="meeting-2024-06-13",
            starts_at=EASTER_MEETING,
            location="Town Hall",
            membership=MEMBERSHIP,
            carried_items=(item,),
        )


# --- the clock -----------------------------------------------------------------------


def test_the_clock_closes_papers_then_records_a_meeting_not_held() -> None:
    state = with_items("SMF-A")
    assert next_clock_instant(state) == PAPERS_CLOSE
    assert on_clock(state, PAPERS_CLOSE - timedelta(seconds=1)) == state
    papers = on_clock(state, PAPERS_CLOSE)
    assert papers.papers_closed_at == PAPERS_CLOSE
    assert papers.audit[-1].transition == "close_papers"
    end_of_day = datetime.combine(date(2024, 4, 4), time(23, 59), tzinfo=LONDON)
    assert next_clock_instant(papers) == end_of_day
    not_held = on_clock(papers, end_of_day)
    assert not_held.stage is MeetingStage.closed
    assert not_held.held is False
    assert [i.status for i in not_held.agenda] == ["not_reached"]
    assert not_held.audit[-1].transition == "not_held"
    assert next_clock_instant(not_held) is None


def test_an_opened_meeting_is_not_marked_not_held() -> None:
    opened = on_clock(in_session(with_items("SMF-A")), ON_THE_DAY)
    assert next_clock_instant(opened) is None
    assert on_clock(opened, ON_THE_DAY + timedelta(days=1)).stage is MeetingStage.in_session


# --- who may do what, and when -------------------------------------------------------


@pytest.mark.parametrize("transition", list(MeetingTransition))
def test_every_transition_refuses_every_other_role_first(transition: MeetingTransition) -> None:
    """The role is checked before the stage: even a closed meeting says RoleNotPermitted."""
    needed = PERMISSIONS[transition]
    ended = _closed_with_open_action()
    for state in (with_items("SMF-A"), ended):
        for role in Role:
            if role in needed:
                continue
            actor = Actor(user_id="x", name="X", roles=frozenset({role}))
            with pytest.raises(RoleNotPermitted) as refused:
                apply(state, SAMPLE_COMMANDS[transition], actor, ON_THE_DAY)
            assert refused.value.field == "actor.roles"
        with pytest.raises(RoleNotPermitted):
            apply(state, SAMPLE_COMMANDS[transition], actor_without(needed), ON_THE_DAY)


def test_allowed_transitions_follow_role_and_stage() -> None:
    state = with_items("SMF-A")
    assert MeetingTransition.open_meeting in allowed_transitions(state, [Role.chair])
    assert MeetingTransition.mark_item not in allowed_transitions(state, [Role.clerk])
    sitting = in_session(state)
    assert MeetingTransition.mark_item in allowed_transitions(sitting, [Role.clerk])
    assert allowed_transitions(sitting, [Role.member]) == ()
    assert allowed_transitions(_closed_with_open_action(), list(Role)) == ()


def test_a_refused_command_leaves_the_state_unchanged() -> None:
    state = with_items("SMF-A")
    before = state.model_dump()
    with pytest.raises(RuleViolation):
        apply(state, AddItem(request_ref="SMF-A", title="again"), CHAIR, EARLY)
    assert state.model_dump() == before


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(scheduled(), OpenMeeting(), CHAIR, datetime(2024, 4, 4))  # noqa: DTZ001
    assert scheduled().starts_at.astimezone(UTC).hour == 9  # BST


def test_an_action_keeps_where_it_came_from() -> None:
    action = MeetingAction(
        action_id="A1",
        request_ref="SMF-A",
        description="Report",
        owner="Sean",
        due_meeting_id="meeting-2024-04-04",
        carried_from=("meeting-2024-01-10", "meeting-2024-02-01"),
    )
    assert action.model_validate_json(action.model_dump_json()) == action


@pytest.mark.parametrize("year", [1872, 1999, 2100, 2300])
def test_a_meeting_cannot_move_beyond_the_working_day_calendar(year: int) -> None:
    """A move outside the plannable days (2000 to 2099) is invalid input on new_starts_at."""
    with pytest.raises(ValidationError) as raised:
        MoveMeeting(
            new_starts_at=datetime(year, 3, 5, 10, 0, tzinfo=LONDON), reason="Room unavailable"
        )
    assert raised.value.errors()[0]["loc"] == ("new_starts_at",)
    assert "plannable-date" in raised.value.errors()[0]["msg"]


@pytest.mark.parametrize("year", [2000, 2059, 2060, 2099])
def test_a_meeting_can_move_within_the_working_day_calendar(year: int) -> None:
    """A move to a plannable year is accepted as input."""
    move = MoveMeeting(
        new_starts_at=datetime(year, 3, 5, 10, 0, tzinfo=LONDON), reason="Room unavailable"
    )
    assert move.new_starts_at.year == year
