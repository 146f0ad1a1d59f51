"""Reading the voting console's forms into commands: each reader returns the command
(None when something must be corrected first), what was typed to show again, and which
element of the console a workflow's refusal links to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clients.records import TransitionRefused
from domain.request.commands import AmendRecommendation, CastVote, CloseVote, Command, OpenVote
from domain.request.decision import VoteChoice
from domain.request.models import Stage
from web.forms import FormErrors, choice, text
from web.meeting_pages.meeting_item import ItemAtMeeting
from web.meeting_pages.vote_view import own_vote, why_not_voting

_CHOICES = tuple(c.value for c in VoteChoice)

Anchor = Callable[[TransitionRefused, ItemAtMeeting], str]
"""Which element of the fresh console a workflow's refusal links to."""
Reader = Callable[
    [Mapping[str, Any], ItemAtMeeting, FormErrors], tuple[Command | None, dict[str, str], Anchor]
]
"""Reads a console form: its command (None with errors), what was typed, the anchor."""


def read_open(
    form: Mapping[str, Any], item: ItemAtMeeting, errors: FormErrors
) -> tuple[Command | None, dict[str, str], Anchor]:
    """The chair opens the vote: nothing to type."""
    return OpenVote(), {}, lambda refusal, fresh: "open-vote"


def read_close(
    form: Mapping[str, Any], item: ItemAtMeeting, errors: FormErrors
) -> tuple[Command | None, dict[str, str], Anchor]:
    """The chair closes the vote, with a casting vote once a tie asks for one."""
    casting = choice(form, "casting", (VoteChoice.for_.value, VoteChoice.against.value))
    recommendation = item.state.recommendation
    casting_option = choice(
        form, "casting-option", recommendation.option_ids if recommendation else ()
    )
    command = CloseVote(
        chair_casting_choice=VoteChoice(casting) if casting else None,
        chair_casting_option_id=casting_option,
    )

    def anchor(refusal: TransitionRefused, fresh: ItemAtMeeting) -> str:
        if refusal.field == "chair_casting_choice":
            return "casting"
        if refusal.field == "chair_casting_option_id":
            return "casting-option"
        return "close-vote"

    return command, {"casting": casting or "", "casting-option": casting_option or ""}, anchor


def read_amendment(
    form: Mapping[str, Any], item: ItemAtMeeting, errors: FormErrors
) -> tuple[Command | None, dict[str, str], Anchor]:
    """The amendment the meeting made, which must be given."""
    amendment = text(form, "amendment")
    if not amendment:
        errors.add("amendment", "Enter the amendment the meeting made")
    command = AmendRecommendation(amendment=amendment) if amendment else None
    return command, {"amendment": amendment}, lambda refusal, fresh: "amendment"


def read_vote(
    form: Mapping[str, Any], item: ItemAtMeeting, errors: FormErrors
) -> tuple[Command | None, dict[str, str], Anchor]:
    """A member's own vote, or (``on_behalf``) the clerk's record of a present member's."""
    on_behalf = text(form, "on_behalf") == "1"
    prefix = "behalf-" if on_behalf else ""
    membership = item.state.membership
    member_id = None
    if on_behalf:
        member_id = choice(form, "member-id", membership.ids if membership else ())
        if member_id is None:
            errors.add("member-id", "Select the member whose vote you are recording")
    picked = choice(form, f"{prefix}choice", _CHOICES)
    if picked is None:
        errors.add(f"{prefix}choice", "Select For, Against or Abstain")
    recommendation = item.state.recommendation
    option_id = None
    if picked == VoteChoice.for_.value and recommendation and recommendation.mode == "one_of":
        option_id = choice(form, f"{prefix}option", recommendation.option_ids)
        if option_id is None:
            errors.add(f"{prefix}option", "Select the option you vote for")
    typed = {
        "member-id": member_id or "",
        f"{prefix}choice": picked or "",
        f"{prefix}option": option_id or "",
    }

    def anchor(refusal: TransitionRefused, fresh: ItemAtMeeting) -> str:
        if on_behalf:
            return "member-id" if fresh.state.stage is Stage.voting else "vote-status"
        return (
            "choice" if own_vote(fresh) is None and why_not_voting(fresh) is None else "your-vote"
        )

    if errors or picked is None:
        return None, typed, anchor
    command = CastVote(choice=VoteChoice(picked), option_id=option_id, member_id=member_id)
    return command, typed, anchor
