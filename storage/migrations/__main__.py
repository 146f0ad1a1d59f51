"""``python -m storage.migrations``: add a revision, or upgrade or inspect a database.

    revision -m "what changes" [--autogenerate]   write versions/rNNNN_what_changes.py
    upgrade [--url URL] [--revision REV]          what every start-up does (default: head)
    current [--url URL]                           the database's revision
    history                                       every revision, newest first

URL defaults to the server's database, as the FORUMFLOW_* settings name it.
``--autogenerate`` drafts the revision from what the stores' tables declare, compared
with a throwaway SQLite database at head (or ``--url``'s); read and edit the draft.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext

from storage.migrations import (
    alembic_config,
    head_revision,
    migrating,
    script_directory,
    upgrade_database,
)


def _server_url() -> str:
    from config.settings import Settings

    return Settings().resolved_register_url


def next_revision_id() -> str:
    """The number after the newest revision's, four digits."""
    numbers = [int(script.revision) for script in script_directory().walk_revisions()]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(message: str, *, autogenerate: bool, url: str | None) -> Path:
    """Write the next revision file; with ``autogenerate``, drafted from the metadata."""
    rev_id = next_revision_id()
    if not autogenerate:
        script = command.revision(alembic_config(), message=message, rev_id=rev_id)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            target = url or f"sqlite:///{Path(scratch) / 'head.sqlite3'}"
            upgrade_database(target)
            with migrating(target) as conn:
                script = command.revision(
                    alembic_config(conn), message=message, rev_id=rev_id, autogenerate=True
                )
    assert script is not None
    assert not isinstance(script, list)
    path = Path(script.path)
    if importlib.util.find_spec("ruff") is not None:  # a developer's venv has it
        subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m storage.migrations``."""
    parser = argparse.ArgumentParser(
        prog="python -m storage.migrations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="write a new revision file")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    revision.add_argument("--url", help="compare with this database (default: a fresh SQLite)")
    upgrade = sub.add_parser("upgrade", help="upgrade a database (default: the server's)")
    upgrade.add_argument("--url")
    upgrade.add_argument("--revision", default="head")
    current = sub.add_parser("current", help="the revision a database is at")
    current.add_argument("--url")
    sub.add_parser("history", help="every revision, newest first")
    args = parser.parse_args(argv)

    if args.command == "revision":
        path = new_revision(args.message, autogenerate=args.autogenerate, url=args.url)
        print(f"wrote {path}")
    elif args.command == "upgrade":
        result = upgrade_database(args.url or _server_url(), args.revision)
        print(f"{result.before or 'no revision'} -> {result.after}")
    elif args.command == "current":
        with migrating(args.url or _server_url()) as conn:
            at = MigrationContext.configure(conn).get_current_revision()
        print(f"{at or 'no revision'} (head: {head_revision()})")
    else:
        for script in script_directory().walk_revisions():
            print(f"{script.revision}  {script.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
