"""The values a funding request is made of, from the first draft to the evaluation.

Every model is a frozen, strict pydantic model that forbids unknown fields, because each
one crosses the Temporal boundary as JSON (pydantic's data converter) and is replayed
from history: a value that was accepted once must mean the same thing for ever. In strict
mode Python callers must pass real ``date``/enum/tuple objects, while JSON may carry
dates, datetimes and enum values as strings, so round trips work.

Money is always whole pence in an ``int``; floats are refused, never rounded. Instants
are timezone-aware; naive datetimes are refused. Derived values (totals, labels) are
plain properties, not computed fields, so they are never serialised and a stored value
cannot disagree with its own parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from domain.calendar import format_uk_date
from domain.errors import AuthorIsTheCreator, RoleNotPermitted


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


MAX_TEXT_LENGTH = 20_000
"""The longest text a person may give one field: a long minute fits many times over, and
every value travels in a workflow's history, which Temporal caps per event."""

Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH), AfterValidator(_not_blank)]
"""A string with at least one non-space character, at most MAX_TEXT_LENGTH long."""


def _cut_to_fit(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        return value[: MAX_TEXT_LENGTH - 1] + "…"
    return value


Summary = Annotated[Text, BeforeValidator(_cut_to_fit)]
"""An audit entry's summary: Text, cut to fit, since it quotes text people typed (a
title, an amendment) that may be as long as Text allows on its own."""

MAX_PENCE = 100_000_000_000_000
"""GBP 1 trillion: far beyond any forum's budget, well inside a 64-bit register column."""

Pence = Annotated[int, Field(ge=0, le=MAX_PENCE)]
"""An amount of money in whole pence."""

Reference = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,40}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def format_pence(pence: int) -> str:
    """Money as a paper writes it: "£89,604", or "£12.50" when there are pence."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def quote_ids(ids: Iterable[str]) -> str:
    """Ids for a message: "'a', 'b'"."""
    return ", ".join(f"'{i}'" for i in ids)


class DomainModel(BaseModel):
    """Base of every domain value: immutable, strict, closed to unknown fields."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


def _unique(values: tuple[str, ...], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique; repeated: {', '.join(repeated)}")


# --- people --------------------------------------------------------------------------


class Role(StrEnum):
    """What a person may do in the engine; one person may hold several."""

    officer = "officer"
    clerk = "clerk"
    chair = "chair"
    member = "member"


class MemberGroup(StrEnum):
    """The constituency a forum member represents, which decides what they may vote on."""

    maintained_primary = "maintained_primary"
    maintained_secondary = "maintained_secondary"
    maintained_special = "maintained_special"
    maintained_pru = "maintained_pru"
    academy = "academy"
    early_years = "early_years"
    non_school = "non_school"

    @property
    def is_maintained(self) -> bool:
        """Whether the member represents local-authority maintained schools."""
        return self in _PHASES

    @property
    def phase(self) -> str | None:
        """The school phase of a maintained group ("primary", ...); None for the others."""
        return _PHASES.get(self)

    @property
    def label(self) -> str:
        """The group as the forum's constitution would name it."""
        return _GROUP_LABELS[self]


_PHASES: dict[MemberGroup, str] = {
    MemberGroup.maintained_primary: "primary",
    MemberGroup.maintained_secondary: "secondary",
    MemberGroup.maintained_special: "special",
    MemberGroup.maintained_pru: "pupil referral unit",
}

_GROUP_LABELS: dict[MemberGroup, str] = {
    MemberGroup.maintained_primary: "maintained primary",
    MemberGroup.maintained_secondary: "maintained secondary",
    MemberGroup.maintained_special: "maintained special",
    MemberGroup.maintained_pru: "maintained pupil referral unit",
    MemberGroup.academy: "academy",
    MemberGroup.early_years: "early years",
    MemberGroup.non_school: "non-school",
}


class Actor(DomainModel):
    """Whoever issues a command: their id and name go into the audit trail."""

    user_id: Text
    name: Text
    roles: frozenset[Role] = Field(min_length=1)
    group: MemberGroup | None = Field(default=None, description="forum members only")
    email: Email | None = Field(default=None, description="where reminders to this person go")

    @model_validator(mode="after")
    def _group_only_for_members(self) -> Self:
        if self.group is not None and Role.member not in self.roles:
            raise ValueError("group: only an actor with the member role belongs to a group")
        return self


class Member(DomainModel):
    """One seat on the forum, as constituted for a meeting."""

    member_id: Text
    name: Text
    group: MemberGroup
    email: Email


class Membership(DomainModel):
    """The forum's whole membership; the quorum is a fraction of its total."""

    members: tuple[Member, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        _unique(tuple(m.member_id for m in self.members), "members: member_id")
        return self

    @property
    def total(self) -> int:
        """How many members the forum has, present or not."""
        return len(self.members)

    @property
    def ids(self) -> frozenset[str]:
        """Every member's id."""
        return frozenset(m.member_id for m in self.members)

    def get(self, member_id: str) -> Member | None:
        """The member with that id, or None when they are not on the forum."""
        return next((m for m in self.members if m.member_id == member_id), None)


# --- the draft -----------------------------------------------------------------------


class CostLine(DomainModel):
    """One line of the cost, e.g. 4 posts x GBP 22,401."""

    description: Text
    quantity: int = Field(ge=1, le=1_000_000)
    unit_cost_pence: Pence

    @property
    def total_pence(self) -> int:
        """quantity x unit cost."""
        return self.quantity * self.unit_cost_pence


class Period(DomainModel):
    """A funding period, both ends inclusive."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(
                f"end: the period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )
        return self

    @property
    def label(self) -> str:
        """E.g. "1 September 2018 to 31 August 2019"."""
        return f"{format_uk_date(self.start)} to {format_uk_date(self.end)}"


class EvaluationPlan(DomainModel):
    """What will be measured, and when the results come back to the forum."""

    measures: tuple[Text, ...] = Field(min_length=1)
    report_due: date

    @model_validator(mode="after")
    def _unique_measures(self) -> Self:
        _unique(self.measures, "measures")
        return self


class RequestDraft(DomainModel):
    """The officer's request as written: purpose, cost, period and how it will be judged.

    ``purpose`` and ``background`` may be empty while drafting; submitting the draft
    requires them (and an evaluation plan), so a draft can be saved part-written.
    """

    reference: Reference
    title: Text
    purpose: str = Field(default="", max_length=MAX_TEXT_LENGTH)
    background: str = Field(default="", max_length=MAX_TEXT_LENGTH)
    author_id: Text | None = Field(
        default=None,
        description="the officer who created the request, set by forumflow; a draft may "
        "leave it out, and may not name anyone else",
    )
    co_author_ids: tuple[Text, ...] = Field(
        default=(),
        max_length=20,
        description="officers the author names to work on the request with them",
    )
    cost_lines: tuple[CostLine, ...] = Field(min_length=1)
    period: Period
    recurrent: bool
    procurement_needed: bool
    service_start: date | None = None
    evaluation_plan: EvaluationPlan | None = None

    @model_validator(mode="after")
    def _service_start_with_procurement(self) -> Self:
        _unique(self.co_author_ids, "co_author_ids")
        if self.author_id is not None and self.author_id in self.co_author_ids:
            raise ValueError("co_author_ids: the author is already the author, not a co-author")
        if self.procurement_needed and self.service_start is None:
            raise ValueError(
                "service_start: a request that needs a procurement must give the date the "
                "service starts, from which the latest decision date is worked out"
            )
        if not self.procurement_needed and self.service_start is not None:
            raise ValueError(
                "service_start: only a request that needs a procurement has a service start "
                "date; set procurement_needed or leave service_start empty"
            )
        return self

    @property
    def total_pence(self) -> int:
        """The whole cost: the sum of the cost lines."""
        return sum(line.total_pence for line in self.cost_lines)


# --- funding options and the recommendation ------------------------------------------


class FundingSource(StrEnum):
    """The fixed list of places the money can come from (codes match the register)."""

    dsg_schools_block_dedelegation = "dsg_schools_block_dedelegation"
    dsg_central_school_services = "dsg_central_school_services"
    dsg_high_needs = "dsg_high_needs"
    dsg_early_years = "dsg_early_years"
    centrally_retained = "centrally_retained"
    authority_budget = "authority_budget"
    other_grant = "other_grant"

    @property
    def label(self) -> str:
        """The source as a paper or minute would name it."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: dict[FundingSource, str] = {
    FundingSource.dsg_schools_block_dedelegation: "DSG schools block, by de-delegation",
    FundingSource.dsg_central_school_services: "DSG central school services block",
    FundingSource.dsg_high_needs: "DSG high needs block",
    FundingSource.dsg_early_years: "DSG early years block",
    FundingSource.centrally_retained: "centrally retained budget",
    FundingSource.authority_budget: "the authority's own budget",
    FundingSource.other_grant: "another named grant",
}


class DecisionType(StrEnum):
    """The kind of decision, which decides who may vote on it."""

    general = "general"
    formula = "formula"
    dedelegation = "dedelegation"


class FundingOption(DomainModel):
    """One specific way of paying: a source, an amount, a period and any conditions.

    ``covers`` says which part of the cost the option pays for; it is how an option
    that pays for less than the whole cost declares the gap (see rules.check_tabling).
    ``decision_type`` defaults to ``dedelegation`` for the de-delegation source and to
    ``general`` otherwise; the two must agree.
    """

    option_id: Slug
    source: FundingSource
    source_detail: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    amount_pence: Pence
    period: Period
    conditions: tuple[Text, ...] = ()
    decision_type: DecisionType = DecisionType.general
    covers: Text | None = None

    @model_validator(mode="after")
    def _specific(self) -> Self:
        if (
            "decision_type" not in self.model_fields_set
            and self.source is FundingSource.dsg_schools_block_dedelegation
        ):
            # The de-delegation source can only be decided by de-delegation, so an option
            # that does not say gets that type. Set here because a "before" validator
            # would make strict JSON input validate as Python (refusing ISO dates), and a
            # data-dependent default_factory adds a spurious error when another field fails.
            object.__setattr__(self, "decision_type", DecisionType.dedelegation)
        if self.source is FundingSource.other_grant and not (self.source_detail or "").strip():
            raise ValueError(
                "source_detail: an option funded from another grant must name the grant"
            )
        is_dedelegation_source = self.source is FundingSource.dsg_schools_block_dedelegation
        if is_dedelegation_source != (self.decision_type is DecisionType.dedelegation):
            raise ValueError(
                "decision_type: money from the schools block by de-delegation is decided by "
                "de-delegation, and only that source is; use decision_type 'dedelegation' "
                "exactly when source is 'dsg_schools_block_dedelegation'"
            )
        return self

    @property
    def source_label(self) -> str:
        """The source with its detail, e.g. "another named grant: Holiday Activities Fund"."""
        if self.source_detail:
            return f"{self.source.label}: {self.source_detail}"
        return self.source.label


class Recommendation(DomainModel):
    """What the forum is asked to agree, naming the option(s) by id.

    ``all_of``: agree every named option together (one option is the usual case).
    ``one_of``: an explicit choice; the forum picks exactly one of at least two named
    options. An empty ``option_ids`` is representable so that the seed-000 paper can be
    written down, and is then refused at tabling.
    """

    text: Text
    option_ids: tuple[Slug, ...] = ()
    mode: Literal["all_of", "one_of"] = "all_of"

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        _unique(self.option_ids, "option_ids")
        if self.mode == "one_of" and len(self.option_ids) < 2:
            raise ValueError(
                "option_ids: a choice between options (mode 'one_of') needs at least two "
                "named options"
            )
        return self


# --- the meeting ---------------------------------------------------------------------


class VoteChoice(StrEnum):
    """A member's vote."""

    for_ = "for"
    against = "against"
    abstain = "abstain"


class Vote(DomainModel):
    """One member's vote; ``option_id`` says which option a "for" supports in a choice."""

    member_id: Text
    choice: VoteChoice
    option_id: Slug | None = None


class DecisionOutcome(StrEnum):
    """What the forum decided (values match the decision register's outcomes)."""

    approved = "approved"
    approved_as_amended = "approved_as_amended"
    rejected = "rejected"
    deferred = "deferred"

    @property
    def is_approval(self) -> bool:
        """Whether money was agreed."""
        return self in (DecisionOutcome.approved, DecisionOutcome.approved_as_amended)


class OptionVotes(DomainModel):
    """How many "for" votes one option of a choice received."""

    option_id: Slug
    for_count: int = Field(ge=0)


class Tally(DomainModel):
    """The count of eligible members' votes, and whether the chair's casting vote settled it."""

    for_count: int = Field(ge=0)
    against_count: int = Field(ge=0)
    abstentions: int = Field(ge=0)
    casting_vote_used: bool = False
    casting_vote_by: str | None = None
    for_by_option: tuple[OptionVotes, ...] = ()


class PhaseOutcome(StrEnum):
    """What one school phase decided on a de-delegation."""

    approved = "approved"
    rejected = "rejected"
    not_decided = "not_decided"
    """Nobody of the phase was present, so its schools' budgets are not de-delegated."""


class PhaseDecision(DomainModel):
    """One phase's decision on a de-delegation, taken by its maintained members for its
    own schools (see domain.voting.DEDELEGATION_GROUPS)."""

    group: MemberGroup
    outcome: PhaseOutcome
    tally: Tally = Field(description="the phase's own count; all zero when not decided")
    chosen_option_ids: tuple[Slug, ...] = ()

    @property
    def text(self) -> str:
        """e.g. "maintained primary: rejected (0 for, 2 against, 0 abstaining)"."""
        if self.outcome is PhaseOutcome.not_decided:
            return f"{self.group.label}: not decided (no member of the phase present)"
        t = self.tally
        count = f"{t.for_count} for, {t.against_count} against, {t.abstentions} abstaining"
        return f"{self.group.label}: {self.outcome.value} ({count})"


class Decision(DomainModel):
    """The forum's decision on the recommendation at one meeting.

    A de-delegation is decided phase by phase: ``phases`` holds each phase's outcome
    and count, ``tally`` their sum, and ``outcome`` is an approval when at least one
    phase approved (for that phase's schools).
    """

    outcome: DecisionOutcome
    decided_at: AwareDatetime
    meeting_date: date
    tally: Tally
    chosen_option_ids: tuple[Slug, ...] = ()
    amendments: tuple[Text, ...] = ()
    reason: str | None = None
    phases: tuple[PhaseDecision, ...] = Field(
        default=(), description="de-delegation only: each phase's decision for its schools"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.outcome.is_approval and not self.chosen_option_ids:
            raise ValueError("chosen_option_ids: an approval must name the agreed option(s)")
        if not self.outcome.is_approval and self.chosen_option_ids:
            raise ValueError(f"chosen_option_ids: a {self.outcome} decision agrees no option")
        if self.outcome is DecisionOutcome.approved_as_amended and not self.amendments:
            raise ValueError("amendments: approved_as_amended needs the amendments")
        if self.outcome is DecisionOutcome.approved and self.amendments:
            raise ValueError("amendments: an amended approval is approved_as_amended")
        if not self.outcome.is_approval and not (self.reason or "").strip():
            raise ValueError(f"reason: a {self.outcome} decision must give the reason")
        return self


class Deferral(DomainModel):
    """A meeting sent the request back to option listing, and why."""

    reason: Text
    meeting_date: date
    at: AwareDatetime


# --- after the decision --------------------------------------------------------------


class Action(DomainModel):
    """Something the minute asks someone to do by a later meeting."""

    action_id: Text
    description: Text
    owner: Text
    due_meeting: date
    done: bool = False


class Minute(DomainModel):
    """The clerk's record of an approval: which option(s), how much, for when.

    ``agreed_option_ids`` may be empty and ``period`` missing here so that an
    incomplete minute can be represented and refused with a precise reason
    (rules.check_minute), rather than failing as a bare validation error.
    """

    agreed_option_ids: tuple[Slug, ...] = ()
    amount_pence: Pence
    period: Period | None = None
    amendments: tuple[Text, ...] = ()
    actions: tuple[Action, ...] = ()
    text: Text
    recorded_by: Text
    phases: tuple[PhaseDecision, ...] = Field(
        default=(),
        description="a de-delegation's outcome and count for each phase, from the vote: "
        "forumflow records them when the minute is accepted",
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        _unique(self.agreed_option_ids, "agreed_option_ids")
        _unique(tuple(a.action_id for a in self.actions), "actions: action_id")
        return self


class MeasuredOutcome(DomainModel):
    """One measured result, e.g. 707 referrals."""

    measure: Text
    value: int
    unit: Text


class EvaluationReport(DomainModel):
    """The officer's report of what the money achieved, and what they recommend next."""

    summary: Text
    outcomes: tuple[MeasuredOutcome, ...] = Field(min_length=1)
    recommendation: Literal["extend", "end"]
    reported_by: Text


# --- the request as a whole ----------------------------------------------------------


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


class AuditEntry(DomainModel):
    """One accepted change: who, in which role, when, what changed and why."""

    at: AwareDatetime
    actor_id: Text
    actor_name: Text
    role: Role
    transition: Text
    from_stage: Stage | None
    to_stage: Stage
    summary: Summary
    reason: str | None = None


class Contact(DomainModel):
    """Someone forumflow writes to on the forum's behalf."""

    name: Text
    email: Email


class ForumContacts(DomainModel):
    """Who hears about a request when no person acting on it is named."""

    chair: Contact | None = None
    clerk: Contact | None = None


class ForumSettings(DomainModel):
    """The forum's local rules and timings."""

    quorum_numerator: int = Field(default=2, ge=1)
    quorum_denominator: int = Field(default=5, ge=1)
    chair_has_casting_vote: bool = False
    papers_clear_working_days: int = Field(default=5, ge=0)
    minutes_draft_working_days: int = Field(
        default=10, ge=1, description="draft minutes are due this many working days after a meeting"
    )
    dsg_decision_month: int = Field(
        default=10, ge=1, le=12, description="month of the annual DSG decision (October)"
    )
    procurement_lead_in_months: int = Field(default=12, ge=0, le=60)
    reminder_offsets_days: tuple[int, ...] = Field(
        default=(28, 7, 1), description="reminders go this many days before each deadline"
    )
    contacts: ForumContacts = Field(default_factory=ForumContacts)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _positive_distinct_offsets(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        if any(offset < 1 for offset in offsets) or len(set(offsets)) != len(offsets):
            raise ValueError(
                "reminder_offsets_days: whole days before the deadline, each >= 1, no repeats"
            )
        return tuple(sorted(offsets, reverse=True))

    @model_validator(mode="after")
    def _proper_fraction(self) -> Self:
        if self.quorum_numerator > self.quorum_denominator:
            raise ValueError("quorum_numerator: the quorum cannot exceed the whole membership")
        return self


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
    membership: Membership | None = None
    present_member_ids: tuple[Text, ...] = ()
    votes: tuple[Vote, ...] = ()
    amendments: tuple[Text, ...] = ()
    decision: Decision | None = None
    minute: Minute | None = None
    minutes_confirmed_at: AwareDatetime | None = None
    evaluation: EvaluationReport | None = None
    deferrals: tuple[Deferral, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    settings: ForumSettings = ForumSettings()
    previous_cycles: tuple[CycleSummary, ...] = ()
    notices: tuple[NoticeRecord, ...] = Field(
        default=(), description="reminders, escalations and warnings sent about this request"
    )

    @model_validator(mode="after")
    def _stage_invariants(self) -> Self:
        _unique(tuple(o.option_id for o in self.options), "options: option_id")
        _unique(self.present_member_ids, "present_member_ids")
        _unique(tuple(v.member_id for v in self.votes), "votes: member_id")
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
        return self

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
        created = AuditEntry(
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


def roles_text(roles: frozenset[Role]) -> str:
    """Roles in a fixed order for messages, e.g. "the officer and member roles"."""
    names = [role.value for role in Role if role in roles]
    if not names:
        return "no role"
    if len(names) == 1:
        return f"the {names[0]} role"
    return f"the {', '.join(names[:-1])} and {names[-1]} roles"


def require_aware(now: datetime) -> None:
    """Refuse a naive ``now``: every instant the domain records must have a time zone.

    A naive value is a programming error in the caller (workflow.now() is aware), so
    this raises ``ValueError`` rather than a RuleViolation.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
