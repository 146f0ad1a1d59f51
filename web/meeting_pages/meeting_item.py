"""One agenda item on the meeting day: the request behind it, read with the meeting, and
its commands (open the vote, vote, close, minute) sent to the request's own workflow.

The vote and minute pages live under the meeting (``/forum-meetings/{id}/items/{ref}``),
so a request that is not on that meeting's agenda is not found there, whatever it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from clients.records import TransitionRefused
from clients.requests import NoSuchRequest
from domain.meeting.models import MeetingState
from domain.request.commands import Command, Transition
from domain.request.draft import DecisionType
from domain.request.lifecycle import allowed_transitions
from domain.request.models import RequestState
from domain.request.voting import eligible_voters, membership_of, vote_decision_type
from storage.accounts import User
from web.meeting_pages.common import meeting_state, meeting_url
from web.pages import SIGN_IN, redirect
from web.request_pages.common import forbidden, not_found, not_theirs, posted, send, valid_reference
from web.sessions import Visitor, web_services

DECISION_WORDS: dict[DecisionType, str] = {
    DecisionType.general: "general",
    DecisionType.formula: "funding formula",
    DecisionType.dedelegation: "de-delegation",
}


def item_url(meeting_id: str, reference: str, part: str) -> str:
    """One of an agenda item's meeting-day pages: ``"vote"``, ``"minute"``..."""
    return meeting_url(meeting_id, f"items/{reference}/{part}")


@dataclass(frozen=True)
class ItemAtMeeting:
    """The person at the browser, the meeting and the request it is taking."""

    user: User
    meeting: MeetingState
    state: RequestState

    @property
    def allowed(self) -> frozenset[Transition]:
        """What the person may do to the request now, by role, stage and authorship."""
        return frozenset(allowed_transitions(self.state, self.user.roles, self.user.user_id))

    @property
    def eligible_ids(self) -> frozenset[str]:
        """The members present who may vote on the request (empty before tabling)."""
        if self.state.membership is None:
            return frozenset()
        return eligible_voters(
            vote_decision_type(self.state), membership_of(self.state), self.state.present_member_ids
        )


async def item_at_meeting(
    request: Request, who: Visitor, meeting_id: str, reference: str
) -> ItemAtMeeting | Response:
    """The item, if the person is signed in and the request is on the meeting's agenda;
    otherwise the page to show instead (sign in, or not found)."""
    user = who.user
    if user is None:
        return redirect(SIGN_IN)
    if not valid_reference(reference):
        return not_found(request, who)

    async def request_state() -> RequestState | None:
        try:
            return await web_services(request).requests.state(reference)
        except NoSuchRequest:
            return None

    # Both are read at once: on the meeting day a vote waits for neither more than it must.
    meeting, state = await asyncio.gather(meeting_state(request, meeting_id), request_state())
    if meeting is None or meeting.item(reference) is None or state is None:
        return not_found(request, who)
    return ItemAtMeeting(user, meeting, state)


async def posted_to_item(
    request: Request, who: Visitor, meeting_id: str, reference: str
) -> tuple[Mapping[str, Any], ItemAtMeeting] | Response:
    """The form and the item, if the form carries this browser's CSRF token."""
    sent = await posted(request, who)
    if isinstance(sent, Response):
        return sent
    item = await item_at_meeting(request, who, meeting_id, reference)
    if isinstance(item, Response):
        return item
    return sent[0], item


async def send_to_item(
    request: Request,
    who: Visitor,
    item: ItemAtMeeting,
    command: Command,
    form: Mapping[str, Any],
    transition: Transition,
) -> TransitionRefused | Response | None:
    """Send ``command`` to the item's request: None when accepted, the refusal to show on
    the page, or the 403 page when the refusal is about who asked."""
    refusal = await send(request, item.user, item.state.reference, command, form)
    if refusal is not None and not_theirs(refusal):
        return forbidden(request, who, item.user, transition, item.state, refusal)
    return refusal


async def agenda_states(request: Request, meeting: MeetingState) -> list[RequestState]:
    """The requests on the meeting's agenda, in its order (any no longer found left out)."""
    requests = web_services(request).requests

    async def read(reference: str) -> RequestState | None:
        try:
            return await requests.state(reference)
        except NoSuchRequest:
            return None

    found = await asyncio.gather(*(read(item.request_ref) for item in meeting.agenda))
    return [state for state in found if state is not None]
