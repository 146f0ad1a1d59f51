"""Who may vote on a request, and whether a vote counts: the decision type, the eligible
voters (de-delegation phase by phase) and the checks on each vote cast.

Pure functions like those in ``domain.request.rules``: each returns a fact or raises the
refusal, and none changes state. The count itself is in ``domain.request.tally``; the
quorum, which a meeting needs too, in ``domain.attendance``.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain import attendance
from domain.attendance import present_members
from domain.errors import NotAMember
from domain.people import Actor, MemberGroup, Membership, Role
from domain.request.decision import Vote, VoteChoice
from domain.request.draft import DecisionType, FundingOption
from domain.request.errors import (
    DuplicateVote,
    MemberNotPresent,
    NoEligibleVoters,
    NotEligibleToVote,
    VoteNotOwn,
    VoteOptionInvalid,
    VoteWithoutMember,
)
from domain.request.models import RequestState
from domain.values import quote_ids


def check_quorum(state: RequestState) -> None:
    """Refuse to open a vote at an inquorate meeting, quoting the numbers."""
    attendance.check_quorum(
        membership_of(state),
        state.present_member_ids,
        state.settings,
        f"open the vote on {state.reference}",
    )


_STRICTNESS = (DecisionType.general, DecisionType.formula, DecisionType.dedelegation)


def decision_type_of(options: Iterable[FundingOption]) -> DecisionType:
    """The vote's decision type: the most restrictive among the options put to the vote.

    A recommendation mixing, say, a de-delegation option and a general one is voted on
    by the voters entitled to the de-delegation (the smaller electorate), because
    widening it would let members vote on something the law reserves to others.
    """
    return max(
        (o.decision_type for o in options), key=_STRICTNESS.index, default=DecisionType.general
    )


def vote_decision_type(state: RequestState) -> DecisionType:
    """The decision type of the vote on ``state``'s recommendation."""
    return decision_type_of(state.recommended_options)


DEDELEGATION_GROUPS: tuple[MemberGroup, ...] = (
    MemberGroup.maintained_primary,
    MemberGroup.maintained_secondary,
)
"""The groups that decide a de-delegation, each for its own phase's schools.

De-delegation takes part of maintained mainstream schools' budgets to hold centrally
for a service, so only the schools members representing maintained primary schools
and maintained secondary schools decide it, and each phase decides for its own
schools: the primary members for primary schools, the secondary members for
secondary schools. Maintained special schools and pupil referral units are funded
otherwise and do not de-delegate; academies, early years and non-school members do
not vote on it. A phase with nobody present does not decide, and does not stop the
other phase deciding.

Sources: the Schools Forums (England) Regulations 2012 (SI 2012/2261), which constitute
the forum and its schools members by phase; and the School and Early Years Finance
(England) Regulations made each year under the Education Act 2002 (de-delegation
"with the agreement of the schools members of the schools forum representing" the
maintained primary and maintained secondary schools, for each phase), as the
Department for Education's Schools forums operational and good practice guide
tabulates: "de-delegation: maintained primary and secondary school members
(relevant phase)".
"""


def eligible_voters(
    decision_type: DecisionType,
    membership: Membership,
    present_ids: Iterable[str],
) -> frozenset[str]:
    """Present members entitled to vote on a decision of this type.

    general: every present member. formula (funding formula matters): every present
    member except non-school members; early years members keep their vote.
    dedelegation: present members of DEDELEGATION_GROUPS.
    """
    present = present_members(membership, present_ids)
    voters = set()
    for member in membership.members:
        if member.member_id not in present:
            continue
        if decision_type is DecisionType.formula and member.group is MemberGroup.non_school:
            continue
        if decision_type is DecisionType.dedelegation and member.group not in DEDELEGATION_GROUPS:
            continue
        voters.add(member.member_id)
    return frozenset(voters)


def check_voters(state: RequestState) -> None:
    """Refuse to open a vote nobody present may take part in.

    A de-delegation needs a member of at least one deciding phase present; a phase with
    nobody present is recorded as not deciding when the vote closes.
    """
    membership = membership_of(state)
    decision_type = vote_decision_type(state)
    if not eligible_voters(decision_type, membership, state.present_member_ids):
        who = (
            "no maintained primary or secondary member is present, and de-delegation is "
            "decided by those members, each phase for its own schools"
            if decision_type is DecisionType.dedelegation
            else f"none of the members present may vote on a {decision_type} decision"
        )
        raise NoEligibleVoters(
            f"Cannot open the vote on {state.reference}: {who} (present_member_ids).",
            field="present_member_ids",
        )


# --- votes ---------------------------------------------------------------------------


def check_vote(state: RequestState, actor: Actor, vote: Vote) -> None:
    """Refuse a vote that is not the actor's own, or from a non-member, absent or
    ineligible member, a second vote (one vote per member), or an option that does not
    fit the recommendation (a choice needs the option on "for", nothing else does)."""
    ref = state.reference
    if vote.member_id == actor.user_id and Role.member not in actor.roles:
        raise VoteWithoutMember(
            f"Cannot record a vote on {ref}: {actor.name} is not a member, so name the "
            "member whose vote this is (member_id).",
            field="member_id",
        )
    if vote.member_id != actor.user_id and Role.clerk not in actor.roles:
        raise VoteNotOwn(
            f"Cannot record a vote on {ref}: {actor.name} ({actor.user_id}) may only cast "
            f"their own vote, not one for {vote.member_id} (vote.member_id).",
            field="vote.member_id",
        )
    membership = membership_of(state)
    member = membership.get(vote.member_id)
    if member is None:
        raise NotAMember(
            f"Cannot record a vote on {ref}: {actor.name} ({vote.member_id}) is not a member "
            "of the forum for this meeting (vote.member_id).",
            field="vote.member_id",
        )
    if vote.member_id not in state.present_member_ids:
        raise MemberNotPresent(
            f"Cannot record {member.name}'s vote on {ref}: they are not recorded present at "
            "the meeting (present_member_ids). Only members present may vote.",
            field="present_member_ids",
        )
    decision_type = vote_decision_type(state)
    eligible = eligible_voters(decision_type, membership, state.present_member_ids)
    if vote.member_id not in eligible:
        why = (
            "de-delegation is decided by the maintained primary and secondary members, each "
            "phase for its own schools"
            if decision_type is DecisionType.dedelegation
            else f"they do not vote on a {decision_type} decision"
        )
        raise NotEligibleToVote(
            f"Cannot record {member.name}'s vote on {ref}: {member.group.label} members do not "
            f"vote on a {decision_type} decision: {why} (vote.member_id).",
            field="vote.member_id",
        )
    if any(v.member_id == vote.member_id for v in state.votes):
        raise DuplicateVote(
            f"Cannot record {member.name}'s vote on {ref}: they have already voted "
            "(votes). One vote per member.",
            field="votes",
        )
    _check_vote_option(state, vote)


def _check_vote_option(state: RequestState, vote: Vote) -> None:
    recommendation, ref = state.recommendation, state.reference
    if (
        recommendation is None
        or recommendation.mode != "one_of"
        or vote.choice is not VoteChoice.for_
    ):
        if vote.option_id is not None:
            raise VoteOptionInvalid(
                f"Cannot record the vote on {ref}: a vote {vote.choice} does not name an "
                f"option (vote.option_id is '{vote.option_id}'); only a vote for one of a "
                "choice of options names the option supported.",
                field="vote.option_id",
            )
        return
    if vote.option_id not in recommendation.option_ids:
        named = "none" if vote.option_id is None else f"'{vote.option_id}'"
        raise VoteOptionInvalid(
            f"Cannot record the vote on {ref}: the forum is choosing between "
            f"{quote_ids(recommendation.option_ids)}, so a vote for must name one of them "
            f"(vote.option_id is {named}).",
            field="vote.option_id",
        )


def membership_of(state: RequestState) -> Membership:
    """The membership the request was tabled with; only meeting stages have one."""
    if state.membership is None:
        # Stages that vote always carry a membership (RequestState's invariants).
        raise ValueError(f"{state.reference} has no membership in stage {state.stage}")
    return state.membership
