"""The minimal workflow every benchmark compares forumflow with.

It does nothing but what Temporal itself must do: accept Updates that change
nothing, stay open until told to finish, and (for the time-skipping benchmark)
sleep through a given number of durable timers. It runs in the same sandbox,
with the same data converter, as forumflow's workflows.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bench.baseline_messages import BaselineInput, BaselineResult

__all__ = ["BaselineInput", "BaselineResult", "BaselineWorkflow"]


@workflow.defn
class BaselineWorkflow:
    """Accepts no-op Updates until ``finish``, after sleeping through its timers."""

    def __init__(self) -> None:
        self._updates = 0
        self._finished = False

    @workflow.update
    def noop(self) -> None:
        """Change nothing; the round trip is what is measured."""
        self._updates += 1

    @workflow.update
    def finish(self) -> None:
        """Let the workflow complete."""
        self._updates += 1
        self._finished = True

    @workflow.run
    async def run(self, start: BaselineInput) -> BaselineResult:
        fired = 0
        if start.timers:
            step = timedelta(seconds=start.total_seconds / start.timers)
            for _ in range(start.timers):
                await workflow.sleep(step)
                fired += 1
            return BaselineResult(updates=self._updates, timers_fired=fired)
        await workflow.wait_condition(lambda: self._finished)
        return BaselineResult(updates=self._updates, timers_fired=fired)
