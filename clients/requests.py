"""Driving funding requests from outside the workflow: create one, ask for a transition,
read its state, list requests by their search attributes. Every door into forumflow
(tests, API, CLI, the meeting activities) goes through here, so each gets the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle

from clients.citations import resolve_citations_async
from clients.meeting_links import resolved
from clients.records import (
    NoSuchRecord,
    RecordAlreadyExists,
    RecordKind,
    TransitionRefused,
    WorkflowRecords,
    equals,
    in_range,
    send_transition,
)
from contracts import names
from contracts import search_attributes as attributes
from contracts.request import (
    AllowedActions,
    AllowedActionsQuery,
    AuditTrail,
    RequestDeadlines,
    RequestOutcome,
    RequestOverview,
    StartRequest,
    TransitionResult,
    TransitionUpdate,
)
from domain.calendar import at_close_of_business, london_midnight, to_london
from domain.errors import RuleViolation
from domain.forum import ForumSettings
from domain.people import Actor, Role
from domain.request.commands import COMMAND_TRANSITION, Command, EditDraft
from domain.request.draft import FundingSource, RequestDraft
from domain.request.models import RequestState, Stage
from storage.register import DecisionRegister


class NoSuchRequest(NoSuchRecord):
    """No funding request was ever created with this reference."""

    noun = "request"


class RequestAlreadyExists(RecordAlreadyExists):
    """A request with this reference was created before; nothing new was started."""

    noun = "funding request"
    id_name = "reference"


REQUESTS: RecordKind[RequestState, RequestOutcome] = RecordKind(
    workflow_type=names.FUNDING_REQUEST_WORKFLOW,
    state_query=names.REQUEST_STATE_QUERY,
    state_type=RequestState,
    outcome_type=RequestOutcome,
    missing=NoSuchRequest,
    exists=RequestAlreadyExists,
)


async def send_request_transition(
    client: Client,
    reference: str,
    command: Command,
    actor: Actor,
    *,
    update_id: str | None = None,
) -> TransitionResult:
    """Ask the request ``reference`` for the transition ``command`` stands for, as ``actor``.

    The same ``update_id`` sent twice (a retried client or activity) has one effect. A
    refusal raises TransitionRefused; a reference nobody created NoSuchRequest; a request
    whose workflow has ended RecordFinished.
    """
    transition = COMMAND_TRANSITION[type(command)]
    update = TransitionUpdate.model_validate({"actor": actor, "command": command})
    return await send_transition(
        client, REQUESTS, reference, transition.value, update, TransitionResult, update_id
    )


@dataclass(frozen=True)
class ListedRequest:
    """One request as its search attributes describe it, without asking its workflow."""

    reference: str
    stage: Stage | None
    meeting_date: date | None
    funding_sources: tuple[str, ...]
    next_deadline: datetime | None
    """When the next thing is due: 5pm London time on the papers deadline or the
    evaluation report's day."""
    started_at: datetime | None


class FundingRequests(WorkflowRecords[RequestState, RequestOutcome]):
    """Creates, drives, reads and lists funding request workflows on one task queue."""

    def __init__(
        self,
        client: Client,
        task_queue: str,
        default_settings: ForumSettings | None = None,
        *,
        register: DecisionRegister | None = None,
    ) -> None:
        super().__init__(client, task_queue, REQUESTS)
        # Where a draft's citations are checked: the workflow cannot read the register.
        self._register = register
        # The forum's configured settings (config.Settings.forum_settings), for requests
        # started without their own.
        self._default_settings = default_settings or ForumSettings()

    async def create(
        self,
        draft: RequestDraft,
        actor: Actor,
        settings: ForumSettings | None = None,
        *,
        scheduled_meetings: tuple[date, ...] = (),
    ) -> WorkflowHandle[Any, RequestOutcome]:
        """Start the request's workflow; a reference used before is refused, never reused.

        The domain's checks on who may start it (an officer, as its own author) run here
        first, so a refused start leaves no workflow behind.
        """
        settings = settings or self._default_settings
        draft = await resolve_citations_async(self._register, draft)
        try:
            RequestState.new(draft, actor, datetime.now(UTC), settings)
        except RuleViolation as violation:
            raise TransitionRefused.of(violation) from None
        start = StartRequest(
            draft=draft,
            actor=actor,
            settings=settings,
            scheduled_meetings=scheduled_meetings,
        )
        return await self._start(draft.reference, start)

    async def submit(
        self,
        reference: str,
        command: Command,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Ask for the transition ``command`` stands for, as ``actor``.

        The same ``idempotency_key`` sent twice (a retried client) has one effect.
        """
        command = await resolved(self._client, reference, command, actor)
        if isinstance(command, EditDraft):
            command = EditDraft(draft=await resolve_citations_async(self._register, command.draft))
        return await send_request_transition(
            self._client, reference, command, actor, update_id=idempotency_key
        )

    async def audit_trail(self, reference: str) -> AuditTrail:
        """Every accepted transition of the request."""
        return await self._query(reference, names.REQUEST_AUDIT_TRAIL_QUERY, AuditTrail)

    async def deadlines(self, reference: str) -> RequestDeadlines:
        """What is due on the request and when."""
        return await self._query(reference, names.REQUEST_DEADLINES_QUERY, RequestDeadlines)

    async def allowed_actions(
        self, reference: str, roles: tuple[Role, ...], user_id: str | None = None
    ) -> AllowedActions:
        """What the given roles (and, given, that person) may do now."""
        return await self._query(
            reference,
            names.REQUEST_ALLOWED_ACTIONS_QUERY,
            AllowedActions,
            AllowedActionsQuery(roles=roles, user_id=user_id),
        )

    async def overview(
        self, reference: str, roles: tuple[Role, ...], user_id: str | None = None
    ) -> RequestOverview:
        """The state, the deadlines and what the given roles (and, given, that person) may do
        now, in one query: what a page showing all three asks, in one round trip."""
        return await self._query(
            reference,
            names.REQUEST_OVERVIEW_QUERY,
            RequestOverview,
            AllowedActionsQuery(roles=roles, user_id=user_id),
        )

    async def search(
        self,
        *,
        stage: Stage | None = None,
        meeting_date: date | None = None,
        funding_source: FundingSource | None = None,
        deadline_before: date | None = None,
        limit: int = 100,
    ) -> tuple[ListedRequest, ...]:
        """Requests matching every filter given, newest first, one row per request.

        ``meeting_date`` is the London day a request is tabled for; ``deadline_before``
        keeps requests whose next deadline falls on or before that London day.
        """
        # A run that continued as new is an extended request's earlier period; its
        # successor speaks for the request.
        clauses = ["ExecutionStatus != 'ContinuedAsNew'"]
        if stage is not None:
            clauses.append(equals(attributes.STAGE, stage.value))
        if meeting_date is not None:
            # Meeting dates are kept as London midnight, an hour before UTC's in summer.
            clauses.append(
                in_range(
                    attributes.MEETING_DATE,
                    london_midnight(meeting_date),
                    london_midnight(meeting_date + timedelta(days=1)),
                )
            )
        if funding_source is not None:
            clauses.append(equals(attributes.FUNDING_SOURCES, funding_source.value))
        if deadline_before is not None:
            end = london_midnight(deadline_before + timedelta(days=1))
            clauses.append(in_range(attributes.NEXT_DEADLINE, None, end))
        listed: list[ListedRequest] = []
        async for execution in self._executions(clauses, limit):
            found = execution.typed_search_attributes
            meeting = found.get(attributes.MEETING_DATE)
            deadline = found.get(attributes.NEXT_DEADLINE)
            stage_value = found.get(attributes.STAGE)
            listed.append(
                ListedRequest(
                    reference=execution.id,
                    stage=Stage(stage_value) if stage_value else None,
                    # Kept as London midnight, but a visibility store may hand it back in
                    # UTC, where a summer date is the evening before.
                    meeting_date=to_london(meeting).date() if meeting else None,
                    funding_sources=tuple(found.get(attributes.FUNDING_SOURCES) or ()),
                    # Kept as the London day the papers or the report are due; they are
                    # due by 5pm that day, as the deadlines query says.
                    next_deadline=(
                        at_close_of_business(to_london(deadline).date()) if deadline else None
                    ),
                    started_at=execution.start_time,
                )
            )
        return tuple(listed)
