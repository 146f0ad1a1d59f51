"""The minimal workflow every benchmark compares forumflow with.

It does nothing but what Temporal itself must do: accept Updates that change
nothing, stay open until told to finish, and (for the time-skipping benchmark)
sleep through a given number of durable timers. It runs in the same sandbox,
with the same data converter, as forumflow's workflows.

For the lifecycles benchmark's second baseline it can also write a decision-register
entry per Update (``record``, ``record_and_finish``): through a local activity, the
least Temporal needs to have the row in the register before the Update returns; or,
started with ``register_by_activity``, through an ordinary activity, as forumflow writes
its entries (a row stamped with ``workflow.now()`` must not be written by a workflow
task that may be retried at a later instant). The bare baseline never sends those
Updates, so they add nothing to its runs. Started with a ``shape`` read from a forumflow
history (``bench.history_shape``), it also adds forumflow's other events at the same
points: its patch markers, an upsert for each of forumflow's search-attribute upserts,
and its reminder timers started and cancelled, with no rules run to decide them.

For the latency benchmark's second baseline it can also take a transition's own payload
and answer with a result of the transition's shape (``carry``): what carrying a person's
action into a workflow and its record back out costs, with no rules run and no state
kept. For the memory benchmark's second baseline it keeps what it is given instead
(``keep``, and a request's start payload in its input): the least an open request must
hold, its draft and each action with the audit entry it made, with no rules run.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bench.baseline_messages import BaselineInput, BaselineResult, ShapeStep
    from contracts import search_attributes
    from contracts.register import RegisterEntry
    from contracts.request import StartRequest, TransitionResult, TransitionUpdate
    from domain.audit import AuditEntry
    from domain.request.commands import Transition
    from domain.request.models import Stage

__all__ = [
    "NOTICE_ACTIVITY",
    "RECORD_ENTRY_ACTIVITY",
    "BaselineInput",
    "BaselineResult",
    "BaselineWorkflow",
]

RECORD_ENTRY_ACTIVITY = "bench_baseline_record_register_entry"
"""The name the worker registers bench.baseline_register's activity under; the workflow
calls it by name so that it imports no storage code into the sandbox."""
RECORD_TIMEOUT = timedelta(seconds=30)
SHAPE_TIMER = timedelta(days=400)
"""Long enough that no timer of a followed shape fires within a lifecycle."""
NOTICE_ACTIVITY = "bench_baseline_send_notice"
"""A notice as the time-skipping benchmark's third baseline sends one for each fired timer:
an activity that does nothing, so only Temporal's cost of a durable side effect is paid."""


@workflow.defn
class BaselineWorkflow:
    """Accepts no-op Updates until ``finish``, after sleeping through its timers."""

    @workflow.init
    def __init__(self, start: BaselineInput) -> None:
        self._updates = 0
        self._finished = False
        # Set here, not in run: Updates sent just after the start can be handled first.
        self._request: StartRequest | None = start.request
        self._register_by_activity = start.register_by_activity
        self._kept: list[tuple[TransitionUpdate, AuditEntry[Stage]]] = []
        self._shape = start.shape
        self._followed = 0
        self._timers: list[asyncio.Task[None]] = []

    def _follow(self, position: int) -> None:
        """Add the history events of the shape's steps up to ``position`` (0: the start,
        n: the n-th Update), each step once and in order, whichever runs first."""
        while self._followed <= position and self._followed < len(self._shape):
            self._add(self._followed, self._shape[self._followed])
            self._followed += 1

    def _add(self, position: int, step: ShapeStep) -> None:
        for patch in range(step.patches):
            workflow.patched(f"shape-{position}-{patch}")
        for _ in range(step.timers_cancelled):
            if self._timers:
                self._timers.pop(0).cancel()
        for upsert in range(step.upserts):
            workflow.upsert_search_attributes(
                [search_attributes.STAGE.value_set(f"shape-{position}-{upsert}")]
            )
        for _ in range(step.timers_started):
            self._timers.append(asyncio.create_task(workflow.sleep(SHAPE_TIMER)))

    @workflow.update
    def noop(self) -> None:
        """Change nothing; the round trip is what is measured."""
        self._updates += 1
        self._follow(self._updates)

    @workflow.update
    def carry(self, update: TransitionUpdate) -> TransitionResult:
        """Take a transition's payload and answer as a transition does, changing nothing:
        a result with an audit entry for the command, as forumflow's would have."""
        self._updates += 1
        return self._result(update)

    @workflow.update
    def keep(self, update: TransitionUpdate) -> TransitionResult:
        """``carry``, keeping the transition and its audit entry for the rest of the run."""
        self._updates += 1
        result = self._result(update)
        self._kept.append((update, result.audit_entry))
        return result

    def _result(self, update: TransitionUpdate) -> TransitionResult:
        actor = update.actor
        kind = update.command.kind
        entry = AuditEntry(
            at=workflow.now(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            role=min(actor.roles, default=None),
            transition=kind,
            from_stage=Stage.tabled,
            to_stage=Stage.tabled,
            summary=f"Carried {kind} for {actor.name}; nothing was changed or checked.",
        )
        return TransitionResult(
            transition=Transition(kind), stage=Stage.tabled, cycle=1, audit_entry=entry
        )

    @workflow.update
    def finish(self) -> None:
        """Let the workflow complete."""
        self._updates += 1
        self._follow(self._updates)
        self._finished = True

    @workflow.update
    async def record(self, entry: RegisterEntry) -> None:
        """Write ``entry`` to the register; return once it is written."""
        self._updates += 1
        self._follow(self._updates)
        await self._write(entry)

    @workflow.update
    async def record_and_finish(self, entry: RegisterEntry) -> None:
        """Write ``entry`` to the register, then let the workflow complete: forumflow's
        last transition of a lifecycle writes an entry too, so this is the last Update
        of a lifecycle that writes the same rows."""
        self._updates += 1
        self._follow(self._updates)
        await self._write(entry)
        self._finished = True

    async def _write(self, entry: RegisterEntry) -> None:
        if self._register_by_activity:
            await workflow.execute_activity(
                RECORD_ENTRY_ACTIVITY, entry, start_to_close_timeout=RECORD_TIMEOUT
            )
        else:
            await workflow.execute_local_activity(
                RECORD_ENTRY_ACTIVITY, entry, start_to_close_timeout=RECORD_TIMEOUT
            )

    @workflow.run
    async def run(self, start: BaselineInput) -> BaselineResult:
        self._follow(0)
        fired = 0
        if start.timers:
            step = timedelta(seconds=start.total_seconds / start.timers)
            for _ in range(start.timers):
                await workflow.sleep(step)
                fired += 1
                if start.notices:
                    await workflow.execute_activity(
                        NOTICE_ACTIVITY, fired, start_to_close_timeout=RECORD_TIMEOUT
                    )
            return BaselineResult(updates=self._updates, timers_fired=fired)
        await workflow.wait_condition(lambda: self._finished)
        return BaselineResult(updates=self._updates, timers_fired=fired)
