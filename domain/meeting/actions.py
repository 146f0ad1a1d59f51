"""What a meeting does for the actions due at it, with no one asking.

Each open action whose owner is known by id is reminded to its owner 7 days before the
meeting's papers deadline and again on the morning of that day; only the latest
reminder due is sent, so an action logged late is not reminded twice at once, and a
done action is not reminded at all. When the meeting opens and the owner of an open
action is recorded absent (seed 000: "no-one was able to attend"), the chair is told at
once; the action is carried forward at the close like every open action. Pure: the
meeting workflow sends the notices and records their keys in ``notices_sent``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from domain.calendar import LONDON, format_uk_date, to_london
from domain.deadlines import Deadline, DeadlineKind
from domain.meeting.models import MeetingAction, MeetingStage, MeetingState
from domain.notices import Notice, Recipient, escalation_notice, reminder_notice
from domain.people import Role

REMINDER_DAYS_BEFORE_PAPERS = (7, 0)
"""Days before the papers deadline that an owner is reminded; 0 is the morning of the day."""
MORNING = time(9, 0)


def _open_here(state: MeetingState) -> list[MeetingAction]:
    if state.recorded_after_the_event:
        return []  # a meeting entered after it was held is past reminding anyone
    return [
        a
        for a in state.actions
        if not a.done and a.due_meeting_id == state.meeting_id and a.owner_id is not None
    ]


def _deadline(state: MeetingState, action: MeetingAction, suffix: str = "") -> Deadline:
    return Deadline(
        key=f"{state.meeting_id}/action/{action.action_id}{suffix}",
        kind=DeadlineKind.action_due,
        due=state.papers_close_at,
        label=f"Action for the {format_uk_date(state.meeting_day)} meeting: "
        f"{action.description} ({action.owner})",
        responsible_role=Role.officer,
        request_ref=action.request_ref,
        meeting_date=state.meeting_day,
        escalates=False,
    )


def owner_of(state: MeetingState, action: MeetingAction) -> Recipient:
    """The action's owner: a member of the forum with their address, else the officer
    of that name (whose address the user directory finds)."""
    member = state.membership.get(action.owner_id or "")
    if member is not None:
        return Recipient(name=member.name, email=member.email, role=Role.member)
    return Recipient(name=action.owner, email=None, role=Role.officer)


def reminder_at(state: MeetingState, days_before: int) -> datetime:
    """When the reminder ``days_before`` the papers deadline goes (London wall clock)."""
    if days_before == 0:
        return datetime.combine(state.papers_deadline, MORNING, tzinfo=LONDON)
    local = to_london(state.papers_close_at).replace(tzinfo=None) - timedelta(days=days_before)
    return local.replace(tzinfo=LONDON)


def _reminder_keys(state: MeetingState, action: MeetingAction) -> list[tuple[int, str]]:
    base = _deadline(state, action).key
    return [(days, f"{base}/reminder/{days}d") for days in REMINDER_DAYS_BEFORE_PAPERS]


def next_reminder_at(state: MeetingState) -> datetime | None:
    """When the next owner's reminder is due (perhaps already), or None."""
    if state.stage is not MeetingStage.scheduled:
        return None
    instants = [
        reminder_at(state, days)
        for action in _open_here(state)
        for days, key in _reminder_keys(state, action)
        if key not in state.notices_sent
    ]
    return min(instants, default=None)


def _title(state: MeetingState, action: MeetingAction) -> str:
    item = state.item(action.request_ref)
    return item.title if item else action.request_ref


def reminders_due(state: MeetingState, now: datetime) -> tuple[tuple[Notice, ...], tuple[str, ...]]:
    """The owners' reminders due at ``now`` and every reminder key they settle (an earlier
    reminder overtaken by a later one is settled unsent)."""
    if state.stage is not MeetingStage.scheduled:
        return (), ()
    notices: list[Notice] = []
    settled: list[str] = []
    for action in _open_here(state):
        due = [
            (days, key)
            for days, key in _reminder_keys(state, action)
            if key not in state.notices_sent and reminder_at(state, days) <= now
        ]
        if not due:
            continue
        days, _ = due[-1]
        notices.append(
            reminder_notice(
                _deadline(state, action), days, _title(state, action), (owner_of(state, action),)
            )
        )
        settled.extend(key for _, key in due)
    return tuple(notices), tuple(settled)


def absent_owner_notices(state: MeetingState) -> tuple[Notice, ...]:
    """Once the meeting is in session: the chair's notice for each open action due here
    whose owner is a member recorded absent, not yet sent."""
    if state.stage is not MeetingStage.in_session:
        return ()
    contact = state.settings.contacts.chair
    chair = (
        Recipient(name=contact.name, email=contact.email, role=Role.chair)
        if contact
        else Recipient(name="The chair", email=None, role=Role.chair)
    )
    notices = []
    for action in _open_here(state):
        member = state.membership.get(action.owner_id or "")
        if member is None or member.member_id in state.present_member_ids:
            continue
        deadline = _deadline(state, action, "/owner-absent").model_copy(
            update={
                "due": state.opened_at or state.starts_at,
                "label": f"{action.description} ({action.owner}, due to report at this "
                "meeting, is recorded absent: the action is carried forward)",
            }
        )
        notice = escalation_notice(
            deadline, _title(state, action), chair, (owner_of(state, action),)
        )
        if notice.idempotency_key not in state.notices_sent:
            notices.append(notice)
    return tuple(notices)
