"""Test fixtures: real Temporal servers, a fresh task queue per test.

``--temporal`` chooses the server: ``time-skipping`` (the Java test server,
which skips timers), ``dev`` (the Temporal CLI's dev server, which has
visibility and Schedules), or ``both`` (the default; every Temporal test runs
on each). Tests that need the dev server are marked ``devserver_only``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer
from clients.requests import FundingRequests
from devtools.worker_process import WorkerProcess, forumflow_worker
from storage.deliveries import DeliveryLog
from storage.register import DecisionRegister
from tests.databases import BACKENDS, database_urls
from tests.servers import SERVER_KINDS, STARTED, start_environment
from tests.smtp import RecordingSmtpServer
from worker.app import WorkerDependencies, build_worker


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
        if metafunc.definition.get_closest_marker("timeskipping_only"):
            kinds = [kind for kind in kinds if kind == "time-skipping"]
        metafunc.parametrize("server_kind", kinds, scope="session")


_environments: dict[str, WorkflowEnvironment] = {}


@pytest.fixture
async def env(
    server_kind: str, request: pytest.FixtureRequest
) -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal server of the chosen kind, shared by the session.

    Workflows a test leaves running are terminated after it: their timers would
    fall due for a worker that is gone, and the time-skipping server stops its
    clock while such tasks wait. Modules marked ``own_clock`` get a time-skipping
    server of their own, so a module that skips months inherits nothing in flight.
    """
    key = server_kind
    if server_kind == "time-skipping" and request.node.get_closest_marker("own_clock"):
        key = f"{server_kind}:{request.node.module.__name__}"
    if key not in _environments:
        _environments[key] = await start_environment(server_kind)
    environment = _environments[key]
    STARTED.drain()
    yield environment
    for workflow_id in STARTED.drain():
        with contextlib.suppress(RPCError):
            await environment.client.get_workflow_handle(workflow_id).terminate("test finished")


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


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A real database per test: a SQLite file, then PostgreSQL when one is available."""
    yield from database_urls(request.param, tmp_path)


@pytest.fixture
def register(tmp_path: Path) -> Iterator[DecisionRegister]:
    """A real decision register on a SQLite file of this test's own."""
    decision_register = DecisionRegister(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    decision_register.create_schema()
    yield decision_register
    decision_register.close()


@pytest.fixture
def smtp_server() -> Iterator[RecordingSmtpServer]:
    """A real SMTP server on loopback that keeps every message it receives."""
    with RecordingSmtpServer() as server:
        yield server


@pytest.fixture
def worker_process(
    env: WorkflowEnvironment, task_queue: str, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> Iterator[WorkerProcess]:
    """``python -m worker`` in a process of its own (not started), for this test's queue,
    a register file in its directory and its SMTP server; stopped after the test."""
    process = forumflow_worker(
        address=env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        task_queue=task_queue,
        data_dir=tmp_path,
        smtp_port=smtp_server.port,
    )
    yield process
    process.stop()


@pytest.fixture
def deps(register: DecisionRegister, smtp_server: RecordingSmtpServer) -> WorkerDependencies:
    """Worker dependencies wired to this test's register and SMTP server."""
    deliveries = DeliveryLog(register.engine)
    deliveries.create_schema()
    mailer = SmtpMailer("127.0.0.1", smtp_server.port, sender="forumflow@forum.example.org")
    return WorkerDependencies(
        register=register, notifications=NotificationActivities(mailer, deliveries)
    )


@pytest.fixture
async def forum(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> AsyncIterator[FundingRequests]:
    """Funding requests on a real server, with a worker running for this test only."""
    async with build_worker(env.client, task_queue, deps):
        yield FundingRequests(env.client, task_queue)
        await wait_until_idle(env, STARTED.ids)


async def wait_until_idle(env: WorkflowEnvironment, workflow_ids: list[str]) -> None:
    """Wait (a few seconds at most) until no activity or workflow task of these is in flight.

    The time-skipping server keeps its clock locked for an activity whose worker
    stopped mid-way, even after the workflow ends, so workers stop only when idle.
    """
    for workflow_id in workflow_ids:
        for _ in range(100):
            try:
                raw = (await env.client.get_workflow_handle(workflow_id).describe()).raw_description
            except RPCError:
                break
            if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
                break
            await asyncio.sleep(0.05)
