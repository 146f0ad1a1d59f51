"""OPTIONS and 405 answers, worked out from the app's own routes.

A path is served by several routes, one per method, and Starlette answers a method none
of them takes with the ``Allow`` of whichever route it tried first. This middleware asks
every route instead: ``OPTIONS`` on a path is 204 with ``Allow`` listing the methods the
path's routes take (and OPTIONS), and any other method no route takes is a 405 Problem
with the same ``Allow``. Paths no route serves fall through to the usual 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import ApiError, respond

# The order methods are listed in, as RFC 9110 lists them; any other goes last.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def methods_of(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route takes for the path of ``scope``; empty if none serves it.

    Routers an app includes are walked as FastAPI walks them for the OpenAPI document,
    so a route added anywhere is counted without being listed here.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        pattern = getattr(route, "path_regex", None)
        if route.methods and pattern is not None and pattern.match(path):
            methods |= route.methods
    return methods


def allow_header(methods: Iterable[str]) -> str:
    """``methods`` with OPTIONS, in the customary order, as an Allow header's value."""
    listed = {*methods, "OPTIONS"}
    return ", ".join(sorted(listed, key=lambda m: (_ORDER.index(m) if m in _ORDER else 99, m)))


class AllowedMethods:
    """Answers OPTIONS, and methods a path does not take, from the routes of ``scope["app"]``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = methods_of(scope["app"].router.routes, scope)
        method = scope["method"]
        if not methods or (method in methods and method != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allow = {"Allow": allow_header(methods)}
        if method == "OPTIONS":
            response = Response(status_code=204, headers=allow)
        else:
            path = Request(scope).url.path
            response = respond(
                ApiError(
                    405,
                    "method",
                    f"{method} is not a method {path} takes; it takes {allow['Allow']}",
                    headers=allow,
                )
            )
        await response(scope, receive, send)
