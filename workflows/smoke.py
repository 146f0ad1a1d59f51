"""A smoke workflow that proves the chain end to end: client, server, worker,
activity, durable timer and update, all on a real Temporal server."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from temporalio import activity, workflow


class SmokeInput(BaseModel):
    """What the smoke workflow is started with."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    hold_seconds: int = Field(default=0, ge=0, description="durable timer before finishing")


class GreetRequest(BaseModel):
    """Input of the greeting activity."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str


class Release(BaseModel):
    """Lets a held smoke workflow finish before its timer."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    note: str = ""


class SmokeResult(BaseModel):
    """What the smoke workflow returns."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    greeting: str
    released_early: bool


class SmokeActivities:
    """Activities of the smoke workflow; a class so tests can pass dependencies."""

    def __init__(self, salutation: str = "Hello") -> None:
        self._salutation = salutation

    @activity.defn(name="smoke_greet")
    async def greet(self, request: GreetRequest) -> str:
        activity.logger.info("greeting", extra={"for": request.name})
        return f"{self._salutation}, {request.name}"


@workflow.defn
class SmokeWorkflow:
    """Greets through an activity, then holds on a durable timer unless released."""

    def __init__(self) -> None:
        self._released = False

    @workflow.update
    async def release(self, request: Release) -> None:
        self._released = True

    @workflow.run
    async def run(self, smoke: SmokeInput) -> SmokeResult:
        greeting = await workflow.execute_activity_method(
            SmokeActivities.greet,
            GreetRequest(name=smoke.name),
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
