"""What the clerk's, the chair's and a member's sections of the home page hold, worked
out from one reading of the forum (web.home_pages.ForumPicture) by the domain's rules.

Nothing here asks a workflow: each section is a pure function of the states read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from domain.errors import RuleViolation
from domain.meeting.models import AgendaItem, MeetingAction, MeetingStage, MeetingState
from domain.request.models import NoticeRecord, RequestState, Stage
from domain.request.rules import check_tabling
from domain.request.voting import eligible_voters, membership_of, vote_decision_type
from web.home_health import MachineryHealth
from web.meeting_pages.common import meeting_url, still_to_take
from web.request_pages.common import request_url

if TYPE_CHECKING:
    from web.home_pages import ForumPicture

NEXT_MEETINGS = 5
"""Coming meetings the clerk's section lists."""

ESCALATIONS_SHOWN = 10


def item_url(state: RequestState, part: str) -> str:
    """The request's item page at its meeting (``"vote"``, ``"minute"``); the request's
    own page when it was tabled for a day rather than a scheduled meeting."""
    if state.meeting_id is None:
        return request_url(state.reference)
    return meeting_url(state.meeting_id, f"items/{state.reference}/{part}")


def coming_meetings(meetings: Iterable[MeetingState], today: date) -> list[MeetingState]:
    """Meetings in session, then those scheduled from today on, the soonest first."""
    return [
        m
        for m in meetings
        if m.stage is MeetingStage.in_session
        or (m.stage is MeetingStage.scheduled and m.meeting_day >= today)
    ]


@dataclass(frozen=True)
class WaitingItem:
    """A request on a coming meeting's agenda that the meeting has not yet dealt with."""

    meeting: MeetingState
    item: AgendaItem


@dataclass(frozen=True)
class OpenAction:
    """An action not done, with the meeting it is due at when that meeting was read."""

    action: MeetingAction
    due_at: MeetingState | None
    overdue: bool


@dataclass(frozen=True)
class FailedNotice:
    """A notice forumflow could not deliver, and what it was about."""

    at: datetime
    about: str
    url: str
    subject: str
    why: str


@dataclass(frozen=True)
class ClerkSection:
    """What the clerk has to do and watch."""

    meetings: tuple[MeetingState, ...]
    waiting: tuple[WaitingItem, ...]
    to_minute: tuple[RequestState, ...]
    actions_by_owner: tuple[tuple[str, tuple[OpenAction, ...]], ...]
    failed_notices: tuple[FailedNotice, ...]
    health: MachineryHealth

    @property
    def overdue_actions(self) -> int:
        """How many open actions are past the meeting they were due at."""
        return sum(a.overdue for _, actions in self.actions_by_owner for a in actions)


def open_actions(picture: ForumPicture) -> tuple[tuple[str, tuple[OpenAction, ...]], ...]:
    """The actions not done nor carried on, by owner, the overdue first."""
    by_owner: dict[str, list[OpenAction]] = {}
    for meeting in picture.meetings:
        for action in meeting.actions:
            if action.done or action.carried_to is not None:
                continue
            due = picture.meeting(action.due_meeting_id)
            overdue = due is None or due.stage.is_final or due.meeting_day < picture.today
            by_owner.setdefault(action.owner, []).append(OpenAction(action, due, overdue))
    return tuple(
        (owner, tuple(sorted(actions, key=lambda a: (not a.overdue, a.action.action_id))))
        for owner, actions in sorted(by_owner.items())
    )


def failed_notices(picture: ForumPicture) -> tuple[FailedNotice, ...]:
    """The notices the open requests and the meetings record as failed, newest first."""
    found = [
        FailedNotice(
            at=notice.at,
            about=state.reference,
            url=request_url(state.reference),
            subject=notice.subject,
            why=notice.outcome.removeprefix("failed:").strip(),
        )
        for state in picture.requests
        for notice in state.notices
        if notice.outcome.startswith("failed")
    ]
    found += [
        FailedNotice(
            at=entry.at,
            about=meeting.meeting_id,
            url=meeting_url(meeting.meeting_id),
            subject="A notice about the meeting",
            why=entry.summary,
        )
        for meeting in picture.meetings
        for entry in meeting.audit
        if entry.transition == "notice_failed"
    ]
    return tuple(sorted(found, key=lambda f: f.at, reverse=True))


def clerk_section(picture: ForumPicture, health: MachineryHealth) -> ClerkSection:
    """The clerk's section."""
    coming = coming_meetings(picture.meetings, picture.today)[:NEXT_MEETINGS]
    requests = {state.reference: state for state in picture.requests}
    return ClerkSection(
        meetings=tuple(coming),
        waiting=tuple(
            WaitingItem(meeting, item)
            for meeting in coming
            for item in meeting.agenda
            # A request no longer open (closed, rejected, withdrawn) waits for nothing.
            if item.request_ref in requests and still_to_take(item, requests[item.request_ref])
        ),
        to_minute=tuple(s for s in picture.requests if s.stage is Stage.decided),
        actions_by_owner=open_actions(picture),
        failed_notices=failed_notices(picture),
        health=health,
    )


@dataclass(frozen=True)
class VoteToClose:
    """An open vote, with how many of those who may vote have voted."""

    state: RequestState
    cast: int
    eligible: int


@dataclass(frozen=True)
class Escalation:
    """An escalation forumflow sent the chair about an open request."""

    state: RequestState
    notice: NoticeRecord


@dataclass(frozen=True)
class LatePapers:
    """A coming meeting whose papers are late: items taken late, or papers not published
    by the papers deadline."""

    meeting: MeetingState
    late_items: tuple[AgendaItem, ...]
    unpublished_after_deadline: bool


@dataclass(frozen=True)
class ChairSection:
    """What waits for the chair."""

    to_table: tuple[RequestState, ...]
    votes_to_open: tuple[RequestState, ...]
    votes_to_close: tuple[VoteToClose, ...]
    minutes_to_confirm: tuple[RequestState, ...]
    escalations: tuple[Escalation, ...]
    late_papers: tuple[LatePapers, ...]

    @property
    def waiting(self) -> bool:
        """Whether anything waits for the chair's approval."""
        return bool(
            self.to_table or self.votes_to_open or self.votes_to_close or self.minutes_to_confirm
        )


def ready_to_table(state: RequestState) -> bool:
    """Whether the request is listing its options and the tabling rule would accept it."""
    if state.stage is not Stage.option_listing:
        return False
    try:
        check_tabling(state)
    except RuleViolation:
        return False
    return True


def may_vote(state: RequestState) -> frozenset[str]:
    """The members present who may vote on the request's recommendation."""
    return eligible_voters(
        vote_decision_type(state), membership_of(state), state.present_member_ids
    )


def chair_section(picture: ForumPicture) -> ChairSection:
    """The chair's section."""
    requests = picture.requests
    coming = coming_meetings(picture.meetings, picture.today)
    in_session = {m.meeting_id for m in coming if m.stage is MeetingStage.in_session}
    late = []
    for meeting in coming:
        late_items = tuple(i for i in meeting.agenda if i.late and i.status == "pending")
        unpublished = (
            meeting.published_at is None
            and not meeting.recorded_after_the_event
            and picture.now > meeting.papers_close_at
            and bool(meeting.agenda)
        )
        if late_items or unpublished:
            late.append(LatePapers(meeting, late_items, unpublished))
    escalations = sorted(
        (
            Escalation(state, notice)
            for state in requests
            for notice in state.notices
            if notice.kind == "escalation"
        ),
        key=lambda e: e.notice.at,
        reverse=True,
    )
    return ChairSection(
        to_table=tuple(s for s in requests if ready_to_table(s)),
        votes_to_open=tuple(
            s
            for s in requests
            if s.stage is Stage.tabled and (s.present_member_ids or s.meeting_id in in_session)
        ),
        votes_to_close=tuple(
            VoteToClose(s, len(s.votes), len(may_vote(s)))
            for s in requests
            if s.stage is Stage.voting
        ),
        minutes_to_confirm=tuple(s for s in requests if s.stage is Stage.minuted),
        escalations=tuple(escalations[:ESCALATIONS_SHOWN]),
        late_papers=tuple(late),
    )


@dataclass(frozen=True)
class MemberSection:
    """The next meeting, whether its papers are out, and the votes waiting for this member."""

    next_meeting: MeetingState | None
    votes_now: tuple[RequestState, ...]


def votes_for(member_id: str, requests: Iterable[RequestState]) -> tuple[RequestState, ...]:
    """The open votes ``member_id`` is present for, may take part in and has not cast."""
    return tuple(
        s
        for s in requests
        if s.stage is Stage.voting
        and member_id in may_vote(s)
        and all(v.member_id != member_id for v in s.votes)
    )


def member_section(picture: ForumPicture, member_id: str) -> MemberSection:
    """A member's section."""
    coming = coming_meetings(picture.meetings, picture.today)
    return MemberSection(
        next_meeting=coming[0] if coming else None,
        votes_now=votes_for(member_id, picture.requests),
    )
