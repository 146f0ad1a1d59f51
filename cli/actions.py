"""The one way the CLI takes an action on a request or a meeting.

Both aggregates take an action the same way, ``POST /{collection}/{id}/actions/{name}``
with the command's fields, and answer it the same way: what the transition did, or
the Problem saying which rule or role refused it (see :meth:`Session.call`). The API
and the aggregate's workflow decide whether it is allowed; the CLI only sends it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from cli.render.actions import transition_result
from cli.session import Session, segment


class Aggregate(StrEnum):
    """What an action is taken on: the API's collection of them."""

    request = "requests"
    meeting = "meetings"


def act(
    ctx: typer.Context,
    aggregate: Aggregate,
    key: str,
    transition: str,
    body: dict[str, Any],
    idempotency_key: str | None = None,
) -> None:
    """Ask the API for ``transition`` on the request or meeting ``key``; show what it did."""
    session = Session.of(ctx)
    response = session.call(
        "POST",
        f"/{aggregate.value}/{segment(key)}/actions/{transition}",
        body=body,
        idempotency_key=idempotency_key,
    )
    session.show(response, transition_result)
