"""The request workflow's alarm clock: which deadlines it has seen since when,
which notices it has delivered, and who each notice goes to; and, while drafting,
the one-off warnings that no scheduled meeting can meet the procurement lead-in and
that the annual DSG decision would come too late.

Kept out of the workflow class so the class stays about transitions; all of
it is deterministic and runs inside the workflow sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from domain.alarms import Alarm, alarms_for, due_alarms, next_alarm_at
from domain.calendar import LONDON
from domain.deadlines import (
    annual_decision_warning,
    drafting_warning,
    drafting_warning_starts,
    request_deadlines,
)
from domain.notices import (
    Notice,
    Recipient,
    escalation_notice,
    reminder_notice,
    warning_notice,
)
from domain.people import Actor, Role
from domain.request.models import NoticeRecord, RequestState


def recipients_by_role(state: RequestState, author: Actor) -> dict[Role, Recipient]:
    """Who hears about deadlines of each role: the author for the officer's work,
    the forum's chair and clerk contacts for theirs (logged only when unknown)."""
    contacts = state.settings.contacts
    return {
        Role.officer: Recipient(name=author.name, email=author.email, role=Role.officer),
        Role.chair: Recipient(
            name=contacts.chair.name if contacts.chair else "The chair",
            email=contacts.chair.email if contacts.chair else None,
            role=Role.chair,
        ),
        Role.clerk: Recipient(
            name=contacts.clerk.name if contacts.clerk else "The clerk",
            email=contacts.clerk.email if contacts.clerk else None,
            role=Role.clerk,
        ),
        Role.member: Recipient(name="Forum members", email=None, role=Role.member),
    }


def notice_record(notice: Notice, outcome: str, now: datetime) -> NoticeRecord:
    """The request's record of a notice delivered at ``now``."""
    return NoticeRecord(
        at=now,
        key=notice.idempotency_key,
        kind=notice.kind.value,
        subject=notice.subject,
        recipients=tuple(f"{r.name} <{r.email or 'no address'}>" for r in notice.recipients),
        outcome=outcome,
    )


class DeadlineWatch:
    """Tracks deadlines as they appear and turns due alarms into notices.

    The alarms are planned afresh from the state each time, so when a request follows
    its meeting to another day the old papers deadline's alarms go and the new one's
    come (reminders already due before the move are not sent late). While drafting it
    also sends the warnings that the lead-in cannot be met and that the annual DSG
    decision would be too late.
    """

    def __init__(
        self,
        author: Actor,
        first_seen: Mapping[str, datetime],
        scheduled_meetings: Sequence[date] = (),
    ) -> None:
        self._author = author
        self.first_seen: dict[str, datetime] = dict(first_seen)
        self._meetings = tuple(scheduled_meetings)

    def replan(self, scheduled_meetings: Sequence[date]) -> None:
        """Work from these meeting days from now on (the forum's calendar changed)."""
        self._meetings = tuple(scheduled_meetings)

    def _alarms(self, state: RequestState) -> list[Alarm]:
        deadlines = request_deadlines(state, self._meetings)
        # The forum's settings give each kind of deadline its timing; settings from
        # before per-kind timings have none, so they plan the same alarms as they did.
        return alarms_for(deadlines, state.settings, self.first_seen)

    def observe(self, state: RequestState, now: datetime) -> None:
        """Note when each deadline first appeared, so earlier reminders are not sent late."""
        for deadline in request_deadlines(state, self._meetings):
            self.first_seen.setdefault(deadline.key, now)

    def _warnings(self, state: RequestState, now: datetime) -> list[Notice]:
        """The drafting warnings that hold now and were not delivered yet."""
        found = (
            drafting_warning(state, self._meetings, now.astimezone(LONDON).date()),
            annual_decision_warning(state, self._meetings),
        )
        delivered = {notice.key for notice in state.notices}
        people = recipients_by_role(state, self._author)
        return [
            warning_notice(
                state.reference,
                state.draft.title,
                warning.text,
                (people[Role.officer], people[Role.chair], people[Role.clerk]),
                key=warning.key,
            )
            for warning in found
            if warning is not None and warning.key not in delivered
        ]

    def wake_at(self, state: RequestState, now: datetime) -> datetime | None:
        """When to look for due notices next: the next undelivered alarm or warning, and
        never sooner than a second from now (None: nothing pending)."""
        self.observe(state, now)
        delivered = {notice.key for notice in state.notices}
        upcoming = next_alarm_at(self._alarms(state), delivered)
        if self._warnings(state, now):
            upcoming = now
        else:
            # A warning may start to hold when a meeting's papers deadline passes.
            starts = drafting_warning_starts(state, self._meetings)
            if starts is not None and starts > now and (upcoming is None or starts < upcoming):
                upcoming = starts
        if upcoming is None:
            return None
        return max(upcoming, now + timedelta(seconds=1))

    def due_notices(self, state: RequestState, now: datetime) -> list[Notice]:
        """The drafting warning and the notices for every alarm that has come due, each
        only if not yet delivered."""
        # Deadlines a transition has just created count as seen now, so reminders
        # whose moment had already passed are not sent late.
        self.observe(state, now)
        delivered = {notice.key for notice in state.notices}
        people = recipients_by_role(state, self._author)
        notices: list[Notice] = self._warnings(state, now)
        for alarm in due_alarms(self._alarms(state), delivered, now):
            responsible = people[alarm.deadline.responsible_role]
            if alarm.kind == "reminder" and alarm.days_before is not None:
                notices.append(
                    reminder_notice(
                        alarm.deadline, alarm.days_before, state.draft.title, (responsible,)
                    )
                )
            else:
                notices.append(
                    escalation_notice(
                        alarm.deadline, state.draft.title, people[Role.chair], (responsible,)
                    )
                )
        return notices
