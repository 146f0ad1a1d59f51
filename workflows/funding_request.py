"""One funding request, from drafting to evaluation, as a durable workflow.

The rules live in ``domain`` as pure functions. This workflow is the shell
around them: every transition is an Update whose validator runs the rules
first, so a refused transition is rejected before anything reaches history;
accepted transitions change the state synchronously and queue their register
entries, which the main loop writes through an idempotent activity. An
extension starts the next funding period by continue-as-new.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from contracts import names
    from contracts.register import RegisterEntry
    from contracts.request import (
        AllowedActions,
        AllowedActionsQuery,
        AuditTrail,
        ForwardPlan,
        RequestDeadlines,
        RequestOutcome,
        RequestOverview,
        StartRequest,
        TransitionResult,
        TransitionUpdate,
    )
    from domain.calendar import LONDON
    from domain.deadlines import procurement_warning, request_deadlines
    from domain.errors import RuleViolation
    from domain.notices import Notice
    from domain.people import Actor
    from domain.request.commands import Command, Transition
    from domain.request.errors import PeriodClosed
    from domain.request.lifecycle import allowed_transitions, apply
    from domain.request.models import NoticeRecord, RequestState
    from domain.values import evolve
    from workflows.alarm_timer import AlarmTimer, wait_for_work
    from workflows.background import Backlog
    from workflows.refusals import decode_update, refusal
    from workflows.register_entries import entries_for_transition
    from workflows.register_writes import write_entry
    from workflows.request_alarms import DeadlineWatch
    from workflows.request_links import messages_for, refused_placement, send
    from workflows.request_notices import deliver
    from workflows.request_search import publish_search_attributes, typed_search_attributes

KNOWN_TRANSITIONS = frozenset(transition.value for transition in Transition)
FOLLOW_THROUGH = "follow-through"
"""Requests started since this patch put themselves on the agenda of the meeting they are
tabled for and log their minutes' actions at the meetings they are due; requests started
before it keep doing what they did."""
KEPT_ALARM_TIMER = "kept-alarm-timer"
"""Requests started since this patch keep their alarm's timer while its instant is
unchanged, where each Update that woke the loop cancelled it and started it again;
requests started before it keep doing what they did."""


@workflow.defn(name=names.FUNDING_REQUEST_WORKFLOW)
class FundingRequestWorkflow:
    """A funding request's whole life; the workflow id is the request reference."""

    @workflow.init
    def __init__(self, start: StartRequest) -> None:
        self._state = start.carried or RequestState.new(
            start.draft, start.actor, workflow.now(), start.settings
        )
        self._outbox: deque[RegisterEntry] = deque()
        self._register_keys: list[str] = []
        self._written_keys: set[str] = set()
        self._next_cycle_started = False
        self._published: dict[str, object] = {}
        self._state_changed = False
        self._meetings = start.scheduled_meetings
        self._watch = DeadlineWatch(
            start.actor, start.deadline_first_seen, start.scheduled_meetings
        )
        self._follow_through = workflow.patched(FOLLOW_THROUGH)
        self._alarm = AlarmTimer() if workflow.patched(KEPT_ALARM_TIMER) else None
        # Notices go out beside the run loop: while the mail server says "try later",
        # the register writes that transitions wait on must not wait for it.
        self._notices: Backlog[tuple[Notice, datetime]] = Backlog(self._deliver, self._wake)

    @workflow.run
    async def run(self, start: StartRequest) -> RequestOutcome:
        """Keep the register written and the notices sent until the request ends or its
        funding period is extended (then continue as new)."""
        publish_search_attributes(self._state, self._published)
        while True:
            await self._wait_for_work()
            self._state_changed = False
            while self._outbox:
                await self._write(self._outbox[0])
                self._outbox.popleft()
            if not self._finished() and not self._notices.busy:
                now = workflow.now()
                self._notices.add(*((n, now) for n in self._watch.due_notices(self._state, now)))
            if self._finished():
                # A handler may still be waiting for entries queued meanwhile: drain them first.
                await workflow.wait_condition(
                    lambda: bool(self._outbox) or workflow.all_handlers_finished()
                )
                if not self._outbox:
                    break
        await self._notices.finished()
        if self._next_cycle_started:
            workflow.continue_as_new(
                StartRequest(
                    draft=self._state.draft,
                    actor=start.actor,
                    carried=self._state,
                    scheduled_meetings=self._meetings,
                    deadline_first_seen=self._watch.first_seen,
                ),
                search_attributes=typed_search_attributes(self._state),
            )
        return RequestOutcome(
            reference=self._state.draft.reference,
            stage=self._state.stage,
            cycle=self._state.cycle,
            register_keys=tuple(self._register_keys),
        )

    async def _wait_for_work(self) -> None:
        """Until an entry is queued, the state changes or the next alarm is due (no alarm
        while notices are out: their end wakes the loop, and a due alarm would spin it)."""
        now = workflow.now()
        wake = None if self._notices.busy else self._watch.wake_at(self._state, now)
        await wait_for_work(
            lambda: bool(self._outbox) or self._finished() or self._state_changed,
            wake,
            now,
            self._alarm,
        )

    def _finished(self) -> bool:
        return self._state.stage.is_final or self._next_cycle_started

    def _record_notice(self, record: NoticeRecord) -> None:
        self._state = evolve(self._state, notices=(*self._state.notices, record))

    def _wake(self) -> None:
        self._state_changed = True

    async def _deliver(self, due: tuple[Notice, datetime]) -> None:
        self._record_notice(await deliver(*due))

    async def _write(self, entry: RegisterEntry) -> None:
        await write_entry(entry)
        self._register_keys.append(entry.idempotency_key)
        self._written_keys.add(entry.idempotency_key)

    def _decode(self, name: str, args: Sequence[RawValue]) -> tuple[Transition, Actor, Command]:
        update = decode_update(name, args, KNOWN_TRANSITIONS, TransitionUpdate)
        return Transition(name), update.actor, update.command

    def _apply(
        self, name: str, args: Sequence[RawValue]
    ) -> tuple[Transition, Actor, Command, RequestState]:
        transition, actor, command = self._decode(name, args)
        if self._next_cycle_started:
            raise refusal(
                PeriodClosed(
                    "This funding period has been extended; send the request to the new period."
                )
            )
        try:
            return transition, actor, command, apply(self._state, command, actor, workflow.now())
        except RuleViolation as violation:
            raise refusal(violation) from None

    @workflow.update(dynamic=True)
    async def transition(self, name: str, args: Sequence[RawValue]) -> TransitionResult:
        """Apply a transition the validator accepted; return once its register entries are written.

        The state changes before the first await, so transitions arriving
        meanwhile see it; the main loop writes the entries in order.
        """
        transition, actor, command, after = self._apply(name, args)
        before, self._state = self._state, after
        info = workflow.info()
        entries = entries_for_transition(
            transition,
            before,
            after,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
            now=workflow.now(),
        )
        self._outbox.extend(entries)
        self._next_cycle_started = after.cycle > before.cycle
        self._state_changed = True
        publish_search_attributes(self._state, self._published)
        keys = tuple(entry.idempotency_key for entry in entries)
        if keys:
            await workflow.wait_condition(lambda: set(keys) <= self._written_keys)
        if self._follow_through:
            await self._tell_meetings(command, actor, before, after)
        return TransitionResult(
            transition=transition,
            stage=self._state.stage if self._follow_through else after.stage,
            cycle=after.cycle,
            audit_entry=after.audit[-1],
            register_keys=keys,
        )

    async def _tell_meetings(
        self, command: Command, actor: Actor, before: RequestState, after: RequestState
    ) -> None:
        """Put the request on its meeting's agenda (back to option listing if the meeting
        will not take it) and log its minute's actions at their meetings."""
        for message in messages_for(command, actor, before, after):
            reply = await send(message)
            back = refused_placement(self._state, message, reply, actor, workflow.now())
            if back is not None:
                self._state, self._state_changed = back, True
                publish_search_attributes(self._state, self._published)

    @workflow.signal(name=names.FORWARD_PLAN_SIGNAL)
    def forward_plan(self, plan: ForwardPlan) -> None:
        """Take the forum's meeting days as they now stand: the procurement plan, its
        reminders and the drafting warnings are worked out against them from now on."""
        self._meetings = plan.meeting_days
        self._watch.replan(plan.meeting_days)
        self._state_changed = True

    @transition.validator
    def validate_transition(self, name: str, args: Sequence[RawValue]) -> None:
        """Run the domain rules; raising here keeps a refused transition out of history."""
        self._apply(name, args)

    @workflow.query(name=names.REQUEST_STATE_QUERY)
    def state(self) -> RequestState:
        """The request as it stands."""
        return self._state

    @workflow.query(name=names.REQUEST_AUDIT_TRAIL_QUERY)
    def audit_trail(self) -> AuditTrail:
        """Who did what, when, in which role, and why; and every notice sent."""
        return AuditTrail(
            reference=self._state.reference,
            entries=self._state.audit,
            notices=self._state.notices,
        )

    @workflow.query(name=names.REQUEST_DEADLINES_QUERY)
    def deadlines(self) -> RequestDeadlines:
        """What is due and when, with a warning if the procurement lead-in cannot be met."""
        today = workflow.now().astimezone(LONDON).date()
        return RequestDeadlines(
            reference=self._state.reference,
            deadlines=tuple(request_deadlines(self._state, self._meetings)),
            warning=procurement_warning(self._state, self._meetings, today),
        )

    @workflow.query(name=names.REQUEST_ALLOWED_ACTIONS_QUERY)
    def allowed_actions(self, query: AllowedActionsQuery) -> AllowedActions:
        """The transitions the given roles may take now."""
        return AllowedActions(
            stage=self._state.stage,
            transitions=allowed_transitions(self._state, frozenset(query.roles), query.user_id),
        )

    @workflow.query(name=names.REQUEST_OVERVIEW_QUERY)
    def overview(self, query: AllowedActionsQuery) -> RequestOverview:
        """The state, the deadlines and what the given roles may do, for a page that shows all
        three: one query, where three would wait on the worker three times."""
        return RequestOverview(
            state=self.state(), deadlines=self.deadlines(), allowed=self.allowed_actions(query)
        )
