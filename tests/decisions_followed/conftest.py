"""Requests whose client checks citations against the test's own register, on a worker
writing to that register: what the API's clients do in production."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from storage.register import DecisionRegister
from tests.conftest import wait_until_idle
from tests.servers import STARTED
from worker.app import WorkerDependencies, build_worker


@pytest.fixture
async def forum(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies, register: DecisionRegister
) -> AsyncIterator[FundingRequests]:
    """Funding requests on a real server with a worker for this test, citing its register."""
    async with build_worker(env.client, task_queue, deps):
        yield FundingRequests(env.client, task_queue, register=register)
        await wait_until_idle(env, STARTED.ids)
