"""The FastAPI application: routers, error handlers and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.body import body_models
from api.methods import AllowedMethods
from api.openapi.components import component_schemas, route_models
from api.problems import install_handlers
from api.routes import calendar, meetings, pages, register, requests, users
from api.services import ApiServices

DESCRIPTION = """\
Funding requests to the Schools Forum, from the officer's draft to the evaluation,
with the decision register that states where every pound came from.

Every route but the health check needs `Authorization: Bearer <token>`. Errors share
one body (`Problem`): 401 no or unknown token, 403 a role is missing, 404 nothing by
that id, 409 a rule refused the action, 422 invalid input naming the field. Every
timestamp in an answer is UTC, written with a `Z`. OPTIONS on any path lists its methods.
"""


def create_app(services: ApiServices) -> FastAPI:
    """The API over ``services`` (a connected client and the stores)."""
    app = FastAPI(
        title="forumflow",
        version="0.1.0",
        description=DESCRIPTION,
        separate_input_output_schemas=False,
    )
    app.state.services = services
    install_handlers(app)
    app.add_middleware(AllowedMethods)
    for module in (requests, meetings, register, calendar, pages, users):
        app.include_router(module.router)

    @app.get("/health", tags=["operations"], summary="Liveness")
    async def health() -> dict[str, str]:
        """Answers while the API process is up."""
        return {"status": "ok"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                separate_input_output_schemas=False,
            )
            # Every model the API reads or answers, written with the rules of its
            # validators (see api.openapi); bodies are read raw, so FastAPI lists none.
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(component_schemas([*body_models(), *route_models(app.routes)]))
            document["components"]["schemas"] = dict(sorted(schemas.items()))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
