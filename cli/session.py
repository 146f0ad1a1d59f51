"""One invocation of ``forum``: the API it talks to, who it signs in as, how it prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
import typer
from rich.console import Console
from rich.markup import escape as _escape

from cli.client import Api, ApiFailure, ExitCode

Render = Callable[[Console, Any], None]


def segment(value: str) -> str:
    """``value`` as one URL path segment (a reference or id can never step outside it)."""
    return quote(value, safe="")


@dataclass
class Session:
    """The global options, as every command sees them."""

    api: Api
    json: bool = False

    @staticmethod
    def of(ctx: typer.Context) -> Session:
        """The session the top-level callback put on the context."""
        session = ctx.find_object(Session)
        if session is None:  # pragma: no cover - the callback always runs first
            raise RuntimeError("forum: no session on the context")
        return session

    @property
    def out(self) -> Console:
        """Where results for people go (stdout)."""
        return Console(highlight=False, soft_wrap=False)

    @property
    def err(self) -> Console:
        """Where errors go (stderr)."""
        return Console(stderr=True, highlight=False, soft_wrap=True)

    def fail(self, code: ExitCode, message: str, body: str | None = None) -> NoReturn:
        """Print the failure to stderr and exit with ``code``."""
        if self.json and body is not None:
            typer.echo(body, err=True)
        else:
            self.err.print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)
        raise typer.Exit(int(code))

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """The API's answer, or exit with the code its failure maps to."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        try:
            return self.api.call(method, path, body=body, params=params, headers=headers)
        except ApiFailure as failure:
            self.fail(failure.exit_code, _escape(failure.message), failure.body)

    def show(self, response: httpx.Response, render: Render) -> None:
        """The API's JSON unchanged under ``--json``, otherwise ``render`` for people."""
        if self.json:
            typer.echo(response.text)
            return
        try:
            payload = response.json()
        except ValueError:
            self.fail(ExitCode.failed, "The API answered with something that is not JSON")
        render(self.out, payload)

    def save(self, response: httpx.Response, output: Path | None, what: str) -> None:
        """A document (HTML, CSV, iCalendar) to ``output``, or to stdout without one."""
        if output is None or str(output) == "-":
            typer.echo(response.text, nl=not response.text.endswith("\n"))
            return
        try:
            output.write_bytes(response.content)
        except OSError as error:
            self.fail(ExitCode.failed, f"Cannot write {output}: {error.strerror}")
        if self.json:
            typer.echo(json.dumps({"written": str(output), "bytes": len(response.content)}))
        else:
            self.out.print(
                f"Wrote {what} to {_escape(str(output))} ({len(response.content)} bytes)"
            )
