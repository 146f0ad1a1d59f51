"""The meeting's rules: quorum, who may vote, the votes themselves and the count.

Pure functions like those in domain.rules (which re-exports them): each returns a fact
or raises the refusal, and none changes state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.errors import (
    CastingVoteMustDecide,
    CastingVoteNotAllowed,
    CastingVoteNotNeeded,
    CastingVoteRequired,
    DuplicateVote,
    InquorateMeeting,
    MemberNotPresent,
    NoEligibleVoters,
    NotAMember,
    NotEligibleToVote,
    OptionChoiceTied,
    PhaseCannotDecide,
    VoteNotOwn,
    VoteOptionInvalid,
)
from domain.models import (
    Actor,
    DecisionOutcome,
    DecisionType,
    FundingOption,
    MemberGroup,
    Membership,
    OptionVotes,
    PhaseDecision,
    PhaseOutcome,
    Recommendation,
    RequestState,
    Tally,
    Vote,
    VoteChoice,
    quote_ids,
)

__all__ = [
    "DEDELEGATION_GROUPS",
    "check_dedelegation_phases",
    "check_quorum",
    "check_vote",
    "check_voters",
    "decision_type_of",
    "dedelegation_phases",
    "eligible_voters",
    "is_quorate",
    "membership_of",
    "quorum_required",
    "tally",
    "tally_by_phase",
    "vote_decision_type",
]


# --- the meeting ---------------------------------------------------------------------


def quorum_required(total: int, numerator: int = 2, denominator: int = 5) -> int:
    """Members who must be present: numerator/denominator of ``total``, rounded up.

    Integer arithmetic only, so 2/5 of 20 is exactly 8 and of 21 is 9 (reg. 8 of the
    Schools Forums (England) Regulations 2012: "at least two fifths").
    """
    if total < 0 or numerator < 0 or denominator < 1:
        raise ValueError(f"invalid quorum {numerator}/{denominator} of {total}")
    return -(-total * numerator // denominator)


def _present_members(membership: Membership, present_ids: Iterable[str]) -> frozenset[str]:
    return frozenset(present_ids) & membership.ids


def is_quorate(
    membership: Membership,
    present_ids: Iterable[str],
    numerator: int = 2,
    denominator: int = 5,
) -> bool:
    """Whether enough members (ids not on the membership do not count) are present."""
    present = _present_members(membership, present_ids)
    return len(present) >= quorum_required(membership.total, numerator, denominator)


def check_quorum(state: RequestState) -> None:
    """Refuse to open a vote at an inquorate meeting, quoting the numbers."""
    membership = membership_of(state)
    settings = state.settings
    num, den = settings.quorum_numerator, settings.quorum_denominator
    if is_quorate(membership, state.present_member_ids, num, den):
        return
    present = len(_present_members(membership, state.present_member_ids))
    needed = quorum_required(membership.total, num, den)
    raise InquorateMeeting(
        f"Cannot open the vote on {state.reference}: {present} of {membership.total} members "
        f"are recorded present, and the quorum is {needed} ({num}/{den} of the membership, "
        "rounded up) (present_member_ids). An inquorate meeting cannot decide.",
        field="present_member_ids",
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
    *,
    by_phase: bool = True,
) -> frozenset[str]:
    """Present members entitled to vote on a decision of this type.

    general: every present member. formula (funding formula matters): every present
    member except non-school members; early years members keep their vote.
    dedelegation: present members of DEDELEGATION_GROUPS (``by_phase=False`` gives the
    rule runs recorded before it kept: every present maintained school member).
    """
    present = _present_members(membership, present_ids)
    voters = set()
    for member in membership.members:
        if member.member_id not in present:
            continue
        if decision_type is DecisionType.formula and member.group is MemberGroup.non_school:
            continue
        if decision_type is DecisionType.dedelegation:
            if by_phase and member.group not in DEDELEGATION_GROUPS:
                continue
            if not by_phase and not member.group.is_maintained:
                continue
        voters.add(member.member_id)
    return frozenset(voters)


def dedelegation_phases(
    membership: Membership, present_ids: Iterable[str]
) -> Mapping[MemberGroup, int]:
    """For each maintained group with a seat on the forum, how many of it are present."""
    present = _present_members(membership, present_ids)
    counts: dict[MemberGroup, int] = {}
    for group in MemberGroup:
        seats = [m for m in membership.members if m.group is group]
        if group.is_maintained and seats:
            counts[group] = sum(1 for m in seats if m.member_id in present)
    return counts


def check_dedelegation_phases(
    membership: Membership, present_ids: Iterable[str], reference: str = "the request"
) -> None:
    """Refuse a de-delegation vote when a maintained phase on the forum has nobody present.

    De-delegation is decided by the maintained members of each phase for that phase, so
    a phase with seats but no one in the room cannot take its decision.
    """
    for group, present in dedelegation_phases(membership, present_ids).items():
        if present == 0:
            raise PhaseCannotDecide(
                f"Cannot open the de-delegation vote on {reference}: no {group.label} member "
                f"is present (present_member_ids), and de-delegation for the {group.phase} "
                "phase is decided by its maintained school members.",
                field="present_member_ids",
            )


def check_voters(state: RequestState, *, by_phase: bool = True) -> None:
    """Refuse to open a vote nobody present may take part in.

    A de-delegation needs a member of at least one deciding phase present; a phase with
    nobody present is recorded as not deciding when the vote closes. (``by_phase=False``:
    the earlier rule, which refused the vote when any maintained phase was absent.)
    """
    membership = membership_of(state)
    decision_type = vote_decision_type(state)
    if decision_type is DecisionType.dedelegation and not by_phase:
        check_dedelegation_phases(membership, state.present_member_ids, state.reference)
    if not eligible_voters(decision_type, membership, state.present_member_ids, by_phase=by_phase):
        who = (
            "no maintained primary or secondary member is present, and de-delegation is "
            "decided by those members, each phase for its own schools"
            if decision_type is DecisionType.dedelegation and by_phase
            else f"none of the members present may vote on a {decision_type} decision"
        )
        raise NoEligibleVoters(
            f"Cannot open the vote on {state.reference}: {who} (present_member_ids).",
            field="present_member_ids",
        )


# --- votes ---------------------------------------------------------------------------


def check_vote(state: RequestState, actor: Actor, vote: Vote, *, by_phase: bool = True) -> None:
    """Refuse a vote that is not the actor's own, or from a non-member, absent or
    ineligible member, a second vote (one vote per member), or an option that does not
    fit the recommendation (a choice needs the option on "for", nothing else does)."""
    ref = state.reference
    if vote.member_id != actor.user_id:
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
    eligible = eligible_voters(
        decision_type, membership, state.present_member_ids, by_phase=by_phase
    )
    if vote.member_id not in eligible:
        why = (
            "de-delegation is decided by the maintained primary and secondary members, each "
            "phase for its own schools"
            if decision_type is DecisionType.dedelegation and by_phase
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


def tally(
    votes: Iterable[Vote],
    eligible: frozenset[str],
    chair_id: str | None,
    casting_vote: bool,
    chair_casting_choice: VoteChoice | None,
    *,
    recommendation: Recommendation,
    amended: bool = False,
    chair_casting_option_id: str | None = None,
) -> tuple[DecisionOutcome, Tally, tuple[str, ...]]:
    """Count the eligible votes and say what was decided, and which option(s) were agreed.

    Only votes of ``eligible`` members count. More for than against: approved
    (approved_as_amended when the meeting amended the recommendation). Fewer: rejected.
    A tie is broken by the chair's casting vote when the forum's settings give one
    (the chair must then say for or against), and otherwise fails: a motion without a
    majority is lost, so the request is rejected.

    For a choice (``one_of``) every "for" names an option; the approval question is
    all "for" votes against all "against" votes, and the option agreed is the one with
    most "for" votes. A tie between the leading options is broken by the chair's
    casting vote (``chair_casting_option_id``) when allowed; otherwise the forum has not
    chosen a source, and OptionChoiceTied refuses to close the vote: the chair defers.

    A casting choice given when the setting forbids it, or when nothing is tied, is
    refused rather than ignored, so the record never shows a casting vote nobody used.
    """
    counted = [v for v in votes if v.member_id in eligible]
    for_count = sum(1 for v in counted if v.choice is VoteChoice.for_)
    against_count = sum(1 for v in counted if v.choice is VoteChoice.against)
    abstentions = len(counted) - for_count - against_count
    given = chair_casting_choice is not None or chair_casting_option_id is not None
    if given and not casting_vote:
        raise CastingVoteNotAllowed(
            "Cannot use a casting vote: the forum's settings give the chair no casting vote "
            "(settings.chair_has_casting_vote is false).",
            field="chair_casting_choice",
        )
    if chair_casting_choice is VoteChoice.abstain:
        raise CastingVoteMustDecide(
            "Cannot abstain with a casting vote: it exists to decide a tie, so it must be for "
            "or against (chair_casting_choice).",
            field="chair_casting_choice",
        )
    casting_used = False
    if for_count == against_count and casting_vote:
        if chair_casting_choice is None:
            raise CastingVoteRequired(
                f"The vote is tied {for_count} for to {against_count} against: the chair must "
                "give a casting vote, for or against (chair_casting_choice).",
                field="chair_casting_choice",
            )
        carried, casting_used = chair_casting_choice is VoteChoice.for_, True
    else:
        if chair_casting_choice is not None:
            raise CastingVoteNotNeeded(
                f"No casting vote is needed: the vote is {for_count} for to {against_count} "
                "against, not tied (chair_casting_choice).",
                field="chair_casting_choice",
            )
        carried = for_count > against_count
    for_by_option: tuple[OptionVotes, ...] = ()
    chosen: tuple[str, ...] = ()
    if recommendation.mode == "one_of":
        for_by_option = tuple(
            OptionVotes(
                option_id=oid,
                for_count=sum(
                    1 for v in counted if v.choice is VoteChoice.for_ and v.option_id == oid
                ),
            )
            for oid in recommendation.option_ids
        )
    if carried and recommendation.mode == "one_of":
        chosen, option_casting = _choose_option(
            for_by_option, casting_vote, chair_casting_option_id
        )
        casting_used = casting_used or option_casting
    elif carried:
        chosen = recommendation.option_ids
    if chair_casting_option_id is not None and not (carried and recommendation.mode == "one_of"):
        raise CastingVoteNotNeeded(
            "No casting vote between options is needed: no choice of options was agreed "
            "(chair_casting_option_id).",
            field="chair_casting_option_id",
        )
    if carried:
        outcome = DecisionOutcome.approved_as_amended if amended else DecisionOutcome.approved
    else:
        outcome = DecisionOutcome.rejected
    result = Tally(
        for_count=for_count,
        against_count=against_count,
        abstentions=abstentions,
        casting_vote_used=casting_used,
        casting_vote_by=chair_id if casting_used else None,
        for_by_option=for_by_option,
    )
    return outcome, result, chosen


def tally_by_phase(
    votes: Iterable[Vote],
    membership: Membership,
    present_ids: Iterable[str],
    *,
    recommendation: Recommendation,
    amended: bool = False,
    casting_given: bool = False,
) -> tuple[DecisionOutcome, Tally, tuple[str, ...], tuple[PhaseDecision, ...]]:
    """Count a de-delegation phase by phase (DEDELEGATION_GROUPS).

    Each phase's present members decide for its schools with their own count, exactly as
    :func:`tally` counts (a tie is lost); a phase with nobody present is not decided.
    The decision approves when at least one phase approved, agreeing the options its
    approving phases chose; its tally is the phases' sum. The chair's casting vote does
    not decide a phase: only that phase's members do, so one given is refused.
    """
    if casting_given:
        raise CastingVoteNotAllowed(
            "Cannot use a casting vote on a de-delegation: each phase's maintained members "
            "decide it for their own schools, and a tie in a phase is lost "
            "(chair_casting_choice).",
            field="chair_casting_choice",
        )
    cast = tuple(votes)
    present = _present_members(membership, present_ids)
    phases: list[PhaseDecision] = []
    for group in DEDELEGATION_GROUPS:
        voters = frozenset(
            m.member_id for m in membership.members if m.group is group and m.member_id in present
        )
        if not voters:
            empty = Tally(for_count=0, against_count=0, abstentions=0)
            phases.append(PhaseDecision(group=group, outcome=PhaseOutcome.not_decided, tally=empty))
            continue
        outcome, counted, chosen = tally(
            cast, voters, None, False, None, recommendation=recommendation, amended=amended
        )
        phases.append(
            PhaseDecision(
                group=group,
                outcome=PhaseOutcome.approved if outcome.is_approval else PhaseOutcome.rejected,
                tally=counted,
                chosen_option_ids=chosen,
            )
        )
    approving = [p for p in phases if p.outcome is PhaseOutcome.approved]
    agreed = {oid for p in approving for oid in p.chosen_option_ids}
    chosen_ids = tuple(oid for oid in recommendation.option_ids if oid in agreed)
    by_option: tuple[OptionVotes, ...] = ()
    if recommendation.mode == "one_of":
        by_option = tuple(
            OptionVotes(
                option_id=oid,
                for_count=sum(
                    o.for_count for p in phases for o in p.tally.for_by_option if o.option_id == oid
                ),
            )
            for oid in recommendation.option_ids
        )
    total = Tally(
        for_count=sum(p.tally.for_count for p in phases),
        against_count=sum(p.tally.against_count for p in phases),
        abstentions=sum(p.tally.abstentions for p in phases),
        for_by_option=by_option,
    )
    if not approving:
        outcome = DecisionOutcome.rejected
    else:
        outcome = DecisionOutcome.approved_as_amended if amended else DecisionOutcome.approved
    return outcome, total, chosen_ids, tuple(phases)


def _choose_option(
    for_by_option: tuple[OptionVotes, ...], casting_vote: bool, casting_option: str | None
) -> tuple[tuple[str, ...], bool]:
    top = max(o.for_count for o in for_by_option)
    leaders = [o.option_id for o in for_by_option if o.for_count == top]
    if len(leaders) == 1:
        if casting_option is not None:
            raise CastingVoteNotNeeded(
                f"No casting vote between options is needed: '{leaders[0]}' has the most votes "
                "(chair_casting_option_id).",
                field="chair_casting_option_id",
            )
        return (leaders[0],), False
    if not casting_vote:
        raise OptionChoiceTied(
            f"The forum agreed to fund but is tied {top} each between {quote_ids(leaders)}, and "
            "the chair has no casting vote (settings.chair_has_casting_vote), so no funding "
            "option was chosen. Defer the request with the reason rather than approve it "
            "without a source.",
            field="votes",
        )
    if casting_option is None:
        raise CastingVoteRequired(
            f"The choice is tied {top} each between {quote_ids(leaders)}: the chair must give a "
            "casting vote naming one of them (chair_casting_option_id).",
            field="chair_casting_option_id",
        )
    if casting_option not in leaders:
        raise CastingVoteMustDecide(
            f"The casting vote must name one of the tied options {quote_ids(leaders)}, not "
            f"'{casting_option}' (chair_casting_option_id).",
            field="chair_casting_option_id",
        )
    return (casting_option,), True


# --- helpers -------------------------------------------------------------------------


def membership_of(state: RequestState) -> Membership:
    """The membership the request was tabled with; only meeting stages have one."""
    if state.membership is None:
        # Stages that vote always carry a membership (RequestState's invariants).
        raise ValueError(f"{state.reference} has no membership in stage {state.stage}")
    return state.membership
