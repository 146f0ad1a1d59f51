"""What the voting console shows each person: for the chair and clerk who has voted and
who has not (names only: never a choice, never a running count), for a member whether
they may vote and why not, and for everyone the result once the vote has closed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from domain.people import Member, MemberGroup, Membership, Role
from domain.request.decision import Decision, PhaseOutcome, Vote, VoteChoice
from domain.request.draft import DecisionType, FundingOption
from domain.request.models import Stage
from domain.request.voting import DEDELEGATION_GROUPS, vote_decision_type
from web.meeting_pages.meeting_item import DECISION_WORDS, ItemAtMeeting

CHOICE_LABELS: dict[VoteChoice, str] = {
    VoteChoice.for_: "For",
    VoteChoice.against: "Against",
    VoteChoice.abstain: "Abstain",
}


@dataclass(frozen=True)
class Voter:
    """A member entitled to vote, and whether they have (never how)."""

    name: str
    group: MemberGroup
    voted: bool


@dataclass(frozen=True)
class PhasePresence:
    """Who is present to decide a de-delegation for one phase's maintained schools."""

    group: MemberGroup
    present: tuple[str, ...]

    @property
    def unable(self) -> str | None:
        """Why the phase cannot decide, when nobody of it is present."""
        if self.present:
            return None
        label = self.group.label
        return f"Unable to decide for {label} schools: no {label} member is present"


def phase_presence(
    membership: Membership, present_ids: Collection[str]
) -> tuple[PhasePresence, ...]:
    """Each deciding phase of a de-delegation with the names of its members present."""
    return tuple(
        PhasePresence(
            group,
            tuple(
                m.name
                for m in membership.members
                if m.group is group and m.member_id in present_ids
            ),
        )
        for group in DEDELEGATION_GROUPS
    )


def who_votes(item: ItemAtMeeting) -> str:
    """Who may vote on the item, as the console explains it."""
    decision_type = vote_decision_type(item.state)
    if decision_type is DecisionType.dedelegation:
        return (
            "A de-delegation: the maintained primary and secondary members present vote, "
            "each phase deciding for its own schools."
        )
    if decision_type is DecisionType.formula:
        return "A funding formula decision: every member present votes except non-school members."
    return "A general decision: every member present votes."


@dataclass(frozen=True)
class PhaseResult:
    """One phase's decision on a de-delegation, worded for the result."""

    label: str
    outcome: str
    count: str | None


@dataclass(frozen=True)
class Result:
    """The closed vote: what was decided and by how many."""

    outcome: str
    for_count: int
    against_count: int
    abstentions: int
    casting: bool
    by_option: tuple[tuple[str, int], ...]
    phases: tuple[PhaseResult, ...]
    reason: str | None


def voters(item: ItemAtMeeting) -> list[Voter]:
    """The eligible members in the membership's order, each with whether they voted."""
    membership = item.state.membership
    if membership is None:
        return []
    eligible, voted = item.eligible_ids, {v.member_id for v in item.state.votes}
    return [
        Voter(m.name, m.group, m.member_id in voted)
        for m in membership.members
        if m.member_id in eligible
    ]


def yet_to_vote(item: ItemAtMeeting) -> list[Member]:
    """The eligible members who have not voted: the clerk may record their votes."""
    membership = item.state.membership
    if membership is None:
        return []
    voted = {v.member_id for v in item.state.votes}
    return [
        m
        for m in membership.members
        if m.member_id in item.eligible_ids and m.member_id not in voted
    ]


def own_vote(item: ItemAtMeeting) -> Vote | None:
    """The signed-in member's vote, once cast."""
    return next((v for v in item.state.votes if v.member_id == item.user.user_id), None)


def seat(item: ItemAtMeeting) -> Member | None:
    """The signed-in person's seat on the membership the request was tabled with."""
    membership = item.state.membership
    if Role.member not in item.user.roles or membership is None:
        return None
    return membership.get(item.user.user_id)


def why_not_voting(item: ItemAtMeeting) -> str | None:
    """Why the signed-in member may not vote on the item, or None when they may."""
    member = seat(item)
    reference = item.state.reference
    if member is None:
        return f"You are not on this meeting's membership, so you do not vote on {reference}."
    if member.member_id not in item.state.present_member_ids:
        return (
            f"You are not recorded present at this meeting, so you cannot vote on {reference}. "
            "If you are here, ask the clerk to record your attendance."
        )
    if member.member_id in item.eligible_ids:
        return None
    decision_type = vote_decision_type(item.state)
    if decision_type is DecisionType.dedelegation:
        why = (
            "a de-delegation is decided by the maintained primary and secondary members, "
            "each phase for its own schools"
        )
    else:
        why = (
            f"{member.group.label} members do not vote on {DECISION_WORDS[decision_type]} decisions"
        )
    return f"You cannot vote on {reference}: {why}."


def option_label(option: FundingOption | None, option_id: str) -> str:
    """An option as a voter reads it: its source, capitalised."""
    if option is None:
        return option_id
    label = option.source_label
    return label[:1].upper() + label[1:]


def result_of(item: ItemAtMeeting) -> Result | None:
    """The result, once the vote has closed with a decision."""
    decision: Decision | None = item.state.decision
    if decision is None or item.state.stage in (Stage.tabled, Stage.voting):
        return None
    tally = decision.tally
    outcome = decision.outcome.label.capitalize()
    deciding = [p.group.label for p in decision.phases if p.outcome is PhaseOutcome.approved]
    if deciding and decision.outcome.is_approval:
        outcome += f" for {' and '.join(deciding)} schools"
    return Result(
        outcome=outcome,
        for_count=tally.for_count,
        against_count=tally.against_count,
        abstentions=tally.abstentions,
        casting=tally.casting_vote_used,
        by_option=tuple(
            (option_label(item.state.option(o.option_id), o.option_id), o.for_count)
            for o in tally.for_by_option
        ),
        phases=tuple(
            PhaseResult(
                label=phase.group.label.capitalize(),
                outcome=(
                    f"Unable to decide for {phase.group.label} schools: no "
                    f"{phase.group.label} member was present"
                    if phase.outcome is PhaseOutcome.not_decided
                    else phase.outcome.value.capitalize()
                ),
                count=None if phase.outcome is PhaseOutcome.not_decided else phase.tally.text,
            )
            for phase in decision.phases
        ),
        reason=decision.reason,
    )
