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
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from api.schemas.problems import FieldProblem, Problem
from api.wording import validation_problems
from clients.meetings import MeetingAlreadyExists
from clients.records import NoSuchRecord, RecordAlreadyExists, RecordFinished, TransitionRefused
from clients.requests import RequestAlreadyExists
from storage.accounts import UnknownUser, UserAlreadyExists

_TAKEN_RULES: dict[type[RecordAlreadyExists], str] = {
    RequestAlreadyExists: "reference-taken",
    MeetingAlreadyExists: "meeting-id-taken",
}
"""The rule a 409 names when a record's id was used before, by the kind of record."""


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
    if not error.details and error.kind != "ApplicationError":
        # A refusal the workflows mean is an ApplicationError, nearly always with its rule;
        # any other kind is an exception they did not expect (a pydantic ValidationError,
        # say), whose text is not for a client: the library's wording, echoing the input.
        return ApiError(
            409,
            "refused",
            "The action could not be recorded as sent, so nothing changed; the values are "
            "valid one by one, but the record they would make is not.",
            rule="not-recordable",
        )
    return ApiError(409, "refused", error.message, rule=error.rule, field=error.field)


def respond(error: ApiError) -> JSONResponse:
    """The Problem response of ``error``."""
    return JSONResponse(
        error.problem.model_dump(mode="json"),
        status_code=error.problem.status,
        headers=error.headers,
    )


def install_handlers(app: FastAPI) -> None:
    """Map every known failure to its status and Problem body."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return respond(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return respond(invalid(validation_problems(error.errors())))

    @app.exception_handler(TransitionRefused)
    async def _refused(_: Request, error: TransitionRefused) -> JSONResponse:
        return respond(refused(error))

    @app.exception_handler(RecordAlreadyExists)
    async def _record_exists(_: Request, error: RecordAlreadyExists) -> JSONResponse:
        return respond(ApiError(409, "exists", str(error), rule=_TAKEN_RULES[type(error)]))

    @app.exception_handler(NoSuchRecord)
    async def _no_record(_: Request, error: NoSuchRecord) -> JSONResponse:
        return respond(ApiError(404, "not_found", str(error)))

    @app.exception_handler(RecordFinished)
    async def _finished(_: Request, error: RecordFinished) -> JSONResponse:
        return respond(
            ApiError(409, "refused", str(error), rule="workflow-finished", field="stage")
        )

    @app.exception_handler(UserAlreadyExists)
    async def _user_exists(_: Request, error: UserAlreadyExists) -> JSONResponse:
        return respond(ApiError(409, "exists", str(error), rule="user-id-taken"))

    @app.exception_handler(UnknownUser)
    async def _unknown_user(_: Request, error: UnknownUser) -> JSONResponse:
        return respond(ApiError(404, "not_found", str(error)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        kinds = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method"}
        return respond(
            ApiError(
                error.status_code,
                kinds.get(error.status_code, "http"),
                str(error.detail),
                headers=dict(error.headers) if error.headers else None,
            )
        )

    @app.exception_handler(RPCError)
    async def _rpc(_: Request, error: RPCError) -> JSONResponse:
        if error.status is RPCStatusCode.FAILED_PRECONDITION:
            return respond(
                ApiError(
                    409,
                    "refused",
                    "The request or meeting has finished; it takes no more actions",
                    rule="workflow-finished",
                )
            )
        if error.status is RPCStatusCode.INVALID_ARGUMENT:
            return respond(ApiError(422, "invalid", f"Invalid input: {error.message}"))
        return respond(
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
