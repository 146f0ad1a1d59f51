"""Test fixtures: real Temporal servers, a fresh task queue per test.

``--temporal`` chooses the server: ``time-skipping`` (the Java test server,
which skips timers), ``dev`` (the Temporal CLI's dev server, which has
visibility and Schedules), or ``both`` (the default; every Temporal test runs
on each). Tests that need the dev server are marked ``devserver_only``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from forumflow.toolchain import ensure_temporal_cli, ensure_test_server
from workflows import search_attributes

SERVER_KINDS = ("time-skipping", "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--temporal",
        choices=(*SERVER_KINDS, "both"),
        default="both",
        help="which real Temporal server the workflow tests run on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server_kind" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--temporal")
        kinds = list(SERVER_KINDS) if chosen == "both" else [chosen]
        if metafunc.definition.get_closest_marker("devserver_only"):
            kinds = [kind for kind in kinds if kind == "dev"]
        metafunc.parametrize("server_kind", kinds, scope="session")


async def _start_environment(kind: str) -> WorkflowEnvironment:
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
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(test_server.path) if test_server else None,
        test_server_startup_timeout=timedelta(seconds=60),
    )


_environments: dict[str, WorkflowEnvironment] = {}


@pytest.fixture(scope="session")
async def env(server_kind: str) -> WorkflowEnvironment:
    """A real Temporal server of the chosen kind, shared by the session."""
    if server_kind not in _environments:
        _environments[server_kind] = await _start_environment(server_kind)
    return _environments[server_kind]


@pytest.fixture(scope="session", autouse=True)
async def _shutdown_environments() -> AsyncIterator[None]:
    yield
    for environment in _environments.values():
        await environment.shutdown()
    _environments.clear()


@pytest.fixture
def task_queue() -> str:
    """A task queue of this test's own, so workers of other tests never pick up its tasks."""
    return f"tq-{uuid.uuid4()}"
