"""Example people, forums and requests for the lifecycle tests, drawn from the seeds.

The Middlesbrough case (seed 000): four Early Help Practitioner posts at
GBP 22,401 each, GBP 89,604 in all, offered from centrally retained budgets or
the schools block, approved in July 2018 "full time and not term time only".
"""

from __future__ import annotations

from datetime import date

from domain.models import (
    Actor,
    CostLine,
    DecisionType,
    EvaluationPlan,
    EvaluationReport,
    FundingOption,
    FundingSource,
    MeasuredOutcome,
    Member,
    MemberGroup,
    Membership,
    Period,
    RequestDraft,
    Role,
)

OFFICER = Actor(user_id="sean.hogg", name="Sean Hogg", roles=frozenset({Role.officer}))
CLERK = Actor(user_id="clerk", name="Forum Clerk", roles=frozenset({Role.clerk}))
CHAIR = Actor(user_id="chair", name="Forum Chair", roles=frozenset({Role.chair}))

_GROUPS: tuple[tuple[MemberGroup, int], ...] = (
    (MemberGroup.maintained_primary, 4),
    (MemberGroup.maintained_secondary, 3),
    (MemberGroup.maintained_special, 1),
    (MemberGroup.maintained_pru, 1),
    (MemberGroup.academy, 6),
    (MemberGroup.early_years, 2),
    (MemberGroup.non_school, 3),
)

MEMBERS: tuple[Member, ...] = tuple(
    Member(
        member_id=f"{group.value}-{n}",
        name=f"{group.value.replace('_', ' ').title()} member {n}",
        group=group,
        email=f"{group.value}.{n}@forum.example.org",
    )
    for group, count in _GROUPS
    for n in range(1, count + 1)
)
MEMBERSHIP = Membership(members=MEMBERS)  # 20 members: quorum is 8


def member_actor(member: Member) -> Actor:
    """The forum member as someone acting in forumflow."""
    return Actor(
        user_id=member.member_id,
        name=member.name,
        roles=frozenset({Role.member}),
        group=member.group,
    )


def members_of(*groups: MemberGroup) -> list[Member]:
    """The forum's members in the given groups."""
    return [member for member in MEMBERS if member.group in groups]


JULY_2018_MEETING = date(2018, 7, 4)
SEPTEMBER_2018_MEETING = date(2018, 9, 26)
POSTS_PERIOD = Period(start=date(2018, 9, 1), end=date(2019, 8, 31))
POST_COST_PENCE = 2_240_100
TOTAL_PENCE = 4 * POST_COST_PENCE  # GBP 89,604


def middlesbrough_draft(reference: str = "SMF-2018-EHP") -> RequestDraft:
    """The July 2018 request for four Early Help Practitioner posts."""
    return RequestDraft(
        reference=reference,
        title="Early Help Practitioners",
        purpose="Four posts to work with schools supporting the Lead Practitioner role "
        "and a restorative whole-family approach.",
        background="Schools report struggling to keep up with demand from families "
        "needing extra support.",
        author_id=OFFICER.user_id,
        cost_lines=(
            CostLine(
                description="Early Help Practitioner post",
                quantity=4,
                unit_cost_pence=POST_COST_PENCE,
            ),
        ),
        period=POSTS_PERIOD,
        recurrent=False,
        procurement_needed=False,
        evaluation_plan=EvaluationPlan(
            measures=("early help cases picked up in schools", "outcomes for families"),
            report_due=date(2019, 6, 30),
        ),
    )


CENTRALLY_RETAINED = FundingOption(
    option_id="centrally-retained",
    source=FundingSource.centrally_retained,
    amount_pence=TOTAL_PENCE,
    period=POSTS_PERIOD,
    conditions=("posts managed by the Family Partnership Team",),
)
SCHOOLS_BLOCK = FundingOption(
    option_id="schools-block",
    source=FundingSource.dsg_schools_block_dedelegation,
    amount_pence=TOTAL_PENCE,
    period=POSTS_PERIOD,
    decision_type=DecisionType.dedelegation,
)

EVALUATION = EvaluationReport(
    summary="Officers picked up early help cases in schools across all clusters.",
    outcomes=(MeasuredOutcome(measure="referrals", value=707, unit="referrals"),),
    recommendation="extend",
    reported_by=OFFICER.user_id,
)
