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
from temporalio.common import RawValue, RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts import names, search_attributes
    from contracts.activities import DeliveryReceipt
    from contracts.meeting import (
        MeetingOutcome,
        MeetingStart,
        MeetingTransitionResult,
        MeetingUpdate,
    )
    from domain.calendar import london_midnight
    from domain.errors import RuleViolation
    from domain.meeting.carry import carried_forward_notices, carry_forward_of, carry_in
    from domain.meeting.clock import next_clock_instant, on_clock, with_note
    from domain.meeting.commands import MeetingTransition
    from domain.meeting.lifecycle import agenda_of, new_meeting
    from domain.meeting.lifecycle import apply as apply_meeting
    from domain.meeting.models import CarriedIn, FollowMove, MeetingAgenda, MeetingState
    from workflows.background import Backlog
    from workflows.meeting_moves import move_to_pass_on, pass_on, why
    from workflows.refusals import decode_update, refusal

KNOWN_TRANSITIONS = frozenset(t.value for t in MeetingTransition)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=10)
)
CARRY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)
_UNSET = object()


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
        )
        self._changed = False
        self._published: dict[str, object] = {}
        self._moves: Backlog[FollowMove] = Backlog(self._pass_on)

    @workflow.run
    async def run(self, start: MeetingStart) -> MeetingOutcome:
        """Run the meeting's clock until it ends, then tell the chair about open actions
        and carry unfinished business to the next meeting."""
        self._publish_search_attributes()
        while not self._state.stage.is_final:
            await self._sleep_until(next_clock_instant(self._state))
            self._set(on_clock(self._state, workflow.now()))
        await self._moves.finished()
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
        moved = next_clock_instant(after) != next_clock_instant(self._state)
        self._changed = self._changed or moved or after.stage.is_final
        self._state = after
        self._publish_search_attributes()

    def _note(self, transition: str, summary: str) -> None:
        self._state = with_note(self._state, workflow.now(), transition, summary)

    async def _pass_on(self, move: FollowMove) -> None:
        self._note(*await pass_on(move))

    async def _send_notices(self) -> tuple[str, ...]:
        sent = []
        for notice in carried_forward_notices(self._state):
            try:
                await workflow.execute_activity(
                    names.DELIVER_NOTICE_ACTIVITY,
                    notice,
                    result_type=DeliveryReceipt,
                    start_to_close_timeout=timedelta(minutes=1),
                    schedule_to_close_timeout=timedelta(days=1),
                    retry_policy=NOTIFY_RETRY,
                )
            except ActivityError as error:
                self._note("notice_failed", f"Notice {notice.idempotency_key} failed: {why(error)}")
                continue
            sent.append(notice.idempotency_key)
            self._note("notice_sent", f"Told the chair: {notice.subject}.")
        return tuple(sent)

    async def _carry_forward(self) -> bool:
        carry = carry_forward_of(self._state)
        if carry is None:
            return False
        try:
            await workflow.execute_activity(
                names.CARRY_FORWARD_ACTIVITY,
                carry,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=CARRY_RETRY,
            )
        except ActivityError as error:
            self._note("carry_forward_failed", f"Could not carry forward: {why(error)}")
            return False
        self._note(
            "carry_forward",
            f"Carried {len(carry.carried.items)} item(s) and {len(carry.carried.actions)} "
            f"action(s) to {carry.next_meeting_id}.",
        )
        return True

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
            self._moves.add(move)
        return MeetingTransitionResult(
            transition=MeetingTransition(name), stage=after.stage, audit_entry=entry
        )

    @transition.validator
    def validate_transition(self, name: str, args: Sequence[RawValue]) -> None:
        """Run the domain rules; raising here keeps a refused transition out of history."""
        self._apply(name, args)

    @workflow.signal(name=names.CARRY_IN_SIGNAL)
    def receive_carried(self, carried: CarriedIn) -> None:
        """Take items and actions carried from another meeting (each once)."""
        self._set(carry_in(self._state, carried, workflow.now()))

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
