"""The HTTP API as a server: uvicorn serving ``api.app.create_app`` in this process's
event loop, beside the worker (``python -m forumflow run``) or alone
(``python -m forumflow api``, the docker-compose service).

Also the first run: when the user directory is empty, a chair, a clerk and an officer
(named by the ``first_*`` settings) are added, so someone can mint a token and sign in.
No token is minted here, and none is ever printed or logged but by
``python -m forumflow token``, which shows a fresh one once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator, Sequence

import structlog
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.services import ApiServices
from clients.connection import connect
from config.settings import Settings
from domain.models import Role
from storage.accounts import NewUser, User, UserDirectory
from storage.migrations import upgrade_database

log = structlog.get_logger(__name__)

MINT_COMMAND = "python -m forumflow token <user-id>"


def first_users(settings: Settings) -> tuple[NewUser, ...]:
    """The chair, clerk and officer a first run adds, as the settings name them."""
    return (
        NewUser(
            user_id=settings.first_chair_id,
            name=settings.first_chair_name,
            email=settings.first_chair_email,
            roles=frozenset({Role.chair}),
        ),
        NewUser(
            user_id=settings.first_clerk_id,
            name=settings.first_clerk_name,
            email=settings.first_clerk_email,
            roles=frozenset({Role.clerk}),
        ),
        NewUser(
            user_id=settings.first_officer_id,
            name=settings.first_officer_name,
            email=settings.first_officer_email,
            roles=frozenset({Role.officer}),
        ),
    )


def seed_first_users(directory: UserDirectory, settings: Settings) -> list[User]:
    """Add the first users if the directory is empty; the users added (none otherwise)."""
    if not directory.is_empty():
        return []
    added = [directory.add(user) for user in first_users(settings)]
    log.info("first users added", user_ids=[user.user_id for user in added])
    return added


def describe_first_run(added: Sequence[User]) -> str:
    """What to tell the person starting forumflow about the users (never a token)."""
    if not added:
        return (
            f"Sign in with a bearer token: {MINT_COMMAND} mints one "
            "(python -m forumflow users lists the users)."
        )
    lines = ["First run: added the first users (they have no tokens yet):"]
    width = max(len(user.user_id) for user in added)
    for user in added:
        roles = ", ".join(sorted(role.value for role in user.roles))
        lines.append(f"  {user.user_id:<{width}}  {roles:<8} {user.name} <{user.email}>")
    lines.append(
        f"Mint a token for each with: {MINT_COMMAND}  (it is shown once; only its digest is kept)"
    )
    return "\n".join(lines)


class _Server(uvicorn.Server):
    """uvicorn without signal handlers of its own: the caller's stop event decides when
    to stop, so Ctrl-C shuts the worker and the API down in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family)
    sock.setblocking(False)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextlib.asynccontextmanager
async def running_api(
    app: FastAPI, host: str, port: int, *, stop: asyncio.Event | None = None
) -> AsyncIterator[str]:
    """Serve ``app`` on host:port while the block runs; yields the base URL.

    The port is bound before anything else, so a port in use is an OSError here rather
    than a server that never answers. If the server ends by itself, ``stop`` is set.
    """
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=10)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    if stop is not None:
        task.add_done_callback(lambda _: stop.set())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the API server stopped while starting")
            await asyncio.sleep(0.02)
        url = _url(sock)
        log.info("api ready", url=url, docs=f"{url}/docs")
        yield url
    finally:
        ended_by_itself = task.done()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
        log.info("api stopped")
    if ended_by_itself:
        raise RuntimeError("the API server stopped by itself; see the log above")


@contextlib.asynccontextmanager
async def api_services(settings: Settings, services: ApiServices) -> AsyncIterator[FastAPI]:
    """The app over ``services``, after the first run's users; closes the stores after."""
    print(describe_first_run(seed_first_users(services.directory, settings)), flush=True)
    try:
        yield create_app(services)
    finally:
        services.directory.close()
        services.register.close()


async def serve_api(settings: Settings, stop: asyncio.Event) -> None:
    """The API alone, on a Temporal server that is already running, until ``stop`` is set."""
    await asyncio.to_thread(upgrade_database, settings.resolved_register_url)
    client = await connect(settings)
    services = ApiServices.build(settings, client)
    async with (
        api_services(settings, services) as app,
        running_api(app, settings.api_host, settings.api_port, stop=stop) as url,
    ):
        print(f"HTTP API: {url}  (OpenAPI: {url}/docs)", flush=True)
        await stop.wait()
