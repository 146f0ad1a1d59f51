"""Every page's route, in one router for the application to include."""

from __future__ import annotations

from fastapi import APIRouter

from web import home_pages, pages, public_meeting_pages, public_pages
from web.meeting_pages import agenda, attendance, changes, meeting_page, minutes, schedule, voting
from web.meeting_pages import lists as meeting_lists
from web.request_pages import decisions, drafts, lists, options, recommendation, request_page

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(home_pages.router)
router.include_router(lists.router)
# Before the request page's: /funding-requests/new is a form, not a request called "new".
router.include_router(drafts.router)
router.include_router(request_page.router)
router.include_router(options.router)
router.include_router(recommendation.router)
router.include_router(decisions.router)
router.include_router(public_pages.router)
router.include_router(public_meeting_pages.router)
router.include_router(meeting_lists.router)
# Before the meeting page's: /forum-meetings/new is a form, not a meeting called "new".
router.include_router(schedule.router)
router.include_router(meeting_page.router)
router.include_router(agenda.router)
router.include_router(changes.router)
router.include_router(attendance.router)
router.include_router(voting.router)
router.include_router(minutes.router)
