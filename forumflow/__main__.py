"""``python -m forumflow``: the run command, the API server, user accounts and the demo.

``run`` starts the Temporal dev server on the project's data directory (so the
same workflows are there next time), makes sure the namespace and search
attributes exist, starts the worker and the HTTP API beside it, prints the Web UI
and API addresses, and stops everything cleanly on Ctrl-C. ``api`` serves the API
alone against a running Temporal server (docker-compose). ``users``, ``add-user``
and ``token`` manage who may sign in; ``demo`` walks the two seed cases through the
API on a throwaway server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import structlog
from pydantic import ValidationError

from accounts import NewUser, UnknownUser, UserAlreadyExists, UserDirectory
from api.services import ApiServices
from domain.models import MemberGroup, Role
from forumflow.client import connect
from forumflow.devserver import DevServer
from forumflow.logs import configure_logging
from forumflow.serve_api import api_services, running_api, serve_api
from forumflow.settings import Settings
from forumflow.toolchain import ToolchainError, ensure_temporal_cli
from worker.run import serve, stop_event_on_signals

log = structlog.get_logger("forumflow")


async def run(settings: Settings) -> None:
    """Dev server + worker + HTTP API until Ctrl-C."""
    cli = ensure_temporal_cli()
    if cli is None:
        raise ToolchainError("no Temporal CLI: install Go so scripts/setup can build it")
    host, _, port = settings.temporal_address.rpartition(":")
    server = DevServer(
        cli.path,
        settings.data_dir / "temporal.sqlite3",
        namespace=settings.temporal_namespace,
        ip=host,
        port=int(port),
        ui_port=settings.ui_port,
        log_file=settings.data_dir / "temporal-server.log",
    )
    stop = stop_event_on_signals()
    await server.start()
    try:
        client = await connect(settings)
        services = ApiServices.build(settings, client)
        async with (
            api_services(settings, services) as app,
            running_api(app, settings.api_host, settings.api_port, stop=stop) as api_url,
        ):
            print(f"Temporal Web UI: {server.ui_address}", flush=True)
            print(
                f"HTTP API: {api_url}  (OpenAPI: {api_url}/docs)  Ctrl-C stops forumflow",
                flush=True,
            )
            await serve(client, settings, stop, web_ui=server.ui_address, api=api_url)
    finally:
        await server.stop()
        log.info("stopped")


async def run_api(settings: Settings) -> None:
    """The HTTP API alone until SIGINT/SIGTERM."""
    await serve_api(settings, stop_event_on_signals())


def _directory(settings: Settings) -> UserDirectory:
    directory = UserDirectory(settings.resolved_register_url)
    directory.create_schema()
    return directory


def list_users(settings: Settings) -> int:
    """Print every user: id, roles, group, name and email."""
    directory = _directory(settings)
    try:
        users = directory.all()
    finally:
        directory.close()
    if not users:
        print("No users yet: `python -m forumflow run` (or `api`) adds the first ones.")
        return 0
    width = max(len(user.user_id) for user in users)
    for user in users:
        roles = ",".join(sorted(role.value for role in user.roles))
        group = f" ({user.group.value})" if user.group else ""
        print(f"{user.user_id:<{width}}  {roles:<14} {user.name}{group} <{user.email}>")
    return 0


def add_user(settings: Settings, args: argparse.Namespace) -> int:
    """Add one user from the command line's arguments."""
    try:
        new = NewUser(
            user_id=args.user_id,
            name=args.name,
            email=args.email,
            roles=frozenset(Role(role) for role in args.role),
            group=MemberGroup(args.group) if args.group else None,
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'user'}: {issue['msg']}"
            for issue in error.errors(include_url=False, include_input=False)
        )
        print(f"forumflow: not added: {problems}", file=sys.stderr)
        return 2
    directory = _directory(settings)
    try:
        user = directory.add(new)
    except UserAlreadyExists as error:
        print(f"forumflow: {error}", file=sys.stderr)
        return 1
    finally:
        directory.close()
    print(
        f"Added {user.user_id} ({user.name}). "
        f"Mint a token: python -m forumflow token {user.user_id}"
    )
    return 0


def mint_token(settings: Settings, user_id: str, label: str) -> int:
    """Print a new token for the user on stdout (only its digest is stored)."""
    directory = _directory(settings)
    try:
        issued = directory.mint_token(user_id, label)
        user = directory.get(user_id)
    except UnknownUser as error:
        print(f"forumflow: {error}; python -m forumflow users lists them", file=sys.stderr)
        return 1
    finally:
        directory.close()
    print(
        f"A new token for {user.name} ({user.user_id}). It is shown this once and only its "
        "digest is stored; send it as Authorization: Bearer <token>.",
        file=sys.stderr,
    )
    print(issued.token, flush=True)
    log.info("token minted", user_id=user_id, label=label)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per thing forumflow does."""
    parser = argparse.ArgumentParser(
        prog="forumflow",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="dev server + worker + HTTP API on the data directory until Ctrl-C")
    sub.add_parser("api", help="the HTTP API alone, against a running Temporal server")
    sub.add_parser("demo", help="the two seed cases through the API on a throwaway server")
    sub.add_parser("users", help="list the users who may sign in")
    token = sub.add_parser("token", help="mint a new bearer token for a user and print it once")
    token.add_argument("user_id", metavar="user-id")
    token.add_argument("--label", default="cli", help="what the token is for (default: cli)")
    add = sub.add_parser("add-user", help="add a user")
    add.add_argument("user_id", metavar="user-id")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="repeat for several roles",
    )
    add.add_argument(
        "--group",
        choices=[group.value for group in MemberGroup],
        help="the group a forum member represents (members only)",
    )
    return parser


def main() -> None:
    """Entry point of ``python -m forumflow`` and the ``forumflow`` script."""
    args = build_parser().parse_args()
    settings = Settings()
    if args.command == "demo":
        from forumflow.demo import main as demo_main

        configure_logging("WARNING", settings.log_format)
        sys.exit(demo_main())
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "run":
        asyncio.run(run(settings))
    elif args.command == "api":
        asyncio.run(run_api(settings))
    elif args.command == "users":
        sys.exit(list_users(settings))
    elif args.command == "add-user":
        sys.exit(add_user(settings, args))
    elif args.command == "token":
        sys.exit(mint_token(settings, args.user_id, args.label))


if __name__ == "__main__":
    main()
