"""A smoke workflow that proves the chain end to end: client, server, worker,
activity, durable timer and update, all on a real Temporal server."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts import names
    from contracts.smoke import GreetRequest, Release, SmokeInput, SmokeResult


@workflow.defn(name=names.SMOKE_WORKFLOW)
class SmokeWorkflow:
    """Greets through an activity, then holds on a durable timer unless released."""

    def __init__(self) -> None:
        self._released = False

    @workflow.update(name=names.SMOKE_RELEASE_UPDATE)
    def release(self, request: Release) -> None:
        """Let the workflow finish now rather than when its timer fires."""
        self._released = True

    @workflow.run
    async def run(self, smoke: SmokeInput) -> SmokeResult:
        """Greet ``smoke.name``, hold for ``smoke.hold_seconds`` unless released, and report."""
        greeting = await workflow.execute_activity(
            names.SMOKE_GREET_ACTIVITY,
            GreetRequest(name=smoke.name),
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
        )
        workflow.logger.info("greeted, holding", extra={"hold_seconds": smoke.hold_seconds})
        if smoke.hold_seconds:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._released, timeout=timedelta(seconds=smoke.hold_seconds)
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return SmokeResult(greeting=greeting, released_early=self._released)
