"""The pages of signing in by email link and signing out, and what every page shares.

Every form is a plain POST answered by a redirect (POST-redirect-GET), so each works
without JavaScript and a reload never sends it twice. A POST whose CSRF token is
missing or wrong is refused with a page, before anything else is looked at, and
changes nothing. Forms are read by hand rather than as FastAPI ``Form`` parameters, so
a missing field is this page's error, not the API's JSON 422.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from domain.values import Email
from storage.signin import LINK_LIFETIME, LinkState
from web.identity import Refusal
from web.links import LINK_PATH as CONFIRM_LINK
from web.sessions import (
    CSRF_FIELD,
    Visitor,
    begin_session,
    end_session,
    keep_cookies,
    visitor,
    web_services,
)
from web.templating import render

router = APIRouter(include_in_schema=False)

HOME = "/"
SIGN_IN = "/sign-in"
CHECK_EMAIL = "/sign-in/check-email"
SIGN_OUT = "/sign-out"
SIGNED_OUT = "/signed-out"

_EMAIL = TypeAdapter(Email)
# token_urlsafe(32): 43 characters of the URL-safe alphabet. Anything else is no link of
# ours, and is refused without a database look-up.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)


def page(
    request: Request,
    who: Visitor,
    template: str,
    title: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` for ``who``, titled ``title``, keeping their cookies right."""
    response = render(
        request,
        template,
        {"title": title, "person": who.user, "csrf_token": who.csrf_token, **context},
        status_code=status_code,
    )
    return keep_cookies(response, who)


def redirect(to: str) -> RedirectResponse:
    """See other: the answer to every accepted form."""
    return RedirectResponse(to, status_code=303)


def refused_form(request: Request, who: Visitor) -> Response:
    """403 for a POST without this browser's CSRF token; nothing was changed."""
    title = "The form could not be accepted"
    return page(request, who, "refused_form.html", title, status_code=403)


def form_accepted(form: Mapping[str, Any], who: Visitor) -> bool:
    """Whether the form carried this browser's CSRF token."""
    return who.accepts(form.get(CSRF_FIELD))


def client_address(request: Request) -> str:
    """The client's IP address, as uvicorn saw it (after any trusted proxy's header)."""
    return request.client.host if request.client else "unknown"


@router.get(SIGN_IN)
async def sign_in(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Ask for the email address to send a link to."""
    if who.user is not None:
        return redirect(HOME)
    return page(
        request,
        who,
        "sign_in.html",
        "Sign in",
        email="",
        error=None,
        idle_minutes=web_services(request).settings.session_idle_minutes,
        timed_out=who.stale_session,
        minutes=_MINUTES,
    )


@router.post(SIGN_IN)
async def ask_for_link(
    request: Request, background: BackgroundTasks, who: Visitor = Depends(visitor)
) -> Response:
    """Send a link to the address if it is a user's; the same answer if it is nobody's."""
    form = await request.form()
    if not form_accepted(form, who):
        return refused_form(request, who)
    raw = form.get("email")
    email = raw.strip() if isinstance(raw, str) else ""
    services = web_services(request)
    try:
        _EMAIL.validate_python(email)
    except ValidationError:
        error = (
            "Enter your email address"
            if not email
            else "Enter an email address in the correct format, like name@example.org"
        )
        return page(
            request,
            who,
            "sign_in.html",
            "Sign in",
            status_code=422,
            email=email,
            error=error,
            idle_minutes=services.settings.session_idle_minutes,
            timed_out=False,
            minutes=_MINUTES,
        )
    allowed = services.sign_in.allow_attempt(
        email,
        client_address(request),
        per_address=services.settings.sign_in_limit_per_address,
        per_client=services.settings.sign_in_limit_per_client,
    )
    if not allowed:
        return page(
            request, who, "too_many.html", "Too many sign-in links asked for", status_code=429
        )
    # After the answer is sent: finding the address and sending mail take time only
    # when it is someone's, which would tell the asker whether it is.
    background.add_task(services.email_link.send_links, email)
    return keep_cookies(redirect(CHECK_EMAIL), who)


@router.get(CHECK_EMAIL)
async def check_email(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """The answer to every well-formed address: a link is on its way if it is a user's."""
    return page(request, who, "check_email.html", "Check your email", minutes=_MINUTES)


@router.get(CONFIRM_LINK + "/{token}")
async def link_landing(request: Request, token: str, who: Visitor = Depends(visitor)) -> Response:
    """Where the emailed link lands: a button that signs in. Opening the link uses
    nothing, so a mail scanner that follows links cannot spend it."""
    state = web_services(request).email_link.check(token).state if _TOKEN.match(token) else None
    if state is not LinkState.valid:
        return link_refused(request, who, _link_refusal(state))
    return page(request, who, "confirm_link.html", "Sign in to forumflow", token=token)


@router.post(CONFIRM_LINK)
async def use_link(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Use the link and start a session for its user; a used or expired link is refused."""
    form = await request.form()
    if not form_accepted(form, who):
        return refused_form(request, who)
    token = form.get("token")
    services = web_services(request)
    identity = services.email_link
    if not isinstance(token, str) or not _TOKEN.match(token):
        return link_refused(request, who, Refusal.unknown)
    found = identity.identify(token)
    if isinstance(found, Refusal):
        return link_refused(request, who, found)
    if who.session_token is not None:
        # Signing in as someone, perhaps someone else, ends the session this browser had.
        services.sign_in.end_session(who.session_token)
    session = services.sign_in.start_session(found.user_id, identity.method)
    return begin_session(redirect(HOME), who, session)


def _link_refusal(state: LinkState | None) -> Refusal:
    if state is LinkState.used:
        return Refusal.used
    if state is LinkState.expired:
        return Refusal.expired
    return Refusal.unknown


_REFUSAL_TITLES = {
    Refusal.used: "This sign-in link has already been used",
    Refusal.expired: "This sign-in link has expired",
    Refusal.unknown: "This sign-in link is not valid",
}


def link_refused(request: Request, who: Visitor, refusal: Refusal) -> Response:
    """The page for a link that cannot sign anyone in: 410 once spent, 404 if never ours."""
    status = 404 if refusal is Refusal.unknown else 410
    return page(
        request,
        who,
        "link_refused.html",
        _REFUSAL_TITLES[refusal],
        status_code=status,
        refusal=refusal.value,
        minutes=_MINUTES,
    )


@router.post(SIGN_OUT)
async def sign_out(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """End the session, on the server and in the browser."""
    form = await request.form()
    if who.session_token is None:
        # Nothing to end (it was over already): the person still wants to be signed out.
        return keep_cookies(redirect(SIGNED_OUT), who)
    if not form_accepted(form, who):
        return refused_form(request, who)
    web_services(request).sign_in.end_session(who.session_token)
    return end_session(redirect(SIGNED_OUT), who)


@router.get(SIGNED_OUT)
async def signed_out(request: Request, who: Visitor = Depends(visitor)) -> Response:
    """Confirms the sign-out."""
    return page(request, who, "signed_out.html", "You have signed out")
