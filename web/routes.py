"""Every page's route, in one router for the application to include."""

from __future__ import annotations

from fastapi import APIRouter

from web import pages, public_pages
from web.request_pages import decisions, drafts, lists, options, recommendation, request_page

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(lists.router)
# Before the request page's: /funding-requests/new is a form, not a request called "new".
router.include_router(drafts.router)
router.include_router(request_page.router)
router.include_router(options.router)
router.include_router(recommendation.router)
router.include_router(decisions.router)
router.include_router(public_pages.router)
