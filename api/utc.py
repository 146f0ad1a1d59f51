"""One way of writing an instant in every answer: UTC, with a ``Z``.

The workflows keep instants in whatever zone they were made in (a meeting's London wall
time, the server clock's UTC), and pydantic writes each with its own offset, so one
answer could mix ``Z`` and ``+01:00``. Every route's result passes through
:func:`in_utc` before it is serialised, so the API writes each instant as UTC and a
client never has to tell the two apart. Days (``meeting_date``) stay calendar days.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from fastapi.routing import APIRoute
from pydantic import BaseModel

T = TypeVar("T")


def utc_text(moment: datetime) -> str:
    """``moment`` as the API writes it, e.g. "2018-07-04T09:00:00Z"."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def in_utc(value: T) -> T:
    """``value`` with every aware datetime in it moved to UTC (the same instants).

    Walks models, tuples, lists, sets and dicts; anything holding no datetime comes back
    as the very same object, so an answer without instants is not copied.
    """
    return cast(T, _in_utc(value))


def _in_utc(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.utcoffset() is not None else value
    if isinstance(value, BaseModel):
        changes = {
            name: moved
            for name in type(value).model_fields
            if (moved := _in_utc(original := getattr(value, name))) is not original
        }
        return value.model_copy(update=changes) if changes else value
    if isinstance(value, tuple | list | set | frozenset):
        items = [_in_utc(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        moved = {key: _in_utc(item) for key, item in value.items()}
        if all(moved[key] is value[key] for key in value):
            return value
        return moved
    return value


def answering_in_utc(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` with its result passed through :func:`in_utc`; same signature."""
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def asynchronous(*args: Any, **kwargs: Any) -> Any:
            return in_utc(await endpoint(*args, **kwargs))

        return asynchronous

    @functools.wraps(endpoint)
    def synchronous(*args: Any, **kwargs: Any) -> Any:
        return in_utc(endpoint(*args, **kwargs))

    return synchronous


class UtcRoute(APIRoute):
    """A route whose answer writes every instant in UTC (the routers' ``route_class``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, answering_in_utc(endpoint), **kwargs)
