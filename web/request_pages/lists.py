"""The lists of requests: the signed-in person's own, and every request on the forum."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.people import Role
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import REQUESTS
from web.request_view import listed_rows
from web.sessions import Visitor, visitor, web_services

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """ "Your requests": those the signed-in person wrote or was named a co-author of,
    warnings first, each with its next deadline and what it needs from them now."""
    user = who.user
    if user is None:
        # The cookies are left as they are: the sign-in page tells a browser whose
        # session is over that it was signed out, and then drops the cookie.
        return redirect(SIGN_IN)
    rows = await listed_rows(web_services(request).requests, only_for=user.user_id)
    return page(
        request,
        who,
        "home.html",
        "Your requests",
        current="home",
        rows=rows,
        is_officer=Role.officer in user.roles,
    )


@router.get(REQUESTS)
async def all_requests(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Every request on the forum, which anyone signed in may read."""
    if who.user is None:
        return redirect(SIGN_IN)
    rows = await listed_rows(web_services(request).requests)
    return page(request, who, "requests.html", "All requests", current="all", rows=rows)
