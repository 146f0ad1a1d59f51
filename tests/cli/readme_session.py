"""Run the README's forum CLI session for real and print it as a transcript.

``python -m tests.cli.readme_session [FILE]`` starts a fresh Temporal dev server, a worker,
and the API on a loopback port (all in a temporary directory) with the chair, the clerk
and the 20 members as users, then runs each command of the session with the real
``forum`` app and writes the commands and their output, ready to paste into the
README's "A session with the forum CLI" section. Tokens are minted in the directory
as each person first acts and shown as shell variables ($OFFICER, ...), so the
transcript holds no secret.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from typer.testing import CliRunner

from api.app import create_app
from api.services import ApiServices
from cli.main import app
from config.settings import Settings
from devtools.seeds import MEMBERS
from storage.accounts import NewUser, UserDirectory
from tests.api.conftest import STAFF
from tests.cli.conftest import serve
from tests.servers import start_environment
from worker.app import WorkerDependencies, build_worker

REPOSITORY = Path(__file__).resolve().parents[2]
REFERENCE = "SMF-2018-EHP"
WIDTH = "100"
PRESENT = MEMBERS[:8]
"""Eight of the twenty members come: the quorum (2/5 of 20)."""

VARIABLES = {"sean.hogg": "OFFICER", "chair": "CHAIR", "clerk": "CLERK"}


def _variable(user: str) -> str:
    return VARIABLES.get(user) or user.upper().replace("-", "_").replace(".", "_")


def _steps() -> list[tuple[str, Sequence[str]]]:
    present = ",".join(m.member_id for m in PRESENT)
    steps: list[tuple[str, Sequence[str]]] = [
        (
            "clerk",
            (
                "user",
                "add",
                "sean.hogg",
                "--name",
                "Sean Hogg",
                "--email",
                "sean.hogg@council.example.org",
                "--role",
                "officer",
            ),
        ),
        ("sean.hogg", ("request", "create", "--file", "examples/middlesbrough-draft.json")),
        ("sean.hogg", ("request", "submit", REFERENCE)),
        (
            "sean.hogg",
            ("option", "add", REFERENCE, "--file", "examples/option-centrally-retained.json"),
        ),
        (
            "sean.hogg",
            (
                "recommend",
                REFERENCE,
                "--text",
                "The forum agrees to fund four Early Help Practitioner posts.",
                "--option",
                "centrally-retained",
            ),
        ),
        ("chair", ("request", "actions", REFERENCE)),
        (
            "chair",
            (
                "table",
                REFERENCE,
                "--meeting-date",
                "2018-07-04",
                "--file",
                "examples/membership.json",
            ),
        ),
        ("clerk", ("attendance", REFERENCE, "--present", present)),
        ("chair", ("vote", "open", REFERENCE)),
        ("clerk", ("amend", REFERENCE, "--text", "full time and not term time only")),
    ]
    steps += [(m.member_id, ("vote", "cast", REFERENCE, "for")) for m in PRESENT]
    steps += [
        ("chair", ("vote", "close", REFERENCE)),
        ("clerk", ("minute", "record", REFERENCE, "--file", "examples/minute.json")),
        ("clerk", ("request", "show", REFERENCE)),
        ("clerk", ("register", "list")),
    ]
    return steps


async def run_session(out: TextIO) -> None:
    """Start everything, run the session, write the transcript to ``out``."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            data_dir=Path(scratch), annual_review_schedule=False, mail_enabled=False
        )
        env = await start_environment("dev")
        try:
            deps = WorkerDependencies.from_settings(settings)
            directory = UserDirectory(settings.resolved_register_url)
            directory.create_schema()
            # The officer is added by the clerk in the session itself.
            for person in (*STAFF, *(NewUser.for_member(m) for m in MEMBERS)):
                if person.user_id != "sean.hogg":
                    directory.add(person)
            services = ApiServices.build(
                settings, env.client, register=deps.register, directory=directory
            )
            async with (
                build_worker(env.client, settings.task_queue, deps),
                serve(create_app(services)) as url,
            ):
                await _transcript(url, directory, out)
        finally:
            await env.shutdown()


async def _transcript(url: str, directory: UserDirectory, out: TextIO) -> None:
    tokens: dict[str, str] = {}
    runner = CliRunner()
    env = {"FORUM_API_URL": url, "COLUMNS": WIDTH, "FORUM_TOKEN": None}
    for user, args in _steps():
        shown = " ".join(_quote(a) for a in args)
        out.write(f"$ FORUM_TOKEN=${_variable(user)} forum {shown}\n")
        if user not in tokens:  # minted as `forum user token` would, never shown
            tokens[user] = directory.mint_token(user).token
        argv = ["--token", tokens[user], *args]
        result = await asyncio.to_thread(runner.invoke, app, argv, env=env)
        for line in (result.stdout + result.stderr).splitlines():
            out.write(line.rstrip() + "\n")
        if result.exit_code != 0:
            out.write(f"[exit {result.exit_code}]\n")


def _quote(arg: str) -> str:
    return f'"{arg}"' if any(c in arg for c in " $'") else arg


def main() -> None:
    """Write the transcript to the file named on the command line, or to stdout.

    The dev server prints its banner to stdout, so name a file for a clean transcript.
    The session's example files are relative to the repository root, its working
    directory.
    """
    target = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None
    os.chdir(REPOSITORY)
    if target is not None:
        with target.open("w") as out:
            asyncio.run(run_session(out))
    else:
        asyncio.run(run_session(sys.stdout))


if __name__ == "__main__":
    main()
