"""The application as a server: the HTTP API and the web pages in one FastAPI app,
served by uvicorn in this process's event loop, beside the worker (the run command) or
alone (``python -m forumflow api``, the docker-compose service).

Also the first run: when the user directory is empty, a chair, a clerk and an officer
(named by the ``first_*`` settings) are added, so someone can sign in. People sign in
to the pages with a link emailed to them; programs use a bearer token. No token is
minted here, and none is ever printed or logged but by ``python -m forumflow token``,
which shows a fresh one once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator, Sequence

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import InterfaceError, OperationalError
from temporalio.client import RPCTimeoutOrCancelledError

from adapters.outbox import Outbox
from api.app import create_app
from api.problems import ApiError, respond
from api.services import ApiServices
from clients.connection import connect
from config.settings import Settings
from domain.people import Role
from storage.accounts import NewUser, User, UserDirectory
from storage.migrations import upgrade_database
from web.errors import install_error_pages
from web.links import Announce
from web.pages import SIGN_IN
from web.routes import router as pages_router
from web.services import WebServices
from web.templating import ASSETS_PATH, STATIC_DIR

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
            f"Programs sign in with a bearer token: {MINT_COMMAND} mints one "
            "(python -m forumflow users lists the users)."
        )
    lines = ["First run: added the first users (they sign in to the pages by email):"]
    width = max(len(user.user_id) for user in added)
    for user in added:
        roles = ", ".join(sorted(role.value for role in user.roles))
        lines.append(f"  {user.user_id:<{width}}  {roles:<8} {user.name} <{user.email}>")
    lines.append(
        f"For a program, mint a token with: {MINT_COMMAND}  "
        "(it is shown once; only its digest is kept)"
    )
    return "\n".join(lines)


def describe_sign_in(settings: Settings, outbox: Outbox | None, *, printed: bool) -> str:
    """How people sign in to the pages, and where their links go, in one line.

    ``printed``: the process also prints each link on its console (the run command).
    """
    if outbox is not None:
        route = f"kept in the outbox {outbox.directory}"
    elif settings.mail_enabled and settings.smtp_host is not None:
        route = f"emailed through the mail relay {settings.smtp_host}:{settings.smtp_port}"
    else:
        route = "written to the log, since no mail relay is set (FORUMFLOW_SMTP_HOST)"
        if not settings.mail_enabled:
            route = "written to the log, since mail is switched off (FORUMFLOW_MAIL_ENABLED)"
    also = "printed here and " if printed else ""
    return (
        f"Sign in: open {settings.resolved_public_url}{SIGN_IN} and give a user's email "
        f"address (the first officer's is {settings.first_officer_email}); the one-time "
        f"link is {also}{route}"
    )


def create_application(api: ApiServices, web: WebServices) -> FastAPI:
    """The API with its routes as they are, and the web pages on the paths it leaves
    free, their assets under /assets and their error pages for browsers."""
    app = create_app(api)
    app.state.web = web
    app.include_router(pages_router)
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="assets")
    install_error_pages(app)
    install_outage_answers(app)
    if not (STATIC_DIR / "govuk-frontend.min.css").is_file():
        log.warning(
            "the web pages have no GOV.UK Frontend assets: run scripts/setup",
            static=str(STATIC_DIR),
        )
    return app


def install_outage_answers(app: FastAPI) -> None:
    """503 with a Problem saying what is down, not a 500, while the database or the
    workflow service cannot answer: a client's retry with the same Idempotency-Key is
    then the right move, and the operators' log says which part is missing."""

    async def database_down(request: Request, error: Exception) -> Response:
        log.warning(
            "database unavailable",
            method=request.method,
            path=request.url.path,
            error=type(error).__name__,
        )
        return respond(
            ApiError(
                503,
                "unavailable",
                "The database did not answer; try again shortly with the same Idempotency-Key",
                headers={"Retry-After": "5"},
            )
        )

    async def workflow_service_late(request: Request, error: Exception) -> Response:
        log.warning("workflow service did not answer in time", path=request.url.path)
        return respond(
            ApiError(
                503,
                "unavailable",
                "The workflow service did not answer in time; try again",
                headers={"Retry-After": "1"},
            )
        )

    app.add_exception_handler(OperationalError, database_down)
    app.add_exception_handler(InterfaceError, database_down)
    app.add_exception_handler(RPCTimeoutOrCancelledError, workflow_service_late)


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
async def api_services(
    settings: Settings,
    services: ApiServices,
    *,
    outbox: Outbox | None = None,
    announce: Announce | None = None,
) -> AsyncIterator[FastAPI]:
    """The application over ``services``, after the first run's users; closes the stores
    after. Sign-in links go by the mail relay, else the running ``outbox``, else to the
    log; ``announce`` is also given each one (the run command prints them)."""
    print(describe_first_run(seed_first_users(services.directory, settings)), flush=True)
    web = WebServices.build(
        settings,
        services.directory,
        services.requests,
        services.meetings,
        outbox=outbox,
        announce=announce,
    )
    try:
        yield create_application(services, web)
    finally:
        web.close()
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
        print(describe_sign_in(settings, None, printed=False), flush=True)
        await stop.wait()
