"""API test fixtures: the real app over a real worker and dev server, with seeded users.

Requests go through httpx's ASGI transport to the same FastAPI app the run command
serves; the app's Temporal client is the test server's, so every call reaches a real
workflow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import ApiServices
from clients.requests import FundingRequests
from config.settings import Settings
from devtools.seeds import MEMBERS
from domain.people import Role
from storage.accounts import NewUser, UserDirectory
from storage.register import DecisionRegister

STAFF: tuple[NewUser, ...] = (
    NewUser(
        user_id="sean.hogg",
        name="Sean Hogg",
        email="sean.hogg@council.example.org",
        roles=frozenset({Role.officer}),
    ),
    NewUser(
        user_id="gail.earl",
        name="Gail Earl",
        email="gail.earl@council.example.org",
        roles=frozenset({Role.officer}),
    ),
    NewUser(
        user_id="chair",
        name="Forum Chair",
        email="chair@forum.example.org",
        roles=frozenset({Role.chair}),
    ),
    NewUser(
        user_id="clerk",
        name="Forum Clerk",
        email="clerk@council.example.org",
        roles=frozenset({Role.clerk}),
    ),
)


@dataclass
class Api:
    """An HTTP client of the app, and a bearer token per seeded user."""

    http: httpx.AsyncClient
    services: ApiServices
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user_id: str) -> dict[str, str]:
        """Headers that sign in as ``user_id``."""
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}


@pytest.fixture
def directory(tmp_path: Path) -> UserDirectory:
    """A real user directory on this test's own SQLite file."""
    users = UserDirectory(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    users.create_schema()
    return users


@pytest.fixture
async def api(
    env: WorkflowEnvironment,
    task_queue: str,
    forum: FundingRequests,
    register: DecisionRegister,
    directory: UserDirectory,
) -> AsyncIterator[Api]:
    """The API over this test's worker, with the officer, chair, clerk and 20 members."""
    services = ApiServices.build(
        Settings(annual_review_schedule=False),
        env.client,
        task_queue=task_queue,
        register=register,
        directory=directory,
    )
    tokens: dict[str, str] = {}
    for person in (*STAFF, *(NewUser.for_member(m) for m in MEMBERS)):
        directory.add(person)
        tokens[person.user_id] = directory.mint_token(person.user_id).token
    app = create_app(services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://forumflow.test") as http:
        yield Api(http=http, services=services, tokens=tokens)
