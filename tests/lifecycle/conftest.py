"""A worker on a fresh task queue and a client for driving requests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from forumflow.requests import FundingRequests
from worker.app import WorkerDependencies, build_worker


@pytest.fixture
async def forum(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> AsyncIterator[FundingRequests]:
    """Funding requests on a real server, with a worker running for this test only."""
    async with build_worker(env.client, task_queue, deps):
        yield FundingRequests(env.client, task_queue)
