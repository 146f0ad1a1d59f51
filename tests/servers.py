"""Starts the real Temporal servers the tests run on, with forumflow's search attributes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    WorkflowHandle,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from contracts import search_attributes
from devtools.devserver import add_search_attributes, dynamic_config_args
from devtools.toolchain import ensure_temporal_cli, ensure_test_server

SERVER_KINDS = ("time-skipping", "dev")


class StartedWorkflows(Interceptor):
    """Remembers the id of every workflow the client starts, so tests can clean up."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RecordStarts(next, self.ids)

    def drain(self) -> list[str]:
        """The ids recorded since the last drain."""
        ids, self.ids[:] = list(self.ids), []
        return ids


class _RecordStarts(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, ids: list[str]) -> None:
        super().__init__(next)
        self._ids = ids

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        handle = await super().start_workflow(input)
        self._ids.append(input.id)
        return handle


STARTED = StartedWorkflows()


async def start_environment(kind: str) -> WorkflowEnvironment:
    """The dev server (``dev``) or the Java time-skipping test server (``time-skipping``)."""
    if kind == "dev":
        cli = ensure_temporal_cli()
        return await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            interceptors=[STARTED],
            dev_server_existing_path=str(cli.path) if cli else None,
            search_attributes=search_attributes.ALL,
            dev_server_log_level="error",
            dev_server_startup_timeout=timedelta(seconds=60),
            dev_server_extra_args=dynamic_config_args(),
        )
    test_server = ensure_test_server()
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        interceptors=[STARTED],
        test_server_existing_path=str(test_server.path) if test_server else None,
        test_server_startup_timeout=timedelta(seconds=60),
    )
    await add_search_attributes(
        environment.client, environment.client.namespace, search_attributes.ALL
    )
    return environment
