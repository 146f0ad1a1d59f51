"""The count of a request's vote: what was decided, by how many, and which option(s).

Pure like the rest of ``domain.request``: :func:`tally` counts one electorate, with the
chair's casting vote when the forum gives one, and :func:`tally_by_phase` counts a
de-delegation phase by phase (``domain.request.voting.DEDELEGATION_GROUPS``).
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.attendance import present_members
from domain.people import Membership
from domain.request.decision import (
    DecisionOutcome,
    OptionVotes,
    PhaseDecision,
    PhaseOutcome,
    Tally,
    Vote,
    VoteChoice,
)
from domain.request.draft import Recommendation
from domain.request.errors import (
    CastingVoteMustDecide,
    CastingVoteNotAllowed,
    CastingVoteNotNeeded,
    CastingVoteRequired,
    OptionChoiceTied,
)
from domain.request.voting import DEDELEGATION_GROUPS
from domain.values import quote_ids


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
    present = present_members(membership, present_ids)
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
