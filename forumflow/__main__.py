"""``python -m forumflow``: the HTTP API server and user accounts.

``api`` serves the API against a running Temporal server (the docker-compose
service; ``python -m worker`` runs the worker beside it). ``users``, ``add-user``
and ``token`` manage who may sign in. The embedded default (a dev server, the
worker and the API in one process) is ``python -m devtools run``, which
``scripts/run`` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError

from config.logs import configure_logging
from config.settings import Settings
from domain.people import MemberGroup, Role
from forumflow.admin import add_user, list_users, mint_token
from forumflow.serve_api import serve_api
from worker.run import stop_event_on_signals


async def run_api(settings: Settings) -> None:
    """The HTTP API alone until SIGINT/SIGTERM."""
    await serve_api(settings, stop_event_on_signals())


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per thing forumflow does."""
    parser = argparse.ArgumentParser(
        prog="forumflow",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("api", help="the HTTP API alone, against a running Temporal server")
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
    add.add_argument(
        "--digest",
        action="store_true",
        help="send this person one email a day listing their notices (the daily digest) "
        "instead of one email per notice",
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
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "api":
        asyncio.run(run_api(settings))
    elif args.command == "users":
        sys.exit(list_users(settings))
    elif args.command == "add-user":
        sys.exit(add_user(settings, args))
    elif args.command == "token":
        sys.exit(mint_token(settings, args.user_id, args.label))


if __name__ == "__main__":
    main()
