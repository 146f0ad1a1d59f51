"""Who may sign in, managed on the server's own database: ``users``, ``add-user`` and
``token``. Each names the database it used in its messages, and ``users`` and ``token``
refuse a data directory with no database rather than make one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import structlog
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from domain.people import MemberGroup, Role
from storage.accounts import NewUser, UnknownUser, UserAlreadyExists, UserDirectory

log = structlog.get_logger("forumflow")


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
            "No users yet: `scripts/run` (or `python -m forumflow api`) adds the first ones. "
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
            daily_digest=bool(getattr(args, "digest", False)),
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
    digest = " Their notices come in one email a day." if user.daily_digest else ""
    print(
        f"Added {user.user_id} ({user.name}) to {where_users_are(settings)}.{digest} "
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
