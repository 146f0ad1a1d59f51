"""Example people, forums and requests drawn from the two seed papers: the one copy of them.

The demo (``python -m devtools demo``), the benchmarks and the tests build on these,
and ``python -m devtools examples`` writes the JSON bodies in ``examples/`` (the ones
the README's CLI session sends) from them.

Seed 000, Middlesbrough: four Early Help Practitioner posts at GBP 22,401 each,
GBP 89,604 in all, offered from centrally retained budgets or the schools block,
approved on 4 July 2018 "full time and not term time only", with no source minuted.

Seed 003, Staffordshire: Early Help family support commissioned jointly on a
district footprint and paid by results. The annual DSG decision is due in October,
but a procurement of that size needs a 12-month lead-in, so the forum must decide
earlier. The minute gives no money figure: the amount below is illustrative.
"""

from __future__ import annotations

from datetime import date

from domain.people import Actor, Member, MemberGroup, Membership, Role
from domain.request.decision import EvaluationReport, MeasuredOutcome, Minute
from domain.request.draft import (
    CostLine,
    DecisionType,
    EvaluationPlan,
    FundingOption,
    FundingSource,
    Period,
    RequestDraft,
)

# --- the forum -----------------------------------------------------------------------

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


# --- seed 000: Middlesbrough, July 2018 ----------------------------------------------

MIDDLESBROUGH_REFERENCE = "SMF-2018-EHP"
JULY_2018_MEETING = date(2018, 7, 4)
SEPTEMBER_2018_MEETING = date(2018, 9, 26)
POSTS_PERIOD = Period(start=date(2018, 9, 1), end=date(2019, 8, 31))
POST_COST_PENCE = 2_240_100
TOTAL_PENCE = 4 * POST_COST_PENCE  # GBP 89,604

MIDDLESBROUGH_AMENDMENT = "The posts are full time and not term time only"
MIDDLESBROUGH_RECOMMENDATION = (
    "SMF vote to agree to the funding of £89,604 to recruit to four posts to be managed "
    "within the Council's Stronger Families service to carry out early help and prevention "
    "work within schools, across the primary and secondary schools sector."
)
MIDDLESBROUGH_MINUTE = (
    "SMF agreed the recommendations to fund 4 posts, full time and not term time only."
)
"""The minute as the forum wrote it: it names no source, which forumflow refuses."""


def middlesbrough_draft(
    reference: str = MIDDLESBROUGH_REFERENCE, author_id: str = OFFICER.user_id
) -> RequestDraft:
    """The July 2018 request for four Early Help Practitioner posts."""
    return RequestDraft(
        reference=reference,
        title="Early Help Practitioners",
        purpose="Four posts to work with schools supporting the Lead Practitioner role "
        "and a restorative whole-family approach.",
        background="Schools report struggling to keep up with demand from families "
        "needing extra support.",
        author_id=author_id,
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


def middlesbrough_minute(recorded_by: str = CLERK.user_id) -> Minute:
    """The approval minuted as it should have been: from the centrally retained budget."""
    return Minute(
        agreed_option_ids=(CENTRALLY_RETAINED.option_id,),
        amount_pence=TOTAL_PENCE,
        period=POSTS_PERIOD,
        text="The forum agreed to fund four Early Help Practitioner posts from the "
        "centrally retained budget.",
        recorded_by=recorded_by,
    )


EVALUATION = EvaluationReport(
    summary="Officers picked up early help cases in schools across all clusters.",
    outcomes=(MeasuredOutcome(measure="referrals", value=707, unit="referrals"),),
    recommendation="extend",
    reported_by=OFFICER.user_id,
)


# --- seed 003: Staffordshire, 2019 ---------------------------------------------------

# The forum's meetings around the year the procurement must be decided.
STAFFORDSHIRE_MEETINGS: tuple[date, ...] = (
    date(2019, 1, 16),
    date(2019, 3, 20),
    date(2019, 6, 12),
    date(2019, 10, 9),
)
STAFFORDSHIRE_REFERENCE = "SSF-2019-EHFS"
STAFFORDSHIRE_PLANNED_ON = date(2019, 1, 1)
STAFFORDSHIRE_DECISION_MEETING = date(2019, 3, 20)
STAFFORDSHIRE_CONFIRMING_MEETING = date(2019, 6, 12)
STAFFORDSHIRE_SERVICE_START = date(2020, 4, 1)
STAFFORDSHIRE_PERIOD = Period(start=STAFFORDSHIRE_SERVICE_START, end=date(2021, 3, 31))
# Illustrative: the minute says demand would use "the whole of the budget" but not its size.
STAFFORDSHIRE_TOTAL_PENCE = 100_000_000  # GBP 1,000,000


def staffordshire_draft(
    reference: str = STAFFORDSHIRE_REFERENCE, author_id: str = "officer"
) -> RequestDraft:
    """Family support from April 2020, procured jointly on a district footprint."""
    return RequestDraft(
        reference=reference,
        title="Early Help family support on a district footprint",
        purpose="Continue family support for schools in all phases, procured jointly with "
        "the County Council on a district footprint and paid by results.",
        background="The new arrangements began in April 2018; schools made 707 referrals "
        "in 2018/19, and at the first quarter's 300-400 referrals the whole budget would "
        "be used. A procurement of this size needs a 12-month lead-in, and the annual DSG "
        "decision is not due until October.",
        author_id=author_id,
        cost_lines=(
            CostLine(
                description="Family support providers, payment by results",
                quantity=1,
                unit_cost_pence=STAFFORDSHIRE_TOTAL_PENCE,
            ),
        ),
        period=STAFFORDSHIRE_PERIOD,
        recurrent=True,
        procurement_needed=True,
        service_start=STAFFORDSHIRE_SERVICE_START,
        evaluation_plan=EvaluationPlan(
            measures=(
                "referrals from schools",
                "families achieving their outcomes (payment by results)",
                "attendance of the children referred",
            ),
            report_due=date(2021, 1, 31),
        ),
    )


STAFFORDSHIRE_CENTRAL_BLOCK = FundingOption(
    option_id="dsg-central",
    source=FundingSource.dsg_central_school_services,
    amount_pence=STAFFORDSHIRE_TOTAL_PENCE,
    period=STAFFORDSHIRE_PERIOD,
    conditions=("evaluation of outcomes reported to the forum",),
)
STAFFORDSHIRE_AUTHORITY = FundingOption(
    option_id="county-budget",
    source=FundingSource.authority_budget,
    amount_pence=STAFFORDSHIRE_TOTAL_PENCE,
    period=STAFFORDSHIRE_PERIOD,
)
STAFFORDSHIRE_RECOMMENDATION = (
    "The forum agrees in principle that the work jointly with the County Council on a "
    "district footprint delivering family support covering all phases be continued, "
    "funded from the DSG central school services block."
)
STAFFORDSHIRE_MINUTE = (
    "Agreed in principle that family support on a district footprint covering all phases "
    "be continued from April 2020, funded from the DSG central school services block."
)


def staffordshire_minute(recorded_by: str = CLERK.user_id) -> Minute:
    """The approval in principle, minuted from the DSG central school services block."""
    return Minute(
        agreed_option_ids=(STAFFORDSHIRE_CENTRAL_BLOCK.option_id,),
        amount_pence=STAFFORDSHIRE_TOTAL_PENCE,
        period=STAFFORDSHIRE_PERIOD,
        text=STAFFORDSHIRE_MINUTE,
        recorded_by=recorded_by,
    )
