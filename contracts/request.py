"""The models that cross the Temporal boundary for a funding request: one per
workflow input, update, query and result."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.audit import AuditEntry
from domain.deadlines import Deadline
from domain.forum import ForumSettings
from domain.people import Actor, Role
from domain.request.commands import AnyCommand, Transition
from domain.request.draft import RequestDraft
from domain.request.models import NoticeRecord, RequestState, Stage
from domain.values import PlannableDate


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StartRequest(_Message):
    """Starts a request's workflow: a new draft, or the state carried into a new funding period."""

    draft: RequestDraft
    actor: Actor
    settings: ForumSettings = Field(default_factory=ForumSettings)
    carried: RequestState | None = None
    scheduled_meetings: tuple[PlannableDate, ...] = Field(
        default=(), description="the forum's published meeting dates, for the procurement plan"
    )
    deadline_first_seen: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="carried into a new period so reminders are not resent"
    )


class ForwardPlan(_Message):
    """The forum's meeting days as they now stand, sent to an open request whenever a
    meeting is scheduled, moved or cancelled, so its plan is always against them."""

    meeting_days: tuple[date, ...]


class TransitionUpdate(_Message):
    """A transition asked for by an actor. The update is named after the transition,
    and the command's ``kind`` must agree with that name."""

    actor: Actor
    command: AnyCommand


class TransitionResult(_Message):
    """What an accepted transition did."""

    transition: Transition
    stage: Stage
    cycle: int
    audit_entry: AuditEntry[Stage]
    register_keys: tuple[str, ...] = Field(
        default=(), description="decision register entries written by this transition"
    )


class AuditTrail(_Message):
    """Every accepted transition of the request, and every notice sent about it, oldest first."""

    reference: str
    entries: tuple[AuditEntry[Stage], ...]
    notices: tuple[NoticeRecord, ...] = ()


class RequestDeadlines(_Message):
    """What is due on the request and when, and any warning about its timing."""

    reference: str
    deadlines: tuple[Deadline, ...]
    warning: str | None = None


class AllowedActionsQuery(_Message):
    """Asks which transitions the given roles (and, given, that person) may take now."""

    roles: tuple[Role, ...]
    user_id: str | None = Field(
        default=None, description="who is asking: an officer's changes need authorship"
    )


class AllowedActions(_Message):
    """The transitions the asked roles may take in the current stage."""

    stage: Stage
    transitions: tuple[Transition, ...]


class RequestOverview(_Message):
    """The request, its deadlines and what one person may do now, answered at once: a
    request page needs all three, and one query is one round trip to the worker."""

    state: RequestState
    deadlines: RequestDeadlines
    allowed: AllowedActions


class RequestOutcome(_Message):
    """How a request's workflow ended."""

    reference: str
    stage: Stage
    cycle: int
    register_keys: tuple[str, ...]
