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
from pathlib import Path

import structlog
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from accounts import NewUser, UnknownUser, UserAlreadyExists, UserDirectory
from api.services import ApiServices
from domain.models import MemberGroup, Role
from forumflow.client import connect
from forumflow.devserver import DevServer
from forumflow.logs import configure_logging
from forumflow.outbox import Outbox, embedded_outbox
from forumflow.serve_api import api_services, running_api, serve_api
from forumflow.settings import Settings
from forumflow.toolchain import ToolchainError, ensure_temporal_cli
from register.migrations import upgrade_database
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
    # Before anything uses the database: the worker and the API find it at the newest schema.
    await asyncio.to_thread(upgrade_database, settings.resolved_register_url)
    await server.start()
    try:
        client = await connect(settings)
        services = ApiServices.build(settings, client)
        async with (
            api_services(settings, services) as app,
            running_api(app, settings.api_host, settings.api_port, stop=stop) as api_url,
        ):
            with embedded_outbox(settings) as outbox:
                print(f"Temporal Web UI: {server.ui_address}", flush=True)
                print(
                    f"HTTP API: {api_url}  (OpenAPI: {api_url}/docs)  Ctrl-C stops forumflow",
                    flush=True,
                )
                print(f"Mail: {mail_destination(settings, outbox)}", flush=True)
                await serve(
                    client,
                    settings,
                    stop,
                    outbox=outbox,
                    web_ui=server.ui_address,
                    api=api_url,
                )
    finally:
        await server.stop()
        log.info("stopped")


def mail_destination(settings: Settings, outbox: Outbox | None) -> str:
    """Where notices go, in a line for the person who started forumflow."""
    if outbox is not None:
        return (
            f"kept in the outbox {outbox.directory}, one .eml file per message "
            "(set FORUMFLOW_SMTP_HOST to send through a mail relay)"
        )
    if not settings.mail_enabled:
        return "switched off (FORUMFLOW_MAIL_ENABLED=false): notices go to the log only"
    return f"sent through the mail relay {settings.smtp_host}:{settings.smtp_port}"


async def run_api(settings: Settings) -> None:
    """The HTTP API alone until SIGINT/SIGTERM."""
    await serve_api(settings, stop_event_on_signals())


class DirectoryUnavailable(Exception):  # noqa: N818 - a named outcome
    """The user directory the settings name is missing or cannot be read."""


def where_users_are(settings: Settings) -> str:
    """Which database the administration commands use, for their messages (no password)."""
    return f"the user directory in {settings.register_location}"


def _wrong_place_hint(settings: Settings) -> str:
    if settings.register_url:
        return "FORUMFLOW_REGISTER_URL is set; run this with the server's"
    return (
        f"FORUMFLOW_DATA_DIR is {str(settings.data_dir)!r}; run this with the server's "
        "FORUMFLOW_DATA_DIR (or FORUMFLOW_REGISTER_URL)"
    )


def _directory(settings: Settings, *, create: bool) -> UserDirectory:
    """The user directory; only ``create`` makes a database that does not exist yet, so
    a command run with another data directory than the server's says so."""
    url = settings.resolved_register_url
    parsed = make_url(url)
    sqlite_file = Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None
    if not create and sqlite_file is not None and not sqlite_file.exists():
        raise DirectoryUnavailable(
            f"there is no user directory at {sqlite_file.resolve()} (no such file). "
            f"{_wrong_place_hint(settings)}"
        )
    directory = UserDirectory(url)
    try:
        directory.create_schema()
    except SQLAlchemyError as error:
        directory.close()
        raise DirectoryUnavailable(
            f"cannot open {where_users_are(settings)}: {_one_line(error)}"
        ) from error
    return directory


def _one_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _refuse(message: str) -> int:
    print(f"forumflow: {message}", file=sys.stderr)
    return 1


def list_users(settings: Settings) -> int:
    """Print every user: id, roles, group, name and email."""
    try:
        directory = _directory(settings, create=False)
        try:
            users = directory.all()
        finally:
            directory.close()
    except DirectoryUnavailable as error:
        return _refuse(str(error))
    except SQLAlchemyError as error:
        return _refuse(f"cannot read {where_users_are(settings)}: {_one_line(error)}")
    print(f"Users in {settings.register_location}:", file=sys.stderr)
    if not users:
        print(
            "No users yet: `python -m forumflow run` (or `api`) adds the first ones. "
            f"{_wrong_place_hint(settings)} if it has been run."
        )
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
    try:
        directory = _directory(settings, create=True)
        try:
            user = directory.add(new)
        finally:
            directory.close()
    except DirectoryUnavailable as error:
        return _refuse(str(error))
    except UserAlreadyExists as error:
        return _refuse(f"{error} in {where_users_are(settings)}")
    except SQLAlchemyError as error:
        return _refuse(f"cannot write to {where_users_are(settings)}: {_one_line(error)}")
    print(
        f"Added {user.user_id} ({user.name}) to {where_users_are(settings)}. "
        f"Mint a token: python -m forumflow token {user.user_id}"
    )
    return 0


def mint_token(settings: Settings, user_id: str, label: str) -> int:
    """Print a new token for the user on stdout (only its digest is stored)."""
    try:
        directory = _directory(settings, create=False)
        try:
            issued = directory.mint_token(user_id, label)
            user = directory.get(user_id)
        finally:
            directory.close()
    except DirectoryUnavailable as error:
        return _refuse(str(error))
    except UnknownUser as error:
        return _refuse(
            f"{error} in {where_users_are(settings)}; python -m forumflow users lists them. "
            f"{_wrong_place_hint(settings)} if it is not there."
        )
    except SQLAlchemyError as error:
        return _refuse(f"cannot use {where_users_are(settings)}: {_one_line(error)}")
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


def settings_problems(error: ValidationError) -> str:
    """The message for settings that do not validate: one line per variable."""
    lines = ["forumflow: the settings are not valid:"]
    for issue in error.errors(include_url=False, include_input=False):
        variable = "FORUMFLOW_" + "_".join(str(part) for part in issue["loc"]).upper()
        reason = str(issue["msg"]).removeprefix("Value error, ")
        lines.append(f"  {reason}" if reason.startswith(variable) else f"  {variable}: {reason}")
    return "\n".join(lines)


def main() -> None:
    """Entry point of ``python -m forumflow`` and the ``forumflow`` script."""
    args = build_parser().parse_args()
    try:
        settings = Settings()
    except ValidationError as error:
        print(settings_problems(error), file=sys.stderr)
        sys.exit(2)
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
