"""Starts the real Temporal servers the tests run on, with forumflow's search attributes."""

from __future__ import annotations

from datetime import timedelta

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from forumflow.devserver import add_search_attributes
from forumflow.toolchain import ensure_temporal_cli, ensure_test_server
from workflows import search_attributes

SERVER_KINDS = ("time-skipping", "dev")


async def start_environment(kind: str) -> WorkflowEnvironment:
    """The dev server (``dev``) or the Java time-skipping test server (``time-skipping``)."""
    if kind == "dev":
        cli = ensure_temporal_cli()
        return await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=str(cli.path) if cli else None,
            search_attributes=search_attributes.ALL,
            dev_server_log_level="error",
            dev_server_startup_timeout=timedelta(seconds=60),
        )
    test_server = ensure_test_server()
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(test_server.path) if test_server else None,
        test_server_startup_timeout=timedelta(seconds=60),
    )
    await add_search_attributes(
        environment.client, environment.client.namespace, search_attributes.ALL
    )
    return environment
