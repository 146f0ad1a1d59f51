"""What every meeting page shares: its addresses, the guard in front of a form, and
sending a command to the meeting's workflow.

The meeting pages live under ``/forum-meetings`` (``/meetings`` is the JSON API's). Each
form is a plain POST answered by a redirect, guarded as the request pages are: the CSRF
token first, then who is signed in, then whether the meeting exists and the person's
roles allow the transition at the meeting's stage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from clients.meetings import NoSuchMeeting
from clients.records import TransitionRefused
from domain.meeting.commands import MeetingCommand, MeetingTransition
from domain.meeting.lifecycle import DOING, PERMISSIONS, allowed_transitions
from domain.meeting.models import AgendaItem, MeetingState
from domain.people import roles_text
from domain.request.models import RequestState, Stage
from domain.values import MEETING_ID_PATTERN
from storage.accounts import User
from web.pages import SIGN_IN, page, redirect
from web.request_pages.common import not_found, posted, refusal_of, update_id
from web.sessions import Visitor, web_services

MEETINGS = "/forum-meetings"
NEW_MEETING = f"{MEETINGS}/new"

_MEETING_ID = re.compile(MEETING_ID_PATTERN)


def meeting_url(meeting_id: str, part: str = "") -> str:
    """The meeting's page, or one of its parts (``"attendance"``, ``"agenda"``...)."""
    return f"{MEETINGS}/{meeting_id}" + (f"/{part}" if part else "")


def valid_meeting_id(meeting_id: str) -> bool:
    """Whether ``meeting_id`` could name a meeting: anything else is not looked up."""
    return _MEETING_ID.fullmatch(meeting_id) is not None


def allowed(state: MeetingState, user: User) -> frozenset[MeetingTransition]:
    """What ``user`` may do at the meeting now, by role and stage."""
    return frozenset(allowed_transitions(state, user.roles))


async def meeting_state(request: Request, meeting_id: str) -> MeetingState | None:
    """The meeting as it stands, or None when nobody scheduled it."""
    if not valid_meeting_id(meeting_id):
        return None
    try:
        return await web_services(request).meetings.state(meeting_id)
    except NoSuchMeeting:
        return None


def meeting_forbidden(
    request: Request, who: Visitor, user: User, transition: MeetingTransition, meeting_id: str
) -> Response:
    """403: ``transition`` needs a role ``user`` lacks."""
    needed = PERMISSIONS[transition]
    doing = f"{DOING[transition]} {meeting_id}"
    return page(
        request,
        who,
        "forbidden.html",
        f"You cannot {doing}",
        status_code=403,
        reason=(
            f"To {doing} you need {roles_text(needed, any_of=True)}. You are signed in as "
            f"{user.name}, "
            f"who holds {roles_text(user.roles)}."
        ),
        needed=roles_text(needed, any_of=True),
        back_url=meeting_url(meeting_id),
        back_text=f"Go back to {meeting_id}",
    )


async def guarded_meeting(
    request: Request, who: Visitor, meeting_id: str, transition: MeetingTransition
) -> tuple[User, MeetingState] | Response:
    """The person and the meeting, if they may take ``transition`` now; otherwise the
    page to show instead (sign in, not found, 403, or the meeting's page)."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    state = await meeting_state(request, meeting_id)
    if state is None:
        return not_found(request, who)
    if transition in allowed(state, user):
        return user, state
    if not PERMISSIONS[transition] & user.roles:
        return meeting_forbidden(request, who, user, transition, meeting_id)
    # Not at this stage (a stale page): the meeting's page offers what is possible now.
    return redirect(meeting_url(meeting_id))


async def posted_to_meeting(
    request: Request, who: Visitor, meeting_id: str, transition: MeetingTransition
) -> tuple[Mapping[str, Any], User, MeetingState] | Response:
    """The form, the person and the meeting, if the form carries this browser's CSRF
    token and the person may take ``transition`` now; otherwise the page to show."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    form, _ = sent
    guarded = await guarded_meeting(request, who, meeting_id, transition)
    if isinstance(guarded, Response):
        return guarded
    return (form, *guarded)


async def send_to_meeting(
    request: Request,
    user: User,
    meeting_id: str,
    command: MeetingCommand,
    form: Mapping[str, Any],
) -> TransitionRefused | None:
    """Ask the meeting's workflow for ``command`` as ``user``; its refusal, or None."""
    return await refusal_of(
        web_services(request).meetings.submit(
            meeting_id, command, user.actor(), idempotency_key=update_id(form, user)
        )
    )


ITEM_STATUS_LABELS = {
    "pending": "To be taken",
    "decided": "Decided",
    "deferred": "Deferred",
    "not_reached": "Not reached",
    "withdrawn": "Withdrawn",
}

_TAKEN = frozenset({Stage.decided, Stage.minuted, Stage.evaluation, Stage.closed, Stage.rejected})


def item_progress(item: AgendaItem, state: RequestState | None) -> str:
    """How far the item has got, as people say it. The clerk marks what became of an
    item at the meeting's end; until then its request's own stage says it."""
    if item.status != "pending" or state is None:
        return ITEM_STATUS_LABELS[item.status]
    if state.stage is Stage.voting:
        return "Being voted on"
    if state.stage in _TAKEN:
        return ITEM_STATUS_LABELS["decided"]
    if state.stage is Stage.withdrawn:
        return ITEM_STATUS_LABELS["withdrawn"]
    return ITEM_STATUS_LABELS["pending"]


def still_to_take(item: AgendaItem, state: RequestState | None) -> bool:
    """Whether the item is yet to be taken: marked pending, its request not yet voted on."""
    return item_progress(item, state) == ITEM_STATUS_LABELS["pending"]
