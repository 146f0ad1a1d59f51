"""Test fixtures: real Temporal servers, a fresh task queue per test.

``--temporal`` chooses the server: ``time-skipping`` (the Java test server,
which skips timers), ``dev`` (the Temporal CLI's dev server, which has
visibility and Schedules), or ``both`` (the default; every Temporal test runs
on each). Tests that need the dev server are marked ``devserver_only``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from register import DecisionRegister
from tests.servers import SERVER_KINDS, start_environment
from worker.app import WorkerDependencies


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


_environments: dict[str, WorkflowEnvironment] = {}


@pytest.fixture(scope="session")
async def env(server_kind: str) -> WorkflowEnvironment:
    """A real Temporal server of the chosen kind, shared by the session."""
    if server_kind not in _environments:
        _environments[server_kind] = await start_environment(server_kind)
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


@pytest.fixture
def register(tmp_path: Path) -> Iterator[DecisionRegister]:
    """A real decision register on a SQLite file of this test's own."""
    decision_register = DecisionRegister(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    decision_register.create_schema()
    yield decision_register
    decision_register.close()


@pytest.fixture
def deps(register: DecisionRegister) -> WorkerDependencies:
    """Worker dependencies wired to this test's register."""
    return WorkerDependencies(register=register)
