"""The voting console of one agenda item: the chair opens and closes the vote, members
vote (one vote each, the count unseen until it closes), and the clerk records a present
member's vote on their behalf or an amendment made in the meeting.

One address shows each person their part of it; each action is a plain POST answered by
a redirect back to it, and a refusal is shown there with the error summary.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.people import Role
from domain.request.commands import (
    Transition,
)
from domain.request.decision import VoteChoice
from domain.request.draft import DecisionType
from domain.request.models import Stage
from domain.request.voting import vote_decision_type
from web.forms import FormErrors
from web.meeting_pages.common import MEETINGS, meeting_url
from web.meeting_pages.meeting_item import (
    ItemAtMeeting,
    item_at_meeting,
    item_url,
    posted_to_item,
    send_to_item,
)
from web.meeting_pages.vote_forms import (
    Reader,
    read_amendment,
    read_close,
    read_open,
    read_vote,
)
from web.meeting_pages.vote_view import (
    CHOICE_LABELS,
    PhasePresence,
    option_label,
    own_vote,
    phase_presence,
    result_of,
    seat,
    voters,
    who_votes,
    why_not_voting,
    yet_to_vote,
)
from web.pages import page, redirect
from web.request_pages.common import new_form_key
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

VOTE = f"{MEETINGS}/{{meeting_id}}/items/{{reference}}/vote"
REFRESH_SECONDS = 5
_DONE = {
    "opened": "The vote is open.",
    "recorded": "Vote recorded on the member's behalf.",
    "amended": "Amendment recorded.",
    "closed": "The vote is closed.",
}


def phases_present(item: ItemAtMeeting) -> tuple[PhasePresence, ...]:
    """A de-delegation's phases and who of each is present, until the vote closes."""
    state = item.state
    if state.membership is None or state.stage not in (Stage.tabled, Stage.voting):
        return ()
    if vote_decision_type(state) is not DecisionType.dedelegation:
        return ()
    return phase_presence(state.membership, state.present_member_ids)


def show_vote(
    request: Request,
    who: Visitor,
    item: ItemAtMeeting,
    *,
    errors: FormErrors | None = None,
    typed: Mapping[str, str] | None = None,
    casting: str | None = None,
    status_code: int = 200,
) -> Response:
    """The console as ``item.user`` sees it now."""
    state, user = item.state, item.user
    allowed = item.allowed
    recommendation = state.recommendation
    one_of = recommendation is not None and recommendation.mode == "one_of"
    mine = own_vote(item)
    member_may_vote = (
        Transition.cast_vote in allowed and seat(item) is not None and why_not_voting(item) is None
    )
    return page(
        request,
        who,
        "meeting_day_vote.html",
        f"Vote on {state.reference}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        typed=typed or {},
        state=state,
        meeting=item.meeting,
        meeting_url=meeting_url(item.meeting.meeting_id),
        vote_url=item_url(item.meeting.meeting_id, state.reference, "vote"),
        minute_url=item_url(item.meeting.meeting_id, state.reference, "minute"),
        who_votes=who_votes(item) if state.membership else "",
        phases=phases_present(item),
        one_of=one_of,
        options=[
            (oid, option_label(state.option(oid), oid))
            for oid in (recommendation.option_ids if recommendation else ())
        ],
        choices=[(c.value, CHOICE_LABELS[c]) for c in VoteChoice],
        is_chair=Role.chair in user.roles,
        is_clerk=Role.clerk in user.roles,
        is_member=seat(item) is not None,
        may_open=Transition.open_vote in allowed,
        may_close=Transition.close_vote in allowed,
        may_amend=Transition.amend_recommendation in allowed and not state.votes,
        may_record=Transition.cast_vote in allowed and Role.clerk in user.roles,
        member_may_vote=member_may_vote and mine is None,
        why_not=why_not_voting(item) if seat(item) is not None else None,
        own_vote=(CHOICE_LABELS[mine.choice], mine.option_id) if mine else None,
        option_text=lambda oid: option_label(state.option(oid), oid),
        voters=voters(item),
        yet_to_vote=yet_to_vote(item),
        result=result_of(item),
        casting=casting,
        refresh_seconds=REFRESH_SECONDS,
        form_key=new_form_key(),
        done=_DONE.get(request.query_params.get("done", "")) if not errors else None,
    )


@router.get(VOTE)
async def vote_console(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The voting console: what the signed-in person may see and do on the item now."""
    item = await item_at_meeting(request, who, meeting_id, reference)
    if isinstance(item, Response):
        return item
    return show_vote(request, who, item)


async def _act(
    request: Request,
    who: Visitor,
    meeting_id: str,
    reference: str,
    read: Reader,
    transition: Transition,
    done: str,
) -> Response:
    """Read the form into a command, send it, and show the console: after a redirect when
    accepted, with what to correct (422) or what the workflow refused (409) otherwise."""
    sent = await posted_to_item(request, who, meeting_id, reference)
    if isinstance(sent, Response):
        return sent
    form, item = sent
    errors = FormErrors()
    command, typed, anchor = read(form, item, errors)
    if command is None or errors:
        return show_vote(request, who, item, errors=errors, typed=typed, status_code=422)
    outcome = await send_to_item(request, who, item, command, form, transition)
    if isinstance(outcome, Response):
        return outcome
    if outcome is None:
        return redirect(f"{item_url(meeting_id, reference, 'vote')}?done={done}")
    fresh = await item_at_meeting(request, who, meeting_id, reference)
    if isinstance(fresh, Response):
        return fresh
    errors.add(anchor(outcome, fresh), outcome.message)
    casting = outcome.field if outcome.field and outcome.field.startswith("chair_casting") else None
    return show_vote(
        request, who, fresh, errors=errors, typed=typed, casting=casting, status_code=409
    )


@router.post(f"{VOTE}/open")
async def open_vote(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The chair opens the vote; an inquorate meeting, or nobody present to vote, refuses."""
    return await _act(
        request, who, meeting_id, reference, read_open, Transition.open_vote, "opened"
    )


@router.post(f"{VOTE}/cast")
async def cast_vote(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """A member's vote, or the clerk's record of a present member's vote on their behalf."""
    form_done = "recorded" if "on_behalf" in (await request.form()) else "voted"
    return await _act(
        request, who, meeting_id, reference, read_vote, Transition.cast_vote, form_done
    )


@router.post(f"{VOTE}/amend")
async def amend(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The clerk records an amendment the meeting made, before anyone votes."""
    return await _act(
        request,
        who,
        meeting_id,
        reference,
        read_amendment,
        Transition.amend_recommendation,
        "amended",
    )


@router.post(f"{VOTE}/close")
async def close_vote(
    request: Request, meeting_id: str, reference: str, who: Visitor = Depends(visitor)
) -> Response:
    """The chair closes the vote; the page then shows the result to everyone."""
    return await _act(
        request, who, meeting_id, reference, read_close, Transition.close_vote, "closed"
    )
