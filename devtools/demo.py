"""``python -m forumflow demo`` (``scripts/demo``): the two seed cases, over the HTTP API.

A throwaway Temporal dev server starts in a temporary directory, with a worker and
the API in this process; nothing touches ``.data`` or a configured database. The
first run's chair, clerk and officer are added as ``python -m forumflow run`` adds
them, plus Sean Hogg (the Middlesbrough officer) and a forum of 20 members, each
with a token kept in memory (never printed). Then, with httpx against the app:

* seed 000, Middlesbrough, July 2018: tabling is refused while the recommendation
  names no funding option, and minuting is refused without one; the request ends
  approved, minuted with its source, and the minutes confirmed;
* seed 003, Staffordshire, 2019: the procurement plan says when the forum must decide
  (the October DSG decision would be too late); a member cannot table, an inquorate
  meeting cannot vote; the request ends approved, minuted and confirmed.

It prints a timeline in UK dates (the seed papers' dates; the audit trail itself is
stamped with the real time), every refusal with its status and rule, and the decision
register at the end. One chair, clerk and membership serve both forums here.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import httpx

from api.app import create_app
from api.services import ApiServices
from clients.connection import connect
from config.settings import Settings
from devtools import seeds
from devtools.demo_cases import middlesbrough, print_register, staffordshire
from devtools.demo_forum import DemoError, DemoReport, Forum
from devtools.devserver import DevServer
from devtools.toolchain import ToolchainError, ensure_temporal_cli
from domain.people import Role
from forumflow.serve_api import seed_first_users
from storage.accounts import NewUser, User, UserDirectory
from storage.register import DecisionRegister
from worker.app import WorkerDependencies, build_worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _by_role(users: Iterable[User], role: Role) -> User:
    return next(user for user in users if role in user.roles)


async def walk_through(
    http: httpx.AsyncClient,
    directory: UserDirectory,
    register: DecisionRegister,
    settings: Settings,
    out: TextIO,
) -> DemoReport:
    """Add the users, take both seed cases through the API, print the record."""
    report = DemoReport()
    first = seed_first_users(directory, settings)
    people = [
        *first,
        directory.add(
            NewUser(
                user_id=seeds.OFFICER.user_id,
                name=seeds.OFFICER.name,
                email="sean.hogg@council.example.org",
                roles=frozenset({Role.officer}),
            )
        ),
        *(directory.add(NewUser.for_member(m)) for m in seeds.MEMBERS),
    ]
    users = {user.user_id: user for user in people}
    tokens = {user.user_id: directory.mint_token(user.user_id, "demo").token for user in people}
    print(
        f"First run: added {', '.join(u.user_id for u in first)}; then Sean Hogg and "
        f"{len(seeds.MEMBERS)} forum members. A token each, kept in memory (never printed).\n"
        "Dates on the left are the seed papers'; the server stamps the real time, so it "
        "notes that the papers are late.",
        file=out,
    )
    forum = Forum(http, users, tokens, out, report)
    chair = _by_role(first, Role.chair).user_id
    clerk = _by_role(first, Role.clerk).user_id
    officer = _by_role(first, Role.officer).user_id
    health = await forum.get(chair, "/health")
    if health.get("status") != "ok":
        raise DemoError(f"the API is not healthy: {health}")
    smf = seeds.MIDDLESBROUGH_REFERENCE
    ssf = seeds.STAFFORDSHIRE_REFERENCE
    report.stages[smf] = await middlesbrough(forum, seeds.OFFICER.user_id, chair, clerk)
    report.stages[ssf] = await staffordshire(
        forum, officer, chair, clerk, seeds.MEMBERS[0].member_id
    )
    print("\n== Review dates the engine set ==", file=out)
    for reference in (smf, ssf):
        for line in await forum.deadlines(chair, reference):
            forum.bullet(f"{reference}: {line}")
    print("\n== Where each request stands ==", file=out)
    for reference, stage in report.stages.items():
        state = await forum.get(chair, f"/requests/{reference}")
        forum.bullet(
            f"{reference}: stage {stage}, {len(state['audit'])} entries in its audit trail"
        )
    print("\n== Refusals the rules produced (each changed nothing) ==", file=out)
    for refusal in report.refusals:
        forum.bullet(
            f"{refusal.status} {refusal.rule}: {refusal.action} on {refusal.reference} by "
            f"{refusal.user_id}. {refusal.message}"
        )
    report.register = print_register(out, register, (smf, ssf))
    return report


def demo_settings(data_dir: Path, port: int) -> Settings:
    """Settings of the throwaway stack: its own data dir, SQLite, no mail, no Schedule."""
    return Settings(
        temporal_address=f"127.0.0.1:{port}",
        temporal_namespace="forumflow",
        task_queue="forumflow-demo",
        data_dir=data_dir,
        register_url=f"sqlite:///{data_dir / 'register.sqlite3'}",
        mail_enabled=False,
        annual_review_schedule=False,
    )


async def run_demo(out: TextIO | None = None) -> DemoReport:
    """Start the throwaway stack, walk both cases through, stop it all; the report."""
    out = out or sys.stdout
    cli = ensure_temporal_cli()
    if cli is None:
        raise ToolchainError("no Temporal CLI: install Go so scripts/setup can build it")
    with tempfile.TemporaryDirectory(prefix="forumflow-demo-") as tmp:
        data_dir = Path(tmp)
        settings = demo_settings(data_dir, _free_port())
        host, _, port = settings.temporal_address.rpartition(":")
        server = DevServer(
            cli.path,
            data_dir / "temporal.sqlite3",
            namespace=settings.temporal_namespace,
            ip=host,
            port=int(port),
            ui_port=None,
            log_file=data_dir / "temporal-server.log",
        )
        print(
            f"forumflow demo: a throwaway Temporal dev server on {server.address} "
            f"(data in {data_dir}), a worker and the HTTP API in this process.",
            file=out,
        )
        await server.start()
        try:
            client = await connect(settings)
            deps = WorkerDependencies.from_settings(settings)
            services = ApiServices.build(settings, client)
            transport = httpx.ASGITransport(app=create_app(services))
            try:
                async with (
                    build_worker(client, settings.task_queue, deps),
                    httpx.AsyncClient(transport=transport, base_url="http://devtools.demo") as http,
                ):
                    report = await walk_through(
                        http, services.directory, services.register, settings, out
                    )
            finally:
                services.directory.close()
                services.register.close()
                deps.register.close()
        finally:
            await server.stop()
    print("\nThe demo's server and data are gone; `scripts/run` keeps yours in .data/.", file=out)
    return report


def main() -> int:
    """``python -m forumflow demo``: run it, 1 if the toolchain is missing."""
    try:
        asyncio.run(run_demo())
    except ToolchainError as error:
        print(f"forumflow demo: {error}", file=sys.stderr)
        return 1
    return 0
