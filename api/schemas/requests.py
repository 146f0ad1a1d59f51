"""What the API answers about funding requests, and the body that creates one.

The request's parts a caller also sends (the draft, options, recommendation, membership,
minute, evaluation, settings) are the bodies' own models, so what goes in comes back out
the same; everything only ever answered (the state around them, votes, decisions,
audit entries, notices, deadlines) is shaped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.base import Answer
from clients.requests import ListedRequest
from domain.deadlines import DeadlineKind
from domain.forum import ForumSettings
from domain.people import Membership, Role
from domain.request.commands import Transition
from domain.request.decision import (
    DecisionOutcome,
    EvaluationReport,
    Minute,
    PhaseDecision,
    Tally,
    VoteChoice,
)
from domain.request.draft import FundingOption, Period, Recommendation, RequestDraft
from domain.request.models import FundingState, Stage
from domain.values import PlannableDate


class CreateRequest(BaseModel):
    """A new request: the officer's draft, and optionally the forum's settings and dates."""

    # Strict like the domain's models: a date is an ISO string, never a number of seconds.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    draft: RequestDraft
    settings: ForumSettings | None = None
    scheduled_meetings: tuple[PlannableDate, ...] = Field(
        default=(), description="the forum's published meeting dates, for the procurement plan"
    )


class Vote(Answer):
    """One member's vote; ``option_id`` says which option a "for" supports in a choice."""

    member_id: str
    choice: VoteChoice
    option_id: str | None


class Decision(Answer):
    """The forum's decision on the recommendation at one meeting.

    A de-delegation is decided phase by phase: ``phases`` holds each phase's outcome
    and count, ``tally`` their sum, and ``outcome`` is an approval when at least one
    phase approved (for that phase's schools).
    """

    outcome: DecisionOutcome
    decided_at: datetime
    meeting_date: date
    tally: Tally
    chosen_option_ids: tuple[str, ...]
    amendments: tuple[str, ...]
    reason: str | None
    phases: tuple[PhaseDecision, ...] = Field(
        description="de-delegation only: each phase's decision for its schools"
    )


class Deferral(Answer):
    """A meeting sent the request back to option listing, and why."""

    reason: str
    meeting_date: date
    at: datetime


class AuditEntry(Answer):
    """One accepted change: who, in which role, when, what changed and why."""

    at: datetime
    actor_id: str
    actor_name: str
    role: Role
    transition: str
    from_stage: Stage | None
    to_stage: Stage
    summary: str
    reason: str | None


class NoticeRecord(Answer):
    """A reminder, escalation or warning forumflow sent: part of the request's audit trail."""

    at: datetime
    key: str
    kind: str
    subject: str
    recipients: tuple[str, ...]
    outcome: str = Field(description="sent, already_sent, logged_only, or failed: <why>")


class CycleSummary(Answer):
    """What an earlier funding period agreed, kept when the request is extended."""

    cycle: int
    outcome: DecisionOutcome
    agreed_option_ids: tuple[str, ...]
    amount_pence: int
    period: Period


class FundingConfirmation(Answer):
    """The officer's record that the money a conditional approval waited on is available."""

    confirmed_by: str = Field(description="who confirmed the money, e.g. the finance lead")
    confirmed_on: date
    option_ids: tuple[str, ...]
    amount_pence: int
    recorded_by: str
    recorded_at: datetime


class SpendingRecord(Answer):
    """The day spending of the agreed money started, and whether its funding was confirmed."""

    started_on: date
    description: str
    recorded_by: str
    recorded_at: datetime
    before_funding_confirmed: bool = Field(
        description="spending started while the minute's funding condition was unconfirmed"
    )


class RequestState(Answer):
    """Everything known about one request in its current funding cycle, plus its history."""

    cycle: int
    stage: Stage
    draft: RequestDraft
    options: tuple[FundingOption, ...]
    recommendation: Recommendation | None
    meeting_date: date | None
    meeting_id: str | None = Field(
        default=None,
        description="the meeting whose agenda the request is on, when tabled by naming it",
    )
    membership: Membership | None
    present_member_ids: tuple[str, ...]
    votes: tuple[Vote, ...]
    amendments: tuple[str, ...]
    decision: Decision | None
    minute: Minute | None
    minutes_confirmed_at: datetime | None
    evaluation: EvaluationReport | None
    funding_state: FundingState | None = Field(
        description="once minuted: available (no condition), not_confirmed (approved, the "
        "money waits on the minute's funding condition) or confirmed"
    )
    funding_state_text: str | None = Field(
        description='e.g. "approved, funding not confirmed: pending the DSG allocation; to be '
        'confirmed by 31 October 2018"'
    )
    funding_confirmation: FundingConfirmation | None
    spending: SpendingRecord | None
    deferrals: tuple[Deferral, ...]
    audit: tuple[AuditEntry, ...]
    settings: ForumSettings
    previous_cycles: tuple[CycleSummary, ...]
    notices: tuple[NoticeRecord, ...] = Field(
        description="reminders, escalations and warnings sent about this request"
    )


class AuditTrail(Answer):
    """Every accepted transition of the request, and every notice sent about it, oldest first."""

    reference: str
    entries: tuple[AuditEntry, ...]
    notices: tuple[NoticeRecord, ...]


class Deadline(Answer):
    """Something someone must do by a moment, and who."""

    key: str = Field(
        description="stable per request, cycle and deadline: keys timers and reminders"
    )
    kind: DeadlineKind
    due: datetime
    label: str
    responsible_role: Role
    request_ref: str
    meeting_date: date | None
    escalates: bool = Field(
        description="whether the chair hears when it passes undone; a deadline is listed only "
        "while its work is undone, so still being listed at its due time means missed"
    )


class RequestDeadlines(Answer):
    """What is due on the request and when, and any warning about its timing."""

    reference: str
    deadlines: tuple[Deadline, ...]
    warning: str | None


class AllowedActions(Answer):
    """The transitions the asked roles may take in the current stage."""

    stage: Stage
    transitions: tuple[Transition, ...]


class TransitionResult(Answer):
    """What an accepted transition did."""

    transition: Transition
    stage: Stage
    cycle: int
    audit_entry: AuditEntry
    register_keys: tuple[str, ...] = Field(
        description="decision register entries written by this transition"
    )


class ListedFunding(Answer):
    """A conditional approval's funding, as the decision register records it."""

    state: FundingState = Field(description="not_confirmed or confirmed")
    condition: str = Field(description="what the money waited on, as minuted")
    due_date: date = Field(description="the day the funding must be confirmed by")
    confirmed_on: date | None


class RequestSummary(Answer):
    """One request in a listing, from its search attributes."""

    reference: str
    stage: Stage | None
    meeting_date: date | None
    funding_sources: tuple[str, ...]
    next_deadline: datetime | None = Field(
        description="when the next thing is due: 5pm London time on the papers deadline "
        "(tabled) or the evaluation report's day (minuted, evaluation)"
    )
    started_at: datetime | None
    funding: ListedFunding | None = Field(
        default=None,
        description="an approval minuted as waiting on its money: whether it is confirmed, "
        "and by when it must be (from the decision register)",
    )


class RequestList(Answer):
    """Requests matching a filter, newest first."""

    requests: tuple[RequestSummary, ...]

    @classmethod
    def listed(
        cls,
        found: tuple[ListedRequest, ...],
        funding: Mapping[str, ListedFunding] | None = None,
    ) -> RequestList:
        """The listing of the requests ``found``, with the conditional funding of those
        ``funding`` names by reference."""
        known = funding or {}
        return cls(
            requests=tuple(
                RequestSummary.of(request).model_copy(
                    update={"funding": known.get(request.reference)}
                )
                for request in found
            )
        )
