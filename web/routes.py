"""Every page's route, in one router for the application to include."""

from __future__ import annotations

from fastapi import APIRouter

from web import pages, request_pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(request_pages.router)
