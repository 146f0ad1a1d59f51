"""The list of every request on the forum; a person's own are on the home page
(web.home_pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import REQUESTS
from web.request_view import listed_rows
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)


@router.get(REQUESTS)
async def all_requests(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Every request on the forum, which anyone signed in may read."""
    if who.user is None:
        return redirect(SIGN_IN)
    rows = await listed_rows(web_services(request).requests)
    return page(request, who, "requests.html", "All requests", current="all", rows=rows)
