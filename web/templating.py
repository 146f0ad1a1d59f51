"""Rendering a page: the Jinja environment with GOV.UK Frontend's macros, and the
headers every page is sent with.

Pages carry personal data and CSRF tokens, so no cache keeps them; the Content
Security Policy lets only this site's own scripts, styles and fonts run, plus the one
inline script of the GOV.UK template, which is allowed by a nonce made per response.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from web import present

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Served under ASSETS_PATH: GOV.UK Frontend's build, which scripts/setup copies in."""

ASSETS_PATH = "/assets"
"""Where GOV.UK Frontend's stylesheet looks for its fonts and images (``/assets/fonts``)."""

SERVICE_NAME = "forumflow"


def environment() -> Environment:
    """Templates from web/templates, and GOV.UK Frontend's macros under
    ``govuk_frontend_jinja/``; every value is escaped unless a macro marks it safe, and
    the filters of ``web.present`` write dates, times, money and stages."""
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        uk_date=present.uk_date,
        due_by=present.due_by,
        when=present.when,
        pounds=present.pounds,
        sentence=present.sentence,
        stage_tag=present.stage_tag,
        transition_label=present.transition_label,
        role_label=present.role_label,
        home_title=present.home_title,
    )
    return env


TEMPLATES = Jinja2Templates(env=environment())


def content_security_policy(nonce: str) -> str:
    """The policy of a page whose inline script carries ``nonce``."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        )
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``template`` with ``context``, and the headers every page has."""
    nonce = secrets.token_urlsafe(16)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "serviceName": SERVICE_NAME,
            "assetPath": ASSETS_PATH,
            "cspNonce": nonce,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    response.headers["Cache-Control"] = "no-store"
    # A sign-in link is in the address bar of the page it opens: never send it on.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
