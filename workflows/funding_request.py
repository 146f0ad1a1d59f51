"""One funding request, from drafting to evaluation, as a durable workflow.

The rules live in ``domain`` as pure functions. This workflow is the shell
around them: every transition is an Update whose validator runs the rules
first, so a refused transition is rejected before anything reaches history;
accepted transitions change the state synchronously and queue their register
entries, which the main loop writes through an idempotent activity. An
extension starts the next funding period by continue-as-new.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Sequence
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.register import RegisterActivities
    from contracts.register import RegisterEntry
    from contracts.request import (
        AllowedActions,
        AllowedActionsQuery,
        AuditTrail,
        RequestDeadlines,
        RequestOutcome,
        StartRequest,
        TransitionResult,
        TransitionUpdate,
    )
    from domain.calendar import LONDON
    from domain.deadlines import procurement_warning, request_deadlines
    from domain.errors import PeriodClosed, RuleViolation
    from domain.lifecycle import CURRENT_RULES, Command, Transition, allowed_transitions, apply
    from domain.models import Actor, NoticeRecord, RequestState, Stage
    from domain.steps import evolve
    from workflows.refusals import decode_update, refusal
    from workflows.register_entries import entries_for_transition
    from workflows.request_alarms import DeadlineWatch
    from workflows.request_notices import BACKGROUND_NOTICES_PATCH, NoticeRound, deliver
    from workflows.request_rules import handler_rules
    from workflows.request_search import search_attribute_updates, typed_search_attributes

_UNSET = object()
TERMINAL_STAGES = frozenset({Stage.closed, Stage.rejected, Stage.withdrawn})
KNOWN_TRANSITIONS = frozenset(transition.value for transition in Transition)
DEADLINE_ALARMS_PATCH = "deadline-alarms"
PROCUREMENT_WARNING_PATCH = "procurement-warning"
FOLLOW_MEETING_PATCH = "follow-meeting"
ANNUAL_DECISION_WARNING_PATCH = "annual-decision-warning"
REGISTER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


@workflow.defn
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
        self._notices = NoticeRound(self._record_notice, self._wake)

    @workflow.run
    async def run(self, start: StartRequest) -> RequestOutcome:
        self._publish_search_attributes()
        # Runs started before deadline alarms existed keep running without them.
        alarms_on = workflow.patched(DEADLINE_ALARMS_PATCH)
        self._watch.warnings_on = alarms_on and workflow.patched(PROCUREMENT_WARNING_PATCH)
        in_background = alarms_on and workflow.patched(BACKGROUND_NOTICES_PATCH)
        self._watch.annual_warning_on = in_background and workflow.patched(
            ANNUAL_DECISION_WARNING_PATCH
        )
        while True:
            # While a round is out, its end wakes the loop; an alarm it is sending would
            # otherwise still look due and spin the loop.
            timed = alarms_on and not self._notices.busy
            sleep = self._watch.sleep_for(self._state, workflow.now()) if timed else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: bool(self._outbox) or self._finished() or self._state_changed,
                    timeout=sleep,
                )
            self._state_changed = False
            while self._outbox:
                await self._write(self._outbox[0])
                self._outbox.popleft()
            if in_background and not self._finished() and not self._notices.busy:
                if due := self._watch.due_notices(self._state, workflow.now()):
                    self._notices.start(due, workflow.now())
            elif alarms_on and not in_background and not self._finished():
                await self._deliver_due_notices()
            if self._finished():
                # A handler may still be waiting for entries queued meanwhile: drain them first.
                await workflow.wait_condition(
                    lambda: bool(self._outbox) or workflow.all_handlers_finished()
                )
                if not self._outbox:
                    break
        await self._notices.finish()
        if self._next_cycle_started:
            workflow.continue_as_new(
                StartRequest(
                    draft=self._state.draft,
                    actor=start.actor,
                    carried=self._state,
                    scheduled_meetings=start.scheduled_meetings,
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

    def _finished(self) -> bool:
        return self._state.stage in TERMINAL_STAGES or self._next_cycle_started

    def _record_notice(self, record: NoticeRecord) -> None:
        self._state = evolve(self._state, notices=(*self._state.notices, record))

    def _wake(self) -> None:
        self._state_changed = True

    async def _deliver_due_notices(self) -> None:
        now = workflow.now()
        for notice in self._watch.due_notices(self._state, now):
            self._record_notice(await deliver(notice, now))

    async def _write(self, entry: RegisterEntry) -> None:
        await workflow.execute_activity_method(
            RegisterActivities.record,
            entry,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=REGISTER_RETRY,
        )
        self._register_keys.append(entry.idempotency_key)
        self._written_keys.add(entry.idempotency_key)

    def _decode(self, name: str, args: Sequence[RawValue]) -> tuple[Transition, Actor, Command]:
        update = decode_update(name, args, KNOWN_TRANSITIONS, TransitionUpdate)
        return Transition(name), update.actor, update.command

    def _apply(
        self, name: str, args: Sequence[RawValue], *, replayable: bool = False
    ) -> tuple[Transition, RequestState]:
        transition, actor, command = self._decode(name, args)
        rules = handler_rules(self._state, transition) if replayable else CURRENT_RULES
        if self._next_cycle_started:
            raise refusal(
                PeriodClosed(
                    "This funding period has been extended; send the request to the new period."
                )
            )
        try:
            return transition, apply(self._state, command, actor, workflow.now(), rules)
        except RuleViolation as violation:
            raise refusal(violation) from None

    @workflow.update(dynamic=True)
    async def transition(self, name: str, args: Sequence[RawValue]) -> TransitionResult:
        """Apply a transition the validator accepted; return once its register entries are written.

        The state changes before the first await, so transitions arriving
        meanwhile see it; the main loop writes the entries in order.
        """
        transition, after = self._apply(name, args, replayable=True)
        if transition is Transition.follow_meeting and not workflow.patched(FOLLOW_MEETING_PATCH):
            raise ApplicationError("This request cannot follow meeting moves.", non_retryable=True)
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
        self._publish_search_attributes()
        keys = tuple(entry.idempotency_key for entry in entries)
        if keys:
            await workflow.wait_condition(lambda: set(keys) <= self._written_keys)
        return TransitionResult(
            transition=transition,
            stage=after.stage,
            cycle=after.cycle,
            audit_entry=after.audit[-1],
            register_keys=keys,
        )

    @transition.validator
    def validate_transition(self, name: str, args: Sequence[RawValue]) -> None:
        """Run the domain rules; raising here keeps a refused transition out of history."""
        self._apply(name, args)

    @workflow.query
    def state(self) -> RequestState:
        """The request as it stands."""
        return self._state

    @workflow.query
    def audit_trail(self) -> AuditTrail:
        """Who did what, when, in which role, and why; and every notice sent."""
        return AuditTrail(
            reference=self._state.reference,
            entries=self._state.audit,
            notices=self._state.notices,
        )

    @workflow.query
    def deadlines(self) -> RequestDeadlines:
        """What is due and when, with a warning if the procurement lead-in cannot be met."""
        today = workflow.now().astimezone(LONDON).date()
        return RequestDeadlines(
            reference=self._state.reference,
            deadlines=tuple(request_deadlines(self._state, self._meetings)),
            warning=procurement_warning(self._state, self._meetings, today),
        )

    @workflow.query
    def allowed_actions(self, query: AllowedActionsQuery) -> AllowedActions:
        """The transitions the given roles may take now."""
        return AllowedActions(
            stage=self._state.stage,
            transitions=allowed_transitions(self._state, frozenset(query.roles), query.user_id),
        )

    def _publish_search_attributes(self) -> None:
        # Only changed values: every upsert is a history event, and a vote changes none.
        changed = [
            update
            for update in search_attribute_updates(self._state)
            if self._published.get(update.key.name, _UNSET) != update.value
        ]
        if changed:
            workflow.upsert_search_attributes(changed)
            self._published.update({update.key.name: update.value for update in changed})
