"""The request the benchmarks drive: seed 000 (devtools.seeds) dated from "today", and its steps.

The people, the four posts, their option, minute and evaluation are the Middlesbrough
case's; the forum is the seed forum's first 12 members, ten of whom attend and vote.

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

from devtools import seeds
from domain.people import Actor, Membership
from domain.request.commands import (
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
from domain.request.decision import VoteChoice
from domain.request.draft import EvaluationPlan, Period, Recommendation, RequestDraft

OFFICER = seeds.OFFICER
CLERK = seeds.CLERK
CHAIR = seeds.CHAIR

VOTES = 10
"""Members who attend and vote in a full lifecycle."""

MEMBERS = seeds.MEMBERS[:12]
MEMBERSHIP = Membership(members=MEMBERS)  # 12 members: quorum 5 of 12
PRESENT = tuple(member.member_id for member in MEMBERS[:VOTES])
OPTION_ID = seeds.CENTRALLY_RETAINED.option_id
EVALUATION = seeds.EVALUATION.model_copy(update={"recommendation": "end"})
MEASURE = EVALUATION.outcomes[0].measure


def new_reference(prefix: str = "BENCH") -> str:
    """A request reference no other run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


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
    """Seed 000's four posts, at ``dates``, evaluated on one measure."""
    return seeds.middlesbrough_draft(reference, author_id=OFFICER.user_id).model_copy(
        update={
            "period": dates.period,
            "procurement_needed": dates.service_start is not None,
            "service_start": dates.service_start,
            "evaluation_plan": EvaluationPlan(measures=(MEASURE,), report_due=dates.report_due),
        }
    )


Step = tuple[Command, Actor]


def listing_steps(dates: Dates) -> list[Step]:
    """Submit the draft, list the option, recommend it."""
    option = seeds.CENTRALLY_RETAINED.model_copy(update={"period": dates.period})
    recommendation = Recommendation(
        text=seeds.MIDDLESBROUGH_RECOMMENDATION, option_ids=(OPTION_ID,)
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
    cast = [(CastVote(choice=VoteChoice.for_), seeds.member_actor(m)) for m in MEMBERS[:votes]]
    return [*cast, (CloseVote(), CHAIR)]


def minuting_steps(dates: Dates) -> list[Step]:
    """The clerk minutes the approval and the chair confirms it."""
    minute = seeds.middlesbrough_minute(CLERK.user_id).model_copy(update={"period": dates.period})
    return [(RecordMinute(minute=minute), CLERK), (ConfirmMinutes(), CHAIR)]


def closing_steps() -> list[Step]:
    """The officer reports the evaluation; the chair closes the request."""
    return [
        (ReportEvaluation(report=EVALUATION), OFFICER),
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
