"""The smoke workflow runs end to end on each real Temporal server."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import uuid
from datetime import timedelta

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.smoke import SmokeActivities
from config.logs import build_formatter
from contracts.smoke import Release, SmokeInput
from worker.app import WorkerDependencies, build_worker
from workflows.smoke import SmokeWorkflow


async def test_smoke_workflow_runs_activity_and_returns(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> None:
    """A workflow started by the client runs its activity on the worker and completes."""
    deps = dataclasses.replace(deps, smoke=SmokeActivities(salutation="Good morning"))
    async with build_worker(env.client, task_queue, deps):
        result = await env.client.execute_workflow(
            SmokeWorkflow.run,
            SmokeInput(name="Schools Forum"),
            id=f"smoke-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert result.greeting == "Good morning, Schools Forum"
    assert result.released_early is False


async def test_smoke_workflow_timer_is_durable_and_skipped(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> None:
    """A held workflow finishes when its durable timer fires, not when released."""
    async with build_worker(env.client, task_queue, deps):
        handle = await env.client.start_workflow(
            SmokeWorkflow.run,
            SmokeInput(name="clerk", hold_seconds=3600),
            id=f"smoke-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        if env.supports_time_skipping:
            await env.sleep(timedelta(hours=1, seconds=1))
        else:
            await handle.execute_update(SmokeWorkflow.release, Release(note="dev server"))
        result = await handle.result()
        description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    assert result.released_early is (not env.supports_time_skipping)


async def test_workflow_and_activity_logs_carry_workflow_id(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> None:
    """Workflow and activity log lines are rendered as JSON with workflow id and run id."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(build_formatter("json"))
    temporal_logger = logging.getLogger("temporalio")
    previous_level = temporal_logger.level
    temporal_logger.addHandler(handler)
    temporal_logger.setLevel(logging.INFO)
    workflow_id = f"smoke-{uuid.uuid4()}"
    try:
        async with build_worker(env.client, task_queue, deps):
            handle = await env.client.start_workflow(
                SmokeWorkflow.run, SmokeInput(name="officer"), id=workflow_id, task_queue=task_queue
            )
            await handle.result()
    finally:
        temporal_logger.removeHandler(handler)
        temporal_logger.setLevel(previous_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ours = {
        line["event"].split(" (")[0]: line
        for line in lines
        if line.get("workflow_id") == workflow_id
    }
    assert ours["greeting"]["run_id"] == handle.result_run_id
    assert ours["greeting"]["activity_type"] == "smoke_greet"
    assert ours["greeted, holding"]["run_id"] == handle.result_run_id
    assert ours["greeted, holding"]["workflow_type"] == "SmokeWorkflow"
    assert "temporal_workflow" not in ours["greeted, holding"], "context is flattened"


def test_uvicorn_colour_escapes_stay_out_of_json_logs() -> None:
    """A uvicorn record's color_message extra is dropped; its plain message is kept."""
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started", (), None)
    record.color_message = "\x1b[32mStarted\x1b[0m"
    line = json.loads(build_formatter("json").format(record))
    assert line["event"] == "Started"
    assert "color_message" not in line
