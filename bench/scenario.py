"""The request the benchmarks drive: people, a draft dated from "today", and its steps.

Each step is one transition Update, so the number of Updates a lifecycle sends
(and so the baseline's count) is ``len`` of the step list. Dates are placed
relative to the server's clock, so the same scenario works on the dev server
(real time) and on the time-skipping server (whose clock starts at the present).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.commands import (
    AddOption,
    CastVote,
    Close,
    CloseVote,
    Command,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.models import (
    Actor,
    CostLine,
    EvaluationPlan,
    EvaluationReport,
    FundingOption,
    FundingSource,
    MeasuredOutcome,
    Member,
    MemberGroup,
    Membership,
    Minute,
    Period,
    Recommendation,
    RequestDraft,
    Role,
    VoteChoice,
)

OFFICER = Actor(user_id="officer", name="Bench Officer", roles=frozenset({Role.officer}))
CLERK = Actor(user_id="clerk", name="Bench Clerk", roles=frozenset({Role.clerk}))
CHAIR = Actor(user_id="chair", name="Bench Chair", roles=frozenset({Role.chair}))

VOTES = 10
"""Members who attend and vote in a full lifecycle."""

MEMBERS: tuple[Member, ...] = tuple(
    Member(
        member_id=f"member-{n}",
        name=f"Member {n}",
        group=MemberGroup.academy if n % 2 else MemberGroup.maintained_primary,
        email=f"member.{n}@forum.example.org",
    )
    for n in range(1, 13)
)
MEMBERSHIP = Membership(members=MEMBERS)  # 12 members: quorum 5 of 12
PRESENT = tuple(member.member_id for member in MEMBERS[:VOTES])
UNIT_COST_PENCE = 2_240_100
TOTAL_PENCE = 4 * UNIT_COST_PENCE
OPTION_ID = "centrally-retained"
MEASURE = "referrals"


def new_reference(prefix: str = "BENCH") -> str:
    """A request reference no other run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


def member_actor(member: Member) -> Actor:
    """The forum member as someone acting in forumflow."""
    return Actor(
        user_id=member.member_id,
        name=member.name,
        roles=frozenset({Role.member}),
        group=member.group,
    )


@dataclass(frozen=True)
class Dates:
    """When things happen in a request, relative to the day it is drafted."""

    meeting: date
    period: Period
    report_due: date
    service_start: date | None = None

    @classmethod
    def from_today(cls, today: date) -> Dates:
        """A meeting in eight weeks, funding for a year from three months on."""
        start = today + timedelta(days=90)
        return cls(
            meeting=today + timedelta(weeks=8),
            period=Period(start=start, end=start + timedelta(days=364)),
            report_due=start + timedelta(days=300),
        )


def draft(reference: str, dates: Dates) -> RequestDraft:
    """Four posts, funded from centrally retained budgets, evaluated on referrals."""
    return RequestDraft(
        reference=reference,
        title="Early Help Practitioners (benchmark)",
        purpose="Four posts supporting schools with early help for families.",
        background="Schools report demand from families needing extra support.",
        author_id=OFFICER.user_id,
        cost_lines=(
            CostLine(
                description="Early Help Practitioner post",
                quantity=4,
                unit_cost_pence=UNIT_COST_PENCE,
            ),
        ),
        period=dates.period,
        recurrent=False,
        procurement_needed=dates.service_start is not None,
        service_start=dates.service_start,
        evaluation_plan=EvaluationPlan(measures=(MEASURE,), report_due=dates.report_due),
    )


Step = tuple[Command, Actor]


def listing_steps(dates: Dates) -> list[Step]:
    """Submit the draft, list the option, recommend it."""
    option = FundingOption(
        option_id=OPTION_ID,
        source=FundingSource.centrally_retained,
        amount_pence=TOTAL_PENCE,
        period=dates.period,
    )
    recommendation = Recommendation(
        text="The forum agrees to fund four posts.", option_ids=(OPTION_ID,)
    )
    return [
        (SubmitDraft(), OFFICER),
        (AddOption(option=option), OFFICER),
        (SetRecommendation(recommendation=recommendation), OFFICER),
    ]


def table_step(meeting: date) -> Step:
    """The chair tables the request for ``meeting``."""
    return (TableRequest(meeting_date=meeting, membership=MEMBERSHIP), CHAIR)


def attendance_step(present: Sequence[str] = PRESENT) -> Step:
    """The clerk records who is present (repeatable while tabled)."""
    return (RecordAttendance(present_member_ids=tuple(present)), CLERK)


def opening_steps(meeting: date) -> list[Step]:
    """Table, record attendance, open the vote."""
    return [table_step(meeting), attendance_step(), (OpenVote(), CHAIR)]


def voting_steps(votes: int = VOTES) -> list[Step]:
    """``votes`` members vote for; the chair closes the vote (approved)."""
    cast = [(CastVote(choice=VoteChoice.for_), member_actor(m)) for m in MEMBERS[:votes]]
    return [*cast, (CloseVote(), CHAIR)]


def minuting_steps(dates: Dates) -> list[Step]:
    """The clerk minutes the approval and the chair confirms it."""
    minute = Minute(
        agreed_option_ids=(OPTION_ID,),
        amount_pence=TOTAL_PENCE,
        period=dates.period,
        text="The forum agreed to fund four posts.",
        recorded_by=CLERK.user_id,
    )
    return [(RecordMinute(minute=minute), CLERK), (ConfirmMinutes(), CHAIR)]


def closing_steps() -> list[Step]:
    """The officer reports the evaluation; the chair closes the request."""
    report = EvaluationReport(
        summary="Early help cases were picked up in schools.",
        outcomes=(MeasuredOutcome(measure=MEASURE, value=707, unit="referrals"),),
        recommendation="end",
        reported_by=OFFICER.user_id,
    )
    return [
        (ReportEvaluation(report=report), OFFICER),
        (Close(reason="The work is done."), CHAIR),
    ]


def open_vote_steps(dates: Dates) -> list[Step]:
    """From a new draft to a vote left open (the memory and listing benchmarks)."""
    return [*listing_steps(dates), *opening_steps(dates.meeting)]


def full_lifecycle_steps(dates: Dates) -> list[Step]:
    """Every Update of a whole lifecycle with ten votes, in order."""
    return [
        *open_vote_steps(dates),
        *voting_steps(),
        *minuting_steps(dates),
        *closing_steps(),
    ]
