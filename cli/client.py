"""Talking to the forumflow API: one sync httpx client, and failures as exit codes.

The CLI holds no state and applies no rule of its own: every action is an HTTP call,
so the API's role checks and the workflows' rules (and their locks) apply to it
exactly as they do to any other client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import httpx

USER_AGENT = "forum-cli/0.1.0"


class ExitCode(IntEnum):
    """What the process's exit status says about the outcome."""

    ok = 0
    failed = 1
    """The API failed (5xx) or could not be reached."""
    invalid = 2
    """The input was invalid: the API answered 422, or an argument was bad."""
    refused = 3
    """A rule refused the action (409)."""
    not_allowed = 4
    """Not signed in (401) or not allowed (403)."""
    not_found = 5
    """No such request, meeting or user (404)."""


EXIT_CODES_HELP = """\
Exit codes: 0 ok; 1 failed (the API answered 5xx, or it cannot be reached);
2 invalid input (the API answered 422, or an argument is bad); 3 refused by a
rule of the forum (409); 4 not signed in or not allowed (401, 403); 5 not found
(404). Errors print the API's message, which names the rule or the field, to
stderr."""

_BY_STATUS: dict[int, ExitCode] = {
    401: ExitCode.not_allowed,
    403: ExitCode.not_allowed,
    404: ExitCode.not_found,
    409: ExitCode.refused,
    422: ExitCode.invalid,
}


class ApiFailure(Exception):  # noqa: N818 - an outcome the user is told about
    """The call did not succeed; ``exit_code`` says how, ``message`` says why."""

    def __init__(
        self,
        exit_code: ExitCode,
        message: str,
        *,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message
        self.status = status
        self.body = body


def exit_code_for(status: int) -> ExitCode:
    """The exit code for an HTTP error status."""
    return _BY_STATUS.get(status, ExitCode.failed if status >= 500 else ExitCode.invalid)


def describe_problem(status: int, text: str) -> str:
    """The API's Problem body as one readable message (the raw text when not a Problem)."""
    try:
        problem = json.loads(text)
    except ValueError:
        problem = None
    if not isinstance(problem, dict) or "message" not in problem:
        detail = text.strip() or httpx.codes.get_reason_phrase(status)
        return f"HTTP {status}: {detail}"
    message = str(problem["message"])
    rule = problem.get("rule")
    lines = [f"{message} [{rule}]" if rule else message]
    problems = problem.get("problems") or ()
    described = {f"{p.get('field')}: {p.get('rule')}" for p in problems if isinstance(p, dict)}
    # The message usually lists the field problems already; add only any it does not.
    lines.extend(f"  {line}" for line in sorted(described) if line not in message)
    return "\n".join(lines)


@dataclass
class Api:
    """A signed-in (or not) client of the API at ``base_url``."""

    base_url: str
    token: str | None = None
    timeout: float = 30.0

    def _client(self) -> httpx.Client:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; any answer but 2xx raises :class:`ApiFailure`."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            with self._client() as client:
                response = client.request(
                    method,
                    path,
                    json=body,
                    params=query or None,
                    headers=headers,
                )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise ApiFailure(ExitCode.invalid, f"Bad API URL {self.base_url!r}: {error}") from None
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise ApiFailure(
                ExitCode.failed, f"Cannot reach the forumflow API at {self.base_url}: {reason}"
            ) from None
        if response.is_success:
            return response
        raise ApiFailure(
            exit_code_for(response.status_code),
            describe_problem(response.status_code, response.text),
            status=response.status_code,
            body=response.text,
        )
