"""Fixtures for the reliability tests: the real app over a given Temporal client.

``serve_api`` builds the same app the run command serves, with the officer, chair,
clerk and 20 members seeded as users with tokens; ``api`` is that app over this
test's in-process worker (tests that run the worker as a separate process call
``serve_api`` themselves).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import ApiServices
from clients.requests import FundingRequests
from config.settings import Settings
from devtools.seeds import MEMBERS
from storage.accounts import NewUser, UserDirectory
from storage.register import DecisionRegister
from tests.api.conftest import STAFF, Api


@pytest.fixture
def directory(tmp_path: Path) -> UserDirectory:
    """A real user directory on this test's own SQLite file (the register's)."""
    users = UserDirectory(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    users.create_schema()
    return users


@asynccontextmanager
async def serve_api(
    client: Client,
    task_queue: str,
    register: DecisionRegister,
    directory: UserDirectory,
    *,
    http_timeout: float = 30.0,
) -> AsyncIterator[Api]:
    """The app over ``client`` and ``task_queue``, with every seeded user signed in."""
    services = ApiServices.build(
        Settings(annual_review_schedule=False),
        client,
        task_queue=task_queue,
        register=register,
        directory=directory,
    )
    tokens: dict[str, str] = {}
    for person in (*STAFF, *(NewUser.for_member(m) for m in MEMBERS)):
        directory.add(person)
        tokens[person.user_id] = directory.mint_token(person.user_id).token
    transport = httpx.ASGITransport(app=create_app(services), raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://forumflow.test", timeout=http_timeout
    ) as http:
        yield Api(http=http, services=services, tokens=tokens)


@pytest.fixture
async def api(
    env: WorkflowEnvironment,
    task_queue: str,
    forum: FundingRequests,
    register: DecisionRegister,
    directory: UserDirectory,
) -> AsyncIterator[Api]:
    """The API over this test's in-process worker."""
    async with serve_api(env.client, task_queue, register, directory) as served:
        yield served
