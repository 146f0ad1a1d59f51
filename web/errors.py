"""The error pages: "page not found", and "sorry, there is a problem" with a reference.

A browser asks for HTML, so it gets a page; a program gets what the API always
answered (its JSON Problem for a 404, plain text for a 500). An error on our side is
logged with its reference and traceback for the operators, and the page shows only
the reference, never the error, which could carry anything a person typed or a
detail of the system.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.pages import page
from web.sessions import visitor
from web.templating import render

log = structlog.get_logger(__name__)

ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]


def wants_html(request: Request) -> bool:
    """Whether the client is a browser asking for a page."""
    return "text/html" in request.headers.get("accept", "")


def error_reference() -> str:
    """A short reference a person can read out, which finds the error in the log."""
    return secrets.token_hex(4).upper()


def install_error_pages(app: FastAPI) -> None:
    """Answer browsers' 404s and every unhandled error with a page; keep the API's
    answers for everyone else. Call after the API has installed its handlers."""
    api_http_error: ExceptionHandler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404 and wants_html(request):
            who = visitor(request)
            return page(request, who, "not_found.html", "Page not found", status_code=404)
        answer = api_http_error(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    async def server_error(request: Request, error: Exception) -> Response:
        reference = error_reference()
        log.error(
            "unhandled error",
            reference=reference,
            method=request.method,
            path=request.url.path,
            exc_info=error,
        )
        if not wants_html(request):
            return PlainTextResponse("Internal Server Error", status_code=500)
        # No session look-up: the error may be the database's.
        return render(
            request,
            "server_error.html",
            {"title": "Sorry, there is a problem with the service", "reference": reference},
            status_code=500,
        )

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
