"""Who is at the browser, and the CSRF token their forms must carry.

A signed-in person's browser holds the session cookie; the session itself is a server-
side record (storage.signin), so signing out or going idle ends it for good, whatever
the browser keeps. Before signing in, a browser holds a random CSRF cookie instead, so
the sign-in forms are protected too (and nobody can be signed in to someone else's
account by a forged form).

A form's CSRF token is an HMAC of the cookie's secret, which only this site's pages
can show: another site can make a browser send the cookie, but cannot read it or the
page. Both cookies are HttpOnly and SameSite=Lax; outside loopback they are Secure and
named with the ``__Host-`` prefix, which stops a neighbouring subdomain planting one.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from storage.accounts import UnknownUser, User
from web.services import WebServices

CSRF_FIELD = "csrf_token"
"""The name of the hidden field that carries the token."""


@dataclass(frozen=True)
class Visitor:
    """The person at the browser (None before signing in) and their CSRF secret.

    ``fresh_secret``: the CSRF secret was made for this response, so no form the browser
    sends now can carry its token; the response sets it as the cookie.
    """

    user: User | None
    session_token: str | None
    csrf_secret: str
    fresh_secret: bool
    secure: bool
    stale_session: bool
    """The browser sent a session cookie for a session that is over."""

    @property
    def csrf_token(self) -> str:
        """What the forms of this page carry."""
        return csrf_token_for(self.csrf_secret)

    def accepts(self, sent: object) -> bool:
        """Whether a form carried this visitor's CSRF token."""
        if self.fresh_secret or not isinstance(sent, str):
            return False
        return hmac.compare_digest(sent.encode(), self.csrf_token.encode())


def csrf_token_for(secret: str) -> str:
    """The token derived from a cookie's secret."""
    return hmac.new(secret.encode(), b"forumflow csrf", hashlib.sha256).hexdigest()


def is_loopback(request: Request) -> bool:
    """Whether the browser reached us by a loopback name (a developer's machine)."""
    host = (request.url.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cookie_names(secure: bool) -> tuple[str, str]:
    """The session and CSRF cookies' names."""
    prefix = "__Host-" if secure else ""
    return f"{prefix}ff_session", f"{prefix}ff_csrf"


def web_services(request: Request) -> WebServices:
    """The web pages' services, set on the app when it is composed."""
    found: WebServices = request.app.state.web
    return found


def visitor(request: Request) -> Visitor:
    """Who sent this request (a FastAPI dependency); looked up once per request."""
    cached = getattr(request.state, "visitor", None)
    if isinstance(cached, Visitor):
        return cached
    services = web_services(request)
    secure = not is_loopback(request)
    session_cookie, csrf_cookie = cookie_names(secure)
    token = request.cookies.get(session_cookie)
    user: User | None = None
    live = services.sign_in.session(token) if token else None
    if live is not None:
        try:
            user = services.directory.get(live.user_id)
        except UnknownUser:
            user = None
    if user is not None and token is not None:
        found = Visitor(
            user=user,
            session_token=token,
            csrf_secret=token,
            fresh_secret=False,
            secure=secure,
            stale_session=False,
        )
    else:
        secret = request.cookies.get(csrf_cookie)
        found = Visitor(
            user=None,
            session_token=None,
            csrf_secret=secret or secrets.token_urlsafe(32),
            fresh_secret=not secret,
            secure=secure,
            stale_session=token is not None,
        )
    request.state.visitor = found
    return found


def _set(response: Response, name: str, value: str, secure: bool) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure, path="/")


def _forget(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax", secure=secure, path="/")


def keep_cookies(response: Response, who: Visitor) -> Response:
    """Set the CSRF cookie a fresh secret needs, and drop a stale session's cookie."""
    session_cookie, csrf_cookie = cookie_names(who.secure)
    if who.fresh_secret:
        _set(response, csrf_cookie, who.csrf_secret, who.secure)
    if who.stale_session:
        _forget(response, session_cookie, who.secure)
    return response


def begin_session(response: Response, who: Visitor, session_token: str) -> Response:
    """Hand the browser its new session; the pre-sign-in CSRF cookie is done with."""
    session_cookie, csrf_cookie = cookie_names(who.secure)
    _set(response, session_cookie, session_token, who.secure)
    _forget(response, csrf_cookie, who.secure)
    return response


def end_session(response: Response, who: Visitor) -> Response:
    """Take the session cookie away (the record is ended separately)."""
    session_cookie, _ = cookie_names(who.secure)
    _forget(response, session_cookie, who.secure)
    return response
