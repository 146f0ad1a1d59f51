"""One forum meeting, from scheduling to close, as a durable workflow (id = meeting id).

The rules live in ``domain.meeting``. Every transition is an Update named after it,
whose validator runs the rules, so a refused command never reaches history. The
workflow sleeps until the clock next matters (the papers deadline, then the end of the
meeting day) and recomputes that instant whenever a change moves it, so moving the
meeting moves its timers; a move to another day is passed on to the requests on the
agenda, so their papers deadlines move too. When the meeting ends it tells the chair
about open actions and carries unfinished business to the next meeting by signal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from contracts import names, search_attributes
    from contracts.meeting import (
        MeetingOutcome,
        MeetingStart,
        MeetingTransitionResult,
        MeetingUpdate,
    )
    from domain.calendar import london_midnight
    from domain.errors import RuleViolation
    from domain.meeting.actions import absent_owner_notices, next_reminder_at, reminders_due
    from domain.meeting.carry import (
        carried_forward_notices,
        carry_forward_of,
        carry_in,
        follow_carried_of,
        leave_agenda_of,
    )
    from domain.meeting.clock import next_clock_instant, on_clock, with_note
    from domain.meeting.commands import MeetingTransition
    from domain.meeting.lifecycle import agenda_of, new_meeting
    from domain.meeting.lifecycle import apply as apply_meeting
    from domain.meeting.models import (
        CarriedIn,
        ForwardPlanChange,
        MeetingAgenda,
        MeetingStage,
        MeetingState,
    )
    from domain.notices import Notice
    from domain.values import evolve
    from workflows.background import Backlog
    from workflows.meeting_messages import Message, move_to_pass_on, pass_on
    from workflows.meeting_notices import carry_forward, deliver
    from workflows.refusals import decode_update, refusal

KNOWN_TRANSITIONS = frozenset(t.value for t in MeetingTransition)
_UNSET = object()
FOLLOW_THROUGH = "follow-through"
"""Meetings scheduled since this patch send removed and cancelled items back to option
listing, move carried-in requests to themselves and announce the forum's meeting days;
meetings scheduled before it keep doing what they did."""


@workflow.defn(name=names.MEETING_WORKFLOW)
class MeetingWorkflow:
    """One meeting of the forum; the workflow id is the meeting id."""

    @workflow.init
    def __init__(self, start: MeetingStart) -> None:
        self._state = new_meeting(
            start.meeting_id,
            start.starts_at,
            start.location,
            start.membership,
            start.settings,
            start.previous_meeting_id,
            workflow.now(),
            start.carried_items,
            start.carried_actions,
            recorded_after_the_event=start.recorded_after_the_event,
        )
        self._changed = False
        self._published: dict[str, object] = {}
        self._messages: Backlog[Message] = Backlog(self._pass_on)
        self._notices: Backlog[Notice] = Backlog(self._deliver)
        self._follow_through = workflow.patched(FOLLOW_THROUGH)

    @workflow.run
    async def run(self, start: MeetingStart) -> MeetingOutcome:
        """Run the meeting's clock until it ends, then tell the chair about open actions
        and carry unfinished business to the next meeting."""
        self._publish_search_attributes()
        if self._follow_through and not self._state.stage.is_final:
            day = self._state.meeting_day
            self._messages.add(ForwardPlanChange(meeting_id=self._state.meeting_id, day=day))
        while not self._state.stage.is_final:
            await self._sleep_until(self._next_instant(self._state))
            self._set(on_clock(self._state, workflow.now()))
            self._queue_action_notices()
        await self._messages.finished()
        await self._notices.finished()
        notice_keys = await self._send_notices()
        carried = await self._carry_forward()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return MeetingOutcome(
            meeting_id=self._state.meeting_id,
            stage=self._state.stage,
            held=self._state.held,
            next_meeting_id=self._state.next_meeting_id,
            carried_forward=carried,
            notice_keys=notice_keys,
        )

    async def _sleep_until(self, instant: datetime | None) -> None:
        """Sleep until ``instant``, or until a change moves it (like an updatable timer)."""
        self._changed = False
        if instant is None:
            await workflow.wait_condition(lambda: self._changed)
            return
        delay = instant - workflow.now()
        if delay > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._changed, timeout=delay)

    def _set(self, after: MeetingState) -> None:
        moved = self._next_instant(after) != self._next_instant(self._state)
        self._changed = self._changed or moved or after.stage.is_final
        self._state = after
        self._publish_search_attributes()

    def _note(self, transition: str, summary: str) -> None:
        self._state = with_note(self._state, workflow.now(), transition, summary)

    async def _pass_on(self, message: Message) -> None:
        note = await pass_on(message)
        if note is not None:
            self._note(*note)

    async def _send_notices(self) -> tuple[str, ...]:
        sent = []
        for notice in carried_forward_notices(self._state):
            went, note = await deliver(notice)
            self._note(*note)
            if went:
                sent.append(notice.idempotency_key)
        return tuple(sent)

    async def _deliver(self, notice: Notice) -> None:
        self._note(*(await deliver(notice))[1])

    def _queue_action_notices(self) -> None:
        """Owners' reminders now due, and the chair's notice of an absent owner."""
        if not self._follow_through:
            return
        reminders, settled = reminders_due(self._state, workflow.now())
        notices = (*reminders, *absent_owner_notices(self._state))
        # A reminder's key is the one it settles; keep each key once.
        keys = tuple(dict.fromkeys((*settled, *(n.idempotency_key for n in notices))))
        if keys:
            self._state = evolve(self._state, notices_sent=(*self._state.notices_sent, *keys))
            self._notices.add(*notices)

    def _next_instant(self, state: MeetingState) -> datetime | None:
        instants = [next_clock_instant(state)]
        if self._follow_through:
            instants.append(next_reminder_at(state))
        return min((i for i in instants if i is not None), default=None)

    async def _carry_forward(self) -> bool:
        carry = carry_forward_of(self._state)
        if carry is None:
            return False
        went, note = await carry_forward(carry)
        self._note(*note)
        return went

    def _apply(self, name: str, args: Sequence[RawValue]) -> tuple[MeetingUpdate, MeetingState]:
        update = decode_update(name, args, KNOWN_TRANSITIONS, MeetingUpdate)
        try:
            after = apply_meeting(self._state, update.command, update.actor, workflow.now())
        except RuleViolation as violation:
            raise refusal(violation) from None
        return update, after

    @workflow.update(dynamic=True)
    def transition(self, name: str, args: Sequence[RawValue]) -> MeetingTransitionResult:
        """Apply a transition the validator accepted; the state changes at once, and a move
        to another day is queued to be passed on to the requests on the agenda."""
        update, after = self._apply(name, args)
        before = self._state
        entry = after.audit[len(before.audit)]
        self._set(after)
        if (move := move_to_pass_on(before, after, update)) is not None:
            self._messages.add(move)
        if self._follow_through:
            self._pass_on_follow_through(before, after, update)
            self._queue_action_notices()
        return MeetingTransitionResult(
            transition=MeetingTransition(name), stage=after.stage, audit_entry=entry
        )

    def _pass_on_follow_through(
        self, before: MeetingState, after: MeetingState, update: MeetingUpdate
    ) -> None:
        """Send removed requests back, and announce a new day or a cancellation."""
        leave = leave_agenda_of(before, after, update.command, update.actor)
        if leave is not None:
            self._messages.add(leave)
        cancelled = after.stage is MeetingStage.cancelled
        if cancelled or after.meeting_day != before.meeting_day:
            day = None if cancelled else after.meeting_day
            self._messages.add(ForwardPlanChange(meeting_id=after.meeting_id, day=day))

    @transition.validator
    def validate_transition(self, name: str, args: Sequence[RawValue]) -> None:
        """Run the domain rules; raising here keeps a refused transition out of history."""
        self._apply(name, args)

    @workflow.signal(name=names.CARRY_IN_SIGNAL)
    def receive_carried(self, carried: CarriedIn) -> None:
        """Take items and actions carried from another meeting (each once); the requests
        carried in then follow this meeting."""
        before = self._state
        self._set(carry_in(before, carried, workflow.now()))
        if self._follow_through and (move := follow_carried_of(before, self._state, carried)):
            self._messages.add(move)

    @workflow.query(name=names.MEETING_STATE_QUERY)
    def meeting_state(self) -> MeetingState:
        """The meeting as it stands."""
        return self._state

    @workflow.query(name=names.MEETING_AGENDA_QUERY)
    def agenda(self) -> MeetingAgenda:
        """The agenda: when, where, the papers deadline and the items."""
        return agenda_of(self._state)

    def _publish_search_attributes(self) -> None:
        # Only changed values: every upsert is a history event.
        s = self._state
        papers_open = s.papers_closed_at is None and not s.stage.is_final
        values: list[tuple[SearchAttributeKey[Any], object]] = [
            (search_attributes.STAGE, s.stage.value),
            (search_attributes.MEETING_DATE, london_midnight(s.meeting_day)),
            (search_attributes.NEXT_DEADLINE, s.papers_close_at if papers_open else None),
        ]
        changed = [(k, v) for k, v in values if self._published.get(k.name, _UNSET) != v]
        if changed:
            workflow.upsert_search_attributes(
                [k.value_set(v) if v is not None else k.value_unset() for k, v in changed]
            )
            self._published.update({k.name: v for k, v in changed})
