"""The dev server the run command starts keeps workflows across restarts."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts import search_attributes
from contracts.smoke import SmokeInput
from devtools.devserver import DevServer
from devtools.toolchain import cli_version, ensure_temporal_cli
from worker.app import WorkerDependencies, build_worker
from workflows.smoke import SmokeWorkflow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cli() -> Path:
    tool = ensure_temporal_cli()
    if tool is None:
        pytest.skip("no Go toolchain to build the Temporal CLI")
    return tool.path


def test_cli_is_the_pinned_version(cli: Path) -> None:
    """The project's Temporal CLI reports CLI 1.5.1 with server 1.29.1."""
    assert cli_version(cli) == "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)"


async def test_workflow_survives_dev_server_kill_and_restart(
    cli: Path, tmp_path: Path, deps: WorkerDependencies
) -> None:
    """A workflow started before a server kill is there after the restart and its timer fires."""
    server = DevServer(
        cli, tmp_path / "temporal.sqlite3", namespace="forumflow", port=free_port(), ui_port=None
    )
    await server.start()
    client = await Client.connect(
        server.address, namespace="forumflow", data_converter=pydantic_data_converter
    )
    workflow_id = f"restart-{uuid.uuid4()}"
    handle = await client.start_workflow(
        SmokeWorkflow.run,
        SmokeInput(name="after restart", hold_seconds=4),
        id=workflow_id,
        task_queue="restart",
    )
    await server.kill()
    await server.start()
    client = await Client.connect(
        server.address, namespace="forumflow", data_converter=pydantic_data_converter
    )
    try:
        async with build_worker(client, "restart", deps):
            result = await client.get_workflow_handle_for(SmokeWorkflow.run, workflow_id).result()
        description = await client.get_workflow_handle(workflow_id).describe()
    finally:
        await server.stop()
    assert handle.id == workflow_id
    assert result.greeting == "Hello, after restart"
    assert result.released_early is False, "the durable timer fired after the restart"
    assert description.status == WorkflowExecutionStatus.COMPLETED


async def test_search_attributes_added_to_an_existing_database(cli: Path, tmp_path: Path) -> None:
    """A database made before forumflow's search attributes existed gets them on the next start."""
    db_file = tmp_path / "old.sqlite3"
    port = free_port()
    older = DevServer(
        cli, db_file, namespace="forumflow", port=port, ui_port=None, search_attribute_keys=()
    )
    client = await older.start()
    before = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="forumflow")
    )
    await older.stop()
    server = DevServer(cli, db_file, namespace="forumflow", port=port, ui_port=None)
    try:
        client = await server.start()
        after = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="forumflow")
        )
    finally:
        await server.stop()
    names = {key.name for key in search_attributes.ALL}
    assert not names & set(before.custom_attributes)
    assert names <= set(after.custom_attributes)
