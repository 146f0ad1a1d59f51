"""The error pages, and the application that serves the API and the pages together.

A browser gets a page for an address nothing serves and for an error on our side (with
a reference, never the error); a program gets the API's answers as before, and the
API's routes and OpenAPI document are the API's alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from playwright.async_api import Page, expect
from starlette.routing import BaseRoute
from structlog.testing import capture_logs

from api.app import create_app
from tests.web.axe import assert_accessible
from tests.web.browsing import sign_in, status_of, title
from tests.web.conftest import Site

pytestmark = pytest.mark.devserver_only

SECRET_DETAIL = "the database password is hunter2"


async def test_an_address_nothing_serves_is_a_page_for_a_browser(site: Site, page: Page) -> None:
    """A browser gets the "Page not found" page, with the header of whoever is signed in;
    a program gets the API's JSON Problem as before."""
    assert await status_of(page, f"{site.url}/no-such-page") == 404
    await expect(page).to_have_title(title("Page not found"))
    await assert_accessible(page)

    await sign_in(page, site)
    await page.goto(f"{site.url}/assets/no-such-file.css")
    await expect(page).to_have_title(title("Page not found"))
    await expect(page.get_by_test_id("signed-in-person")).to_contain_text("Sean Hogg")

    async with httpx.AsyncClient() as program:
        answer = await program.get(f"{site.url}/no-such-page")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


async def test_an_error_on_our_side_shows_a_reference_and_no_detail(site: Site, page: Page) -> None:
    """An unhandled error is a 500 page giving a reference, which finds the error (with
    its traceback) in the log; the page shows nothing of the error itself."""

    async def failing_page() -> None:
        raise RuntimeError(SECRET_DETAIL)

    site.app.add_api_route("/test-only/failing-page", failing_page, include_in_schema=False)

    with capture_logs() as logs:
        assert await status_of(page, f"{site.url}/test-only/failing-page") == 500
    await expect(page).to_have_title(title("Sorry, there is a problem with the service"))
    await assert_accessible(page)
    reference = await page.get_by_test_id("error-reference").inner_text()
    content = await page.content()
    assert SECRET_DETAIL not in content
    assert "Traceback" not in content
    assert "RuntimeError" not in content
    logged = [entry for entry in logs if entry.get("reference") == reference]
    assert [entry["event"] for entry in logged] == ["unhandled error"]
    assert isinstance(logged[0]["exc_info"], RuntimeError)

    async with httpx.AsyncClient() as program:
        answer = await program.get(f"{site.url}/test-only/failing-page")
    assert (answer.status_code, answer.text) == (500, "Internal Server Error")


def _routes(routes: Sequence[BaseRoute]) -> set[tuple[str, str]]:
    """Each path and method the routes (included routers' too) take."""
    return {
        (str(context.path), method)
        for context in iter_route_contexts(routes)
        for method in context.methods or ()
    }


async def test_the_pages_leave_the_api_as_it_was(site: Site) -> None:
    """The application has every route of the API, no page on a path and method the API
    uses, and the API's OpenAPI document, without the pages."""
    api_alone = create_app(site.api)
    api_routes = _routes(api_alone.routes)
    composed = _routes(site.app.routes)
    pages = composed - api_routes

    assert api_routes <= composed
    assert pages, "the application serves no pages"
    assert {path for path, _ in pages}.isdisjoint(path for path, _ in api_routes)
    assert site.app.openapi() == api_alone.openapi()
