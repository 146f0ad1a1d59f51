"""CLI test fixtures: the real API served over HTTP, and ``forum`` run against it.

The app is built like tests/api/conftest.py over the test's own worker, then served by
uvicorn on a free loopback port as a task in the test's event loop. The CLI is a sync
httpx client, so each invocation runs in a thread (``asyncio.to_thread``) while the
loop keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from api.app import create_app
from api.services import ApiServices
from cli.main import app
from clients.requests import FundingRequests
from config.settings import Settings
from devtools.seeds import MEMBERS
from storage.accounts import NewUser, UserDirectory
from storage.register import DecisionRegister
from tests.api.conftest import STAFF

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
"""The ready-made JSON bodies the README's session uses."""

# Unset in every invocation, so a developer's own FORUM_* settings never leak in; and
# wide enough that rich wraps no table cell the assertions read.
_CLEAN_ENV: dict[str, str | None] = {"FORUM_API_URL": None, "FORUM_TOKEN": None, "COLUMNS": "200"}


@dataclass
class Forum:
    """The served API and a way to run ``forum`` against it as a seeded user."""

    url: str
    services: ApiServices
    tokens: dict[str, str] = field(default_factory=dict)

    async def run(
        self,
        user: str | None,
        *args: str,
        json_output: bool = False,
        url: str | None = None,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        global_flags: bool = True,
    ) -> Result:
        """``forum [--json] ARGS`` signed in as ``user`` (no token when None).

        ``global_flags=False`` leaves out --api-url and --token, for ``env`` to give them.
        """
        argv = ["--api-url", url or self.url] if global_flags else []
        if user is not None and global_flags:
            argv += ["--token", self.tokens[user]]
        if json_output:
            argv.append("--json")
        argv.extend(args)
        environment = {**_CLEAN_ENV, **(env or {})}

        def invoke() -> Result:
            return CliRunner().invoke(app, argv, input=stdin, env=environment)

        return await asyncio.to_thread(invoke)

    async def ok(self, user: str | None, *args: str, stdin: str | None = None) -> str:
        """Run the command, which must succeed; its stdout."""
        result = await self.run(user, *args, stdin=stdin)
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        return result.stdout

    async def fails(
        self,
        user: str | None,
        *args: str,
        code: int,
        json_output: bool = False,
        url: str | None = None,
    ) -> Result:
        """Run the command, which must exit with ``code`` and say why on stderr only."""
        result = await self.run(user, *args, json_output=json_output, url=url)
        assert result.exit_code == code, (args, result.stdout, result.stderr, result.exception)
        assert result.stdout == ""
        assert result.stderr.strip()
        return result

    async def json(self, user: str | None, *args: str) -> Any:
        """Run the command with ``--json``, which must succeed; its stdout parsed."""
        result = await self.run(user, *args, json_output=True)
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        return json.loads(result.stdout)


@pytest.fixture
def directory(tmp_path: Path) -> UserDirectory:
    """A real user directory on this test's own SQLite file."""
    users = UserDirectory(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    users.create_schema()
    return users


def free_socket() -> socket.socket:
    """A listening-ready socket bound to a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def served(
    env: WorkflowEnvironment,
    task_queue: str,
    forum: FundingRequests,
    register: DecisionRegister,
    directory: UserDirectory,
) -> AsyncIterator[Forum]:
    """The API served over HTTP for this test, with the officer, chair, clerk and members."""
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
    async with serve(create_app(services)) as url:
        yield Forum(url=url, services=services, tokens=tokens)


@asynccontextmanager
async def serve(application: FastAPI) -> AsyncIterator[str]:
    """``application`` served by uvicorn on a free loopback port, in this loop; its URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises why it could not start
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        sock.close()
