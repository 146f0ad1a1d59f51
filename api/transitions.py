"""What every transition route shares, for requests and meetings alike."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.body import body_openapi
from api.problems import responses
from domain.models import Role
from storage.accounts import User


def scoped_update_id(transition: str, user: User, idempotency_key: str | None) -> str | None:
    """The Update id for a client's Idempotency-Key.

    Temporal dedupes Updates by id per workflow; scoped to the user and transition, one
    person's key can never return another person's result (say, their vote).
    """
    if idempotency_key is None:
        return None
    return f"{transition}:{user.user_id}:{idempotency_key}"


def add_transition_route(
    router: APIRouter,
    endpoint: Callable[..., Any],
    *,
    path: str,
    operation: str,
    transition: str,
    command_type: type[BaseModel],
    command_base: type[BaseModel],
    allowed: Collection[Role],
    parse: Callable[..., Any],
    check_role: Callable[..., User],
    response_model: type[BaseModel],
    statuses: tuple[int, ...],
) -> None:
    """Document ``endpoint`` as the POST route of one transition and add it to ``router``."""
    # Annotations are strings under `from __future__ import annotations`; FastAPI resolves
    # them in the endpoint's module globals, where these closures are not, so give it the
    # objects themselves.
    endpoint.__annotations__["command"] = Annotated[command_base, Depends(parse)]
    endpoint.__annotations__["user"] = Annotated[User, Depends(check_role)]
    roles = " or ".join(sorted(role.value for role in allowed))
    endpoint.__name__ = f"{operation}_{transition}"
    endpoint.__doc__ = f"{(command_type.__doc__ or '').strip()}\n\nWho: {roles}."
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=response_model,
        responses=responses(*statuses, 413),
        openapi_extra=body_openapi(command_type),
        summary=f"{transition.replace('_', ' ').capitalize()} ({roles})",
    )
