"""One POST route per transition, made the same way for requests and meetings.

Each route checks the caller's role (the first lock; the workflow checks it again),
parses the body as the transition's command, scopes the client's Idempotency-Key to the
caller and the transition, sends the transition through the aggregate's client and
answers with the API's own model of the result. What a refusal, an unknown id or an
ended workflow means is the client's to say and api.problems's to answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel

from api.auth import services, user_with
from api.body import body_openapi, json_body
from api.problems import responses
from api.schemas.base import Answer
from api.services import ApiServices
from domain.people import Actor, Role
from storage.accounts import User

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="send the same key when retrying: the action then takes effect once "
        "(a key counts for the user who sends it and this action only)",
    ),
]

Send = Callable[[ApiServices, str, Any, Actor, str | None], Awaitable[BaseModel]]
"""Sends one transition: (services, record id, command, actor, Update id) to its result."""


@dataclass(frozen=True)
class TransitionRoute:
    """One transition as a route: the body it takes, who may take it, in what words."""

    command_type: type[BaseModel]
    transition: str
    allowed: Collection[Role]
    doing: str
    """What the caller is doing, for a 403: "open the vote", "cancel a meeting"."""


@dataclass(frozen=True)
class RecordRoutes:
    """How one kind of record's transition routes are made."""

    operation: str
    """The kind's word in each operation's name: "request" gives "request_table"."""
    id_name: str
    """The path parameter naming the record, e.g. "reference"."""
    id_type: Any
    """That parameter's annotated type, with its pattern."""
    command_base: type[BaseModel]
    answer: type[Answer]
    send: Send
    statuses: tuple[int, ...]
    """The error statuses every transition of the kind can answer (413 is added)."""


def scoped_update_id(transition: str, user: User, idempotency_key: str | None) -> str | None:
    """The Update id for a client's Idempotency-Key.

    Temporal dedupes Updates by id per workflow; scoped to the user and transition, one
    person's key can never return another person's result (say, their vote).
    """
    if idempotency_key is None:
        return None
    return f"{transition}:{user.user_id}:{idempotency_key}"


def add_transition_routes(
    router: APIRouter, kind: RecordRoutes, routes: Iterable[TransitionRoute]
) -> None:
    """Add to ``router`` the POST route ``/{id}/actions/<transition>`` of each of ``routes``."""
    for route in routes:
        _add_route(router, kind, route)


def _add_route(router: APIRouter, kind: RecordRoutes, route: TransitionRoute) -> None:
    parse = json_body(route.command_type)
    check_role = user_with(*route.allowed, doing=route.doing)

    async def take(**values: Any) -> Answer:
        user: User = values["user"]
        update_id = scoped_update_id(route.transition, user, values["idempotency_key"])
        result = await kind.send(
            values["svc"], values[kind.id_name], values["command"], user.actor(), update_id
        )
        return kind.answer.of(result)

    # FastAPI reads an endpoint's parameters from its signature; the record's id is named
    # per kind, so the signature is written here rather than in the def.
    keyword = inspect.Parameter.KEYWORD_ONLY
    take.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(kind.id_name, keyword, annotation=kind.id_type),
            inspect.Parameter("user", keyword, annotation=Annotated[User, Depends(check_role)]),
            inspect.Parameter(
                "command", keyword, annotation=Annotated[kind.command_base, Depends(parse)]
            ),
            inspect.Parameter("svc", keyword, annotation=Annotated[ApiServices, Depends(services)]),
            inspect.Parameter("idempotency_key", keyword, annotation=IdempotencyKey, default=None),
        ],
        return_annotation=kind.answer,
    )
    roles = " or ".join(sorted(role.value for role in route.allowed))
    take.__name__ = f"{kind.operation}_{route.transition}"
    take.__doc__ = f"{(route.command_type.__doc__ or '').strip()}\n\nWho: {roles}."
    router.add_api_route(
        f"/{{{kind.id_name}}}/actions/{route.transition}",
        take,
        methods=["POST"],
        response_model=kind.answer,
        responses=responses(*kind.statuses, 413),
        openapi_extra=body_openapi(route.command_type),
        summary=f"{route.transition.replace('_', ' ').capitalize()} ({roles})",
    )
