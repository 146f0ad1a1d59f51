"""Errors as the API answers them: one JSON shape, one status per kind of failure.

401 no or unknown token; 403 a role the action needs is missing; 404 no such request,
meeting or user; 409 a rule refused the action (the rule's own message); 422 the body
or a parameter is invalid (each problem names its field). Nothing here is ever a 500,
and none of them changes state.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from accounts import UnknownUser, UserAlreadyExists
from forumflow.meetings import MeetingAlreadyExists
from forumflow.requests import RequestAlreadyExists, TransitionRefused


class FieldProblem(BaseModel):
    """One thing wrong with the input."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="dotted path, e.g. body.draft.period.end")
    rule: str = Field(description="what the value must be")


class Problem(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(frozen=True)

    status: int
    error: str = Field(description="stable kind, e.g. forbidden, refused, invalid")
    message: str
    rule: str | None = Field(default=None, description="the refusing rule's code")
    field: str | None = None
    problems: tuple[FieldProblem, ...] = ()


class ApiError(Exception):
    """An error the API answers with ``status`` and a Problem body."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        problems: tuple[FieldProblem, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = Problem(
            status=status, error=error, message=message, rule=rule, field=field, problems=problems
        )
        self.headers = headers


def _describe(problems: tuple[FieldProblem, ...]) -> str:
    return "; ".join(f"{p.field}: {p.rule}" for p in problems)


def validation_problems(errors: Any) -> tuple[FieldProblem, ...]:
    """Pydantic or FastAPI errors as field problems (never echoing the input back)."""
    return tuple(
        FieldProblem(
            field=".".join(str(part) for part in error.get("loc", ())) or "body",
            rule=str(error.get("msg", "invalid")),
        )
        for error in errors
    )


def invalid(problems: tuple[FieldProblem, ...]) -> ApiError:
    """422 naming every field at fault."""
    return ApiError(422, "invalid", f"Invalid input: {_describe(problems)}", problems=problems)


def refused(error: TransitionRefused) -> ApiError:
    """The workflow's refusal: 403 for a role, 422 for invalid input, otherwise 409."""
    if error.rule == "role-not-permitted":
        return ApiError(403, "forbidden", error.message, rule=error.rule, field=error.field)
    if error.kind == "InvalidCommand":
        problems = tuple(
            FieldProblem(field=f"body.{p['field']}" if p.get("field") else "body", rule=p["rule"])
            for p in error.details.get("problems", ())
        )
        return ApiError(422, "invalid", error.message, rule=error.rule, problems=problems)
    return ApiError(409, "refused", error.message, rule=error.rule, field=error.field)


def _respond(error: ApiError) -> JSONResponse:
    return JSONResponse(
        error.problem.model_dump(mode="json"),
        status_code=error.problem.status,
        headers=error.headers,
    )


def install_handlers(app: FastAPI) -> None:
    """Map every known failure to its status and Problem body."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return _respond(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _respond(invalid(validation_problems(error.errors())))

    @app.exception_handler(TransitionRefused)
    async def _refused(_: Request, error: TransitionRefused) -> JSONResponse:
        return _respond(refused(error))

    @app.exception_handler(RequestAlreadyExists)
    async def _request_exists(_: Request, error: RequestAlreadyExists) -> JSONResponse:
        return _respond(ApiError(409, "exists", str(error), rule="reference-taken"))

    @app.exception_handler(MeetingAlreadyExists)
    async def _meeting_exists(_: Request, error: MeetingAlreadyExists) -> JSONResponse:
        return _respond(ApiError(409, "exists", str(error), rule="meeting-id-taken"))

    @app.exception_handler(UserAlreadyExists)
    async def _user_exists(_: Request, error: UserAlreadyExists) -> JSONResponse:
        return _respond(ApiError(409, "exists", str(error), rule="user-id-taken"))

    @app.exception_handler(UnknownUser)
    async def _unknown_user(_: Request, error: UnknownUser) -> JSONResponse:
        return _respond(ApiError(404, "not_found", str(error)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        kinds = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method"}
        return _respond(
            ApiError(
                error.status_code,
                kinds.get(error.status_code, "http"),
                str(error.detail),
                headers=dict(error.headers) if error.headers else None,
            )
        )

    @app.exception_handler(RPCError)
    async def _rpc(_: Request, error: RPCError) -> JSONResponse:
        if error.status is RPCStatusCode.NOT_FOUND:
            return _respond(ApiError(404, "not_found", "No such request or meeting"))
        if error.status is RPCStatusCode.FAILED_PRECONDITION:
            return _respond(
                ApiError(
                    409,
                    "refused",
                    "The request or meeting has finished; it takes no more actions",
                    rule="workflow-finished",
                )
            )
        if error.status is RPCStatusCode.INVALID_ARGUMENT:
            return _respond(ApiError(422, "invalid", f"Invalid input: {error.message}"))
        return _respond(
            ApiError(503, "unavailable", "The workflow service did not answer; try again")
        )


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    described = {
        401: "No bearer token, or an unknown or revoked one",
        403: "The user lacks a role this action needs",
        404: "No such request, meeting or user",
        409: "A rule refused the action; the message says which and why",
        413: "The body is larger than any action takes",
        422: "The body or a parameter is invalid; each problem names its field",
        503: "The workflow service did not answer",
    }
    return {status: {"model": Problem, "description": described[status]} for status in statuses}


def json_problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses of a route whose success is not JSON (HTML, CSV, iCalendar).

    FastAPI files a response ``model`` under the route's own media type; the errors are
    JSON Problems whatever the route serves, so they are described by reference instead.
    """
    return {
        status: {
            "description": entry["description"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, entry in responses(*statuses).items()
    }
