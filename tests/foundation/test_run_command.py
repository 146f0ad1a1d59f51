"""``python -m devtools run`` brings up the dev server, the worker and the HTTP API,
adds the first users, and stops cleanly on Ctrl-C.

The run command is started as the person at the terminal would start it: its own
process, its own data directory, free ports, every FORUMFLOW_ variable set here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from config.settings import Settings
from devtools.seeds import middlesbrough_draft
from devtools.toolchain import ensure_temporal_cli
from domain.calendar import LONDON, add_months
from domain.request.draft import Period
from forumflow.__main__ import build_parser
from forumflow.admin import add_user, list_users, mint_token

STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunCommand:
    """``python -m devtools run`` in a process of its own, its output in a file.

    ``mail``: keep the default mail settings (no relay: the embedded outbox) instead
    of switching mail off.
    """

    def __init__(self, tmp: Path, *, mail: bool = False) -> None:
        self.api_url = f"http://127.0.0.1:{free_port()}"
        self.data_dir = tmp / "data"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("FORUMFLOW_")}
        self.env = {
            **inherited,
            "FORUMFLOW_DATA_DIR": str(self.data_dir),
            "FORUMFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
            "FORUMFLOW_UI_PORT": str(free_port()),
            "FORUMFLOW_API_HOST": "127.0.0.1",
            "FORUMFLOW_API_PORT": self.api_url.rsplit(":", 1)[1],
            "FORUMFLOW_LOG_FORMAT": "json",
        }
        if not mail:
            self.env["FORUMFLOW_MAIL_ENABLED"] = "false"
        self.log = tmp / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devtools", "run"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        """Until the worker is polling and the API answers its health check."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"run exited early:\n{self.output()[-3000:]}")
            if "worker ready" in self.output():
                with httpx.Client(base_url=self.api_url, timeout=5) as http:
                    if http.get("/health").status_code == 200:
                        return
            time.sleep(0.2)
        raise AssertionError(f"run not ready in {STARTUP_SECONDS}s:\n{self.output()[-3000:]}")

    def forumflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another ``python -m forumflow`` command on the same data directory."""
        return subprocess.run(
            [sys.executable, "-m", "forumflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def api_alone(self) -> subprocess.CompletedProcess[str]:
        """``python -m forumflow api`` on another port against the running server: it
        answers /me for a fresh token, then SIGTERM ends it."""
        port = free_port()
        env = {**self.env, "FORUMFLOW_API_PORT": str(port)}
        minted = self.forumflow("token", "clerk")
        token = minted.stdout.strip()
        process = subprocess.Popen(
            [sys.executable, "-m", "forumflow", "api"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
                while True:
                    assert process.poll() is None, "api exited early"
                    assert time.monotonic() < deadline, "api not up in time"
                    try:
                        me = http.get("/me", headers={"Authorization": f"Bearer {token}"})
                        break
                    except httpx.ConnectError:
                        time.sleep(0.2)
            assert me.status_code == 200, me.text
            assert me.json()["user_id"] == "clerk"
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        return subprocess.CompletedProcess(process.args, process.returncode, output, "")

    def interrupt(self) -> int:
        """Ctrl-C; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def stop(self) -> None:
        """SIGINT (so the dev server it started stops too), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def run_command(tmp_path: Path) -> Iterator[RunCommand]:
    if ensure_temporal_cli() is None:
        pytest.skip("no Go toolchain to build the Temporal CLI")
    command = RunCommand(tmp_path)
    yield command
    command.stop()


@pytest.fixture
def run_command_with_mail(tmp_path: Path) -> Iterator[RunCommand]:
    if ensure_temporal_cli() is None:
        pytest.skip("no Go toolchain to build the Temporal CLI")
    command = RunCommand(tmp_path, mail=True)
    yield command
    command.stop()


def procured_draft_too_late_to_decide(today: date) -> tuple[dict[str, object], str]:
    """A procured service no scheduled meeting can decide in time (so the officer and
    the clerk are warned at once), as JSON, and its one too-late meeting date."""
    start = add_months(today.replace(day=1), 18)
    draft = middlesbrough_draft("SMF-RUN-OUTBOX").model_copy(
        update={
            "author_id": "officer",
            "procurement_needed": True,
            "service_start": start,
            "period": Period(start=start, end=start + timedelta(days=364)),
        }
    )
    too_late = add_months(start, -12) + timedelta(days=30)
    return draft.model_dump(mode="json"), too_late.isoformat()


def wait_for_outbox(outbox: Path, seconds: float = 60) -> list[Path]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kept = sorted(outbox.glob("*.eml"))
        if kept:
            return kept
        time.sleep(0.2)
    raise AssertionError(f"nothing arrived in {outbox} in {seconds}s")


def test_run_command_serves_the_api_and_stops_on_sigint(run_command: RunCommand) -> None:
    """run and api serve the API; a minted token signs in to each; run exits 0 on SIGINT."""
    run_command.start()
    run_command.wait_ready()

    minted = run_command.forumflow("token", "chair")
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert token.startswith("ff_")
    assert "shown this once" in minted.stderr

    with httpx.Client(base_url=run_command.api_url, timeout=10) as http:
        me = http.get("/me", headers={"Authorization": f"Bearer {token}"})
        stranger = http.get("/me", headers={"Authorization": "Bearer ff_not-a-token"})
        openapi = http.get("/openapi.json")
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == "chair"
    assert "chair" in me.json()["roles"]
    assert stranger.status_code == 401
    assert openapi.status_code == 200
    assert "/me" in openapi.json()["paths"]

    api_alone = run_command.api_alone()
    assert api_alone.returncode == 0, api_alone.stdout[-3000:]
    assert "first users" not in api_alone.stdout, "the users were there already"

    assert run_command.interrupt() == 0, run_command.output()[-3000:]
    output = run_command.output()
    assert "First run: added the first users" in output
    assert "python -m forumflow token <user-id>" in output
    assert token not in output, "the run command never prints or logs a token"
    assert "api stopped" in output
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=run_command.api_url) as http:
        http.get("/health")


def test_user_commands_add_list_and_refuse_unknown_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """add-user adds a member, users lists them, token refuses an unknown id with exit 1."""
    settings = Settings(data_dir=tmp_path, register_url=None)
    parse = build_parser().parse_args
    member = "primary-head --name Head --email head@school.example.org --role member"
    added = add_user(
        settings, parse(["add-user", *member.split(), "--group", "maintained_primary"])
    )
    assert added == 0
    assert "python -m forumflow token primary-head" in capsys.readouterr().out

    assert add_user(settings, parse(["add-user", *member.split(), "--group", "academy"])) == 1
    assert "already exists" in capsys.readouterr().err
    groupless = "someone --name Someone --email s@e.org --role member"
    assert add_user(settings, parse(["add-user", *groupless.split()])) == 2
    assert "group" in capsys.readouterr().err

    assert list_users(settings) == 0
    listed = capsys.readouterr().out
    assert "primary-head" in listed
    assert "maintained_primary" in listed
    assert "someone" not in listed

    assert mint_token(settings, "nobody", "cli") == 1
    refused = capsys.readouterr()
    assert "nobody" in refused.err
    assert refused.out == ""


def test_run_command_keeps_notices_in_the_outbox_without_a_mail_server(
    run_command_with_mail: RunCommand,
) -> None:
    """No FORUMFLOW_SMTP_HOST: run prints its outbox and a notice lands there, no traceback."""
    run = run_command_with_mail
    run.start()
    run.wait_ready()
    outbox = (run.data_dir / "outbox").resolve()
    assert f"kept in the outbox {outbox}" in run.output()
    token = run.forumflow("token", "officer").stdout.strip()

    draft, meeting = procured_draft_too_late_to_decide(datetime.now(LONDON).date())
    with httpx.Client(base_url=run.api_url, timeout=30) as http:
        created = http.post(
            "/requests",
            headers={"Authorization": f"Bearer {token}"},
            json={"draft": draft, "scheduled_meetings": [meeting]},
        )
    assert created.status_code == 201, created.text

    (kept, *_) = wait_for_outbox(outbox)
    message = BytesParser(policy=policy.default).parsebytes(kept.read_bytes())
    assert str(message["X-Forumflow-Key"]).startswith("SMF-RUN-OUTBOX/")
    assert "officer@council.example.org" in str(message["To"])
    assert "Forum Clerk <clerk@forum.example.org>" in str(message["To"])
    assert run.interrupt() == 0, run.output()[-3000:]
    output = run.output()
    assert "Traceback" not in output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert not [e for e in events if e.get("level") in ("warning", "error", "critical")], [
        e for e in events if e.get("level") != "info"
    ]
    delivered = [e for e in events if e.get("event") == "notice delivered"]
    assert delivered
    assert delivered[0]["outcome"] == "sent"


def test_an_empty_data_dir_is_refused_naming_the_variable(tmp_path: Path) -> None:
    """FORUMFLOW_DATA_DIR= is refused (exit 2, the variable named), and no database is made."""
    with pytest.raises(ValidationError, match="FORUMFLOW_DATA_DIR is empty"):
        Settings(data_dir="")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FORUMFLOW_")}
    for command in (["users"], ["token", "chair"]):
        done = subprocess.run(
            [sys.executable, "-m", "forumflow", *command],
            env={**inherited, "FORUMFLOW_DATA_DIR": ""},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "FORUMFLOW_DATA_DIR" in done.stderr
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_admin_commands_say_which_database_they_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """token, users and add-user name the database they used in every error, password hidden."""
    server = Settings(data_dir=tmp_path / "server", register_url=None)
    parse = build_parser().parse_args
    officer = "someone --name Someone --email s@e.org --role officer"
    assert add_user(server, parse(["add-user", *officer.split()])) == 0
    added = capsys.readouterr().out

    elsewhere = Settings(data_dir=tmp_path / "elsewhere", register_url=None)
    assert mint_token(elsewhere, "chair", "cli") == 1
    refused = capsys.readouterr()
    assert str((tmp_path / "elsewhere" / "register.sqlite3").resolve()) in refused.err
    assert "FORUMFLOW_DATA_DIR" in refused.err
    assert refused.out == ""
    assert list_users(elsewhere) == 1
    assert "elsewhere" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere").exists()

    assert mint_token(server, "chair", "cli") == 1
    unknown = capsys.readouterr().err
    assert "No user with id 'chair'" in unknown
    assert str((tmp_path / "server" / "register.sqlite3").resolve()) in unknown
    assert str((tmp_path / "server" / "register.sqlite3").resolve()) in added

    unreachable = Settings(
        data_dir=tmp_path,
        register_url="postgresql+psycopg://forumflow:s3cret@127.0.0.1:1/forumflow",
    )
    assert mint_token(unreachable, "chair", "cli") == 1
    failed = capsys.readouterr().err
    assert "postgresql+psycopg://forumflow:***@127.0.0.1:1/forumflow" in failed
    assert "s3cret" not in failed
