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
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.register import RegisterActivities
    from domain.errors import RuleViolation
    from domain.lifecycle import Command, Transition, allowed_transitions, apply
    from domain.models import Actor, RequestState, Stage
    from register import RegisterEntry
    from workflows.messages import (
        AllowedActions,
        AllowedActionsQuery,
        AuditTrail,
        RequestOutcome,
        StartRequest,
        TransitionResult,
        TransitionUpdate,
    )
    from workflows.register_entries import entries_for_transition
    from workflows.request_search import search_attribute_updates, typed_search_attributes

_UNSET = object()
TERMINAL_STAGES = frozenset({Stage.closed, Stage.rejected, Stage.withdrawn})
KNOWN_TRANSITIONS = frozenset(transition.value for transition in Transition)
REGISTER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


def _refusal(error: RuleViolation) -> ApplicationError:
    return ApplicationError(
        error.message,
        {"rule": error.rule, "field": error.field},
        type=type(error).__name__,
        non_retryable=True,
    )


def _invalid(transition: str, error: ValidationError) -> ApplicationError:
    problems = [
        {"field": ".".join(str(part) for part in issue["loc"]), "rule": issue["msg"]}
        for issue in error.errors(include_url=False, include_input=False)
    ]
    described = "; ".join(f"{p['field'] or '(body)'}: {p['rule']}" for p in problems)
    return ApplicationError(
        f"Invalid {transition} request: {described}",
        {"rule": "invalid-input", "problems": problems},
        type="InvalidCommand",
        non_retryable=True,
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

    @workflow.run
    async def run(self, start: StartRequest) -> RequestOutcome:
        self._publish_search_attributes()
        while True:
            await workflow.wait_condition(lambda: bool(self._outbox) or self._finished())
            while self._outbox:
                await self._write(self._outbox[0])
                self._outbox.popleft()
            if self._finished():
                await workflow.wait_condition(
                    lambda: not self._outbox and workflow.all_handlers_finished()
                )
                if not self._outbox:
                    break
        if self._next_cycle_started:
            workflow.continue_as_new(
                StartRequest(draft=self._state.draft, actor=start.actor, carried=self._state),
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
        if name not in KNOWN_TRANSITIONS:
            raise ApplicationError(
                f"Unknown transition {name!r}; known: {', '.join(sorted(KNOWN_TRANSITIONS))}",
                {"rule": "unknown-transition", "field": None},
                type="UnknownTransition",
                non_retryable=True,
            )
        if len(args) != 1:
            raise ApplicationError(
                f"{name} takes exactly one TransitionUpdate argument, not {len(args)}",
                {"rule": "invalid-input", "field": None},
                type="InvalidCommand",
                non_retryable=True,
            )
        try:
            update = workflow.payload_converter().from_payload(args[0].payload, TransitionUpdate)
        except ValidationError as error:
            raise _invalid(name, error) from None
        if update.command.kind != name:
            raise ApplicationError(
                f"The {name} update carries a {update.command.kind} command",
                {"rule": "command-kind-mismatch", "field": "command.kind"},
                type="InvalidCommand",
                non_retryable=True,
            )
        return Transition(name), update.actor, update.command

    def _apply(self, name: str, args: Sequence[RawValue]) -> tuple[Transition, RequestState]:
        transition, actor, command = self._decode(name, args)
        if self._next_cycle_started:
            raise ApplicationError(
                "This funding period has been extended; send the request to the new period.",
                {"rule": "period-closed", "field": None},
                type="TransitionNotAllowedInStage",
                non_retryable=True,
            )
        try:
            return transition, apply(self._state, command, actor, workflow.now())
        except RuleViolation as violation:
            raise _refusal(violation) from None

    @workflow.update(dynamic=True)
    async def transition(self, name: str, args: Sequence[RawValue]) -> TransitionResult:
        """Apply a transition the validator accepted; return once its register entries are written.

        The state changes before the first await, so transitions arriving
        meanwhile see it; the main loop writes the entries in order.
        """
        transition, after = self._apply(name, args)
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
        """Who did what, when, in which role, and why."""
        return AuditTrail(reference=self._state.draft.reference, entries=self._state.audit)

    @workflow.query
    def allowed_actions(self, query: AllowedActionsQuery) -> AllowedActions:
        """The transitions the given roles may take now."""
        return AllowedActions(
            stage=self._state.stage,
            transitions=allowed_transitions(self._state, frozenset(query.roles)),
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
