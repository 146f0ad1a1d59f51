"""A funding request as a whole: its stage, its state in the current funding cycle, and
what it keeps from earlier cycles.

The state's validator holds the invariants each stage relies on, so a state that skipped
a step cannot be built, whether by a bug or by a hand-edited payload. The draft and its
options are in ``domain.request.draft``, votes, decisions and minutes in
``domain.request.decision``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from domain.audit import AuditEntry
from domain.calendar import format_uk_date, require_aware
from domain.errors import RoleNotPermitted
from domain.forum import ForumSettings
from domain.people import Actor, Membership, Role, roles_text
from domain.request.decision import (
    Decision,
    DecisionOutcome,
    Deferral,
    EvaluationReport,
    FundingConfirmation,
    Minute,
    SpendingRecord,
    Vote,
)
from domain.request.draft import FundingOption, Period, Recommendation, RequestDraft
from domain.request.errors import AuthorIsTheCreator
from domain.values import DomainModel, MeetingId, Pence, Slug, Text, require_unique


class Stage(StrEnum):
    """Where the request is in its lifecycle; deferral is an event, not a stage."""

    drafting = "drafting"
    option_listing = "option_listing"
    tabled = "tabled"
    voting = "voting"
    decided = "decided"
    minuted = "minuted"
    evaluation = "evaluation"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen to the request."""
        return self in (Stage.closed, Stage.rejected, Stage.withdrawn)


class FundingState(StrEnum):
    """Whether the money a minuted approval agreed is there to spend."""

    available = "available"
    """The minute set no condition: the money was available when agreed."""
    not_confirmed = "not_confirmed"
    """Approved, but the money waits on the minute's funding condition."""
    confirmed = "confirmed"
    """The money the approval waited on has been confirmed."""


class NoticeRecord(DomainModel):
    """A reminder, escalation or warning forumflow sent: part of the request's audit trail."""

    at: AwareDatetime
    key: Text
    kind: Text
    subject: Text
    recipients: tuple[Text, ...]
    outcome: Text = Field(description="sent, already_sent, logged_only, or failed: <why>")


class CycleSummary(DomainModel):
    """What an earlier funding period agreed, kept when the request is extended."""

    cycle: int = Field(ge=1)
    outcome: DecisionOutcome
    agreed_option_ids: tuple[Slug, ...]
    amount_pence: Pence
    period: Period


_NEEDS_MEETING = frozenset({Stage.tabled, Stage.voting})
_NEEDS_APPROVAL = frozenset({Stage.decided, Stage.minuted, Stage.evaluation, Stage.closed})
_NEEDS_MINUTE = frozenset({Stage.minuted, Stage.evaluation, Stage.closed})


class RequestState(DomainModel):
    """Everything known about one request in its current funding cycle, plus its history.

    The validator holds the invariants each stage relies on, so a state that skipped a
    step cannot be built, whether by a bug or by a hand-edited payload.
    """

    cycle: int = Field(default=1, ge=1)
    stage: Stage
    draft: RequestDraft
    options: tuple[FundingOption, ...] = ()
    recommendation: Recommendation | None = None
    meeting_date: date | None = None
    meeting_id: MeetingId | None = Field(
        default=None,
        description="the scheduled meeting whose agenda the request is on, when tabled by "
        "naming it; the request then follows that meeting",
    )
    membership: Membership | None = None
    present_member_ids: tuple[Text, ...] = ()
    votes: tuple[Vote, ...] = ()
    amendments: tuple[Text, ...] = ()
    decision: Decision | None = None
    minute: Minute | None = None
    minutes_confirmed_at: AwareDatetime | None = None
    evaluation: EvaluationReport | None = None
    funding_confirmation: FundingConfirmation | None = Field(
        default=None, description="when the funding a conditional approval waited on came"
    )
    spending: SpendingRecord | None = Field(
        default=None, description="when spending of the agreed money started"
    )
    deferrals: tuple[Deferral, ...] = ()
    audit: tuple[AuditEntry[Stage], ...] = ()
    settings: ForumSettings = ForumSettings()
    previous_cycles: tuple[CycleSummary, ...] = ()
    notices: tuple[NoticeRecord, ...] = Field(
        default=(), description="reminders, escalations and warnings sent about this request"
    )

    @model_validator(mode="after")
    def _stage_invariants(self) -> Self:
        require_unique((o.option_id for o in self.options), "options: option_id")
        require_unique(self.present_member_ids, "present_member_ids")
        require_unique((v.member_id for v in self.votes), "votes: member_id")
        if self.stage in _NEEDS_MEETING and (self.meeting_date is None or self.membership is None):
            raise ValueError(f"meeting_date: a {self.stage} request has a meeting and membership")
        if self.stage in _NEEDS_APPROVAL and not (
            self.decision and self.decision.outcome.is_approval
        ):
            raise ValueError(f"decision: a {self.stage} request has an approval")
        if self.stage is Stage.rejected and self.decision is None:
            raise ValueError("decision: a rejected request has the decision that rejected it")
        if self.stage in _NEEDS_MINUTE and self.minute is None:
            raise ValueError(f"minute: a {self.stage} request has its minute")
        if self.stage in (Stage.evaluation, Stage.closed) and self.minutes_confirmed_at is None:
            raise ValueError(f"minutes_confirmed_at: a {self.stage} request has confirmed minutes")
        if self.funding_confirmation is not None and not (
            self.minute and self.minute.funding_conditional
        ):
            raise ValueError("funding_confirmation: only a conditional approval is confirmed")
        return self

    @property
    def funding_state(self) -> FundingState | None:
        """Whether the minuted approval's money is available (None before minuting)."""
        if self.minute is None or self.stage not in _NEEDS_MINUTE:
            return None
        if not self.minute.funding_conditional:
            return FundingState.available
        if self.funding_confirmation is None:
            return FundingState.not_confirmed
        return FundingState.confirmed

    @property
    def funding_state_text(self) -> str | None:
        """E.g. "approved, funding not confirmed: pending the DSG allocation; to be
        confirmed by 31 October 2018"."""
        state, minute = self.funding_state, self.minute
        if state is None or minute is None:
            return None
        if state is FundingState.available:
            return "approved and funded"
        if state is FundingState.confirmed and self.funding_confirmation is not None:
            confirmation = self.funding_confirmation
            return (
                f"approved, funding confirmed on {format_uk_date(confirmation.confirmed_on)} "
                f"by {confirmation.confirmed_by}"
            )
        due = format_uk_date(minute.funding_due) if minute.funding_due else "an unknown day"
        condition = minute.funding_condition
        return f"approved, funding not confirmed: {condition}; to be confirmed by {due}"

    @classmethod
    def new(
        cls,
        draft: RequestDraft,
        actor: Actor,
        now: datetime,
        settings: ForumSettings | None = None,
    ) -> RequestState:
        """A request in drafting, with its creation as the first audit entry.

        Only an officer drafts requests; anyone else gets :class:`RoleNotPermitted`.
        """
        require_aware(now)
        if Role.officer not in actor.roles:
            raise RoleNotPermitted(
                f"Cannot start request {draft.reference}: drafting a request needs the officer "
                f"role, and {actor.name} ({actor.user_id}) holds "
                f"{roles_text(actor.roles)}.",
                field="actor.roles",
            )
        check_author(draft, actor)
        created = AuditEntry[Stage](
            at=now,
            actor_id=actor.user_id,
            actor_name=actor.name,
            role=Role.officer,
            transition="create",
            from_stage=None,
            to_stage=Stage.drafting,
            summary=f"Drafted request {draft.reference}: {draft.title}.",
        )
        return cls(
            stage=Stage.drafting,
            draft=RequestDraft.model_validate({**dict(draft), "author_id": actor.user_id}),
            audit=(created,),
            settings=settings if settings is not None else ForumSettings(),
        )

    @property
    def reference(self) -> str:
        """The request's reference, e.g. SMF-2018-EHP."""
        return self.draft.reference

    @property
    def author_id(self) -> str:
        """The officer who created the request (the first audit entry says so too)."""
        if self.draft.author_id is not None:
            return self.draft.author_id
        return self.audit[0].actor_id if self.audit else ""

    def is_author_or_co_author(self, user_id: str) -> bool:
        """Whether ``user_id`` wrote the request or was named by its author to work on it."""
        return user_id == self.author_id or user_id in self.draft.co_author_ids

    def option(self, option_id: str) -> FundingOption | None:
        """The listed option with that id, or None."""
        return next((o for o in self.options if o.option_id == option_id), None)

    @property
    def recommended_options(self) -> tuple[FundingOption, ...]:
        """The listed options the recommendation names, in the recommendation's order."""
        if self.recommendation is None:
            return ()
        named = self.recommendation.option_ids
        by_id = {o.option_id: o for o in self.options}
        return tuple(by_id[i] for i in named if i in by_id)

    @property
    def agreed_options(self) -> tuple[FundingOption, ...]:
        """The options the minute records as agreed (empty before minuting)."""
        if self.minute is None:
            return ()
        agreed = set(self.minute.agreed_option_ids)
        return tuple(o for o in self.options if o.option_id in agreed)


def check_author(draft: RequestDraft, actor: Actor) -> None:
    """Refuse a new draft that names someone other than its creator as the author.

    The author of a request is the officer who creates it: it is recorded, never chosen,
    so nobody can put a request in another officer's name.
    """
    if draft.author_id is not None and draft.author_id != actor.user_id:
        raise AuthorIsTheCreator(
            f"Cannot start request {draft.reference} with {draft.author_id} as its author: the "
            f"author is the officer who creates the request, here {actor.name} "
            f"({actor.user_id}). Leave draft.author_id out, and name colleagues in "
            "draft.co_author_ids.",
            field="draft.author_id",
        )
    if actor.user_id in draft.co_author_ids:
        raise AuthorIsTheCreator(
            f"Cannot start request {draft.reference} with {actor.user_id} as a co-author: they "
            "create it, so they are its author (draft.co_author_ids).",
            field="draft.co_author_ids",
        )
