"""Request bodies parsed as JSON by strict models: the domain's commands, the API's own bodies.

The models are strict (no float pence, no string-to-int coercion), and strict
models accept ISO dates only when they parse JSON themselves. FastAPI validates bodies
as Python objects, which would refuse every date, so bodies are read raw and given to
``model_validate_json``; the OpenAPI document still describes them, through the schemas
registered here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from api.openapi.components import REF_TEMPLATE
from api.problems import ApiError, invalid
from api.wording import validation_problems

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_BODY_BYTES = 1024 * 1024
"""The largest body any action takes: each text field is capped far below this, and a
workflow's history event must stay under Temporal's per-payload limit."""
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency that parses the body as ``model``; invalid input is a 422 by field."""

    async def parse(request: Request) -> ModelT:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large()
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise too_large()
        try:
            return model.model_validate_json(bytes(raw) or b"")
        except ValidationError as error:
            issues = error.errors(include_url=False, include_input=False)
            for issue in issues:
                issue["loc"] = ("body", *issue["loc"])
            raise invalid(validation_problems(issues)) from None

    return parse


def too_large() -> ApiError:
    """413 for a body over MAX_BODY_BYTES, refused before it is parsed."""
    return ApiError(
        413,
        "too_large",
        f"The body is larger than {MAX_BODY_BYTES // 1024} KiB; no action needs that much",
        rule="body-too-large",
        field="body",
    )


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing a JSON body of ``model``."""
    _BODY_MODELS[model.__name__] = model
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}
            },
        }
    }


def body_models() -> tuple[type[BaseModel], ...]:
    """Every body model registered with ``body_openapi``, for the document's schemas."""
    return tuple(_BODY_MODELS.values())
