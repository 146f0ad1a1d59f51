"""Driving funding requests from outside the workflow: create one, ask for a
transition, read its state. Every door into forumflow (tests, API, CLI) goes
through here, so each gets the same errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from contracts.request import (
    AllowedActions,
    AllowedActionsQuery,
    AuditTrail,
    RequestDeadlines,
    StartRequest,
    TransitionResult,
    TransitionUpdate,
)
from domain.errors import RuleViolation
from domain.lifecycle import COMMAND_TRANSITION, Command
from domain.models import Actor, ForumSettings, RequestDraft, RequestState, Role
from workflows.funding_request import FundingRequestWorkflow

ResultT = TypeVar("ResultT", bound=BaseModel)


class RequestAlreadyExists(Exception):  # noqa: N818 - the forum's word for it
    """A request with this reference was created before; nothing new was started."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"A funding request with reference {reference} already exists; "
            "choose another reference or open the existing request."
        )
        self.reference = reference


class TransitionRefused(Exception):  # noqa: N818 - the forum's word for it
    """The workflow refused a transition: a rule, a role, a stage or invalid input.

    ``kind`` is the error class the workflow raised (e.g. ``RecommendationNamesNoOption``,
    ``RoleNotPermitted``, ``InvalidCommand``); ``rule`` the stable rule code.
    """

    def __init__(self, kind: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.rule: str = details.get("rule", kind)
        self.field: str | None = details.get("field")
        self.details = details


async def execute_transition(
    handle: WorkflowHandle[Any, Any],
    name: str,
    update: BaseModel,
    result_type: type[ResultT],
    idempotency_key: str | None,
) -> ResultT:
    """Send a transition Update; a refusal (rule, role, stage, input) becomes TransitionRefused."""
    try:
        result = await handle.execute_update(
            name, update, id=idempotency_key, result_type=result_type
        )
        return cast(ResultT, result)
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError):
            details: dict[str, Any] = cause.details[0] if cause.details else {}
            kind = cause.type or "ApplicationError"
            raise TransitionRefused(kind, cause.message, details) from failed
        raise


class FundingRequests:
    """Creates and drives funding request workflows on one task queue."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    def handle(self, reference: str) -> WorkflowHandle[FundingRequestWorkflow, Any]:
        """The workflow of the request with this reference (its workflow id)."""
        return self._client.get_workflow_handle_for(FundingRequestWorkflow.run, reference)

    async def create(
        self,
        draft: RequestDraft,
        actor: Actor,
        settings: ForumSettings | None = None,
        *,
        scheduled_meetings: tuple[date, ...] = (),
    ) -> WorkflowHandle[FundingRequestWorkflow, Any]:
        """Start the request's workflow; a reference used before is refused, never reused.

        The domain's checks on who may start it (an officer, as its own author) run here
        first, so a refused start leaves no workflow behind.
        """
        try:
            RequestState.new(draft, actor, datetime.now(UTC), settings)
        except RuleViolation as violation:
            raise TransitionRefused(
                type(violation).__name__, violation.message, violation.details()
            ) from None
        start = StartRequest(
            draft=draft,
            actor=actor,
            settings=settings or ForumSettings(),
            scheduled_meetings=scheduled_meetings,
        )
        try:
            return await self._client.start_workflow(
                FundingRequestWorkflow.run,
                start,
                id=draft.reference,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            raise RequestAlreadyExists(draft.reference) from None

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
        transition = COMMAND_TRANSITION[type(command)]
        update = TransitionUpdate.model_validate({"actor": actor, "command": command})
        return await execute_transition(
            self.handle(reference), transition.value, update, TransitionResult, idempotency_key
        )

    async def state(self, reference: str) -> RequestState:
        """The request as it stands now."""
        return await self.handle(reference).query(FundingRequestWorkflow.state)

    async def audit_trail(self, reference: str) -> AuditTrail:
        """Every accepted transition of the request."""
        return await self.handle(reference).query(FundingRequestWorkflow.audit_trail)

    async def deadlines(self, reference: str) -> RequestDeadlines:
        """What is due on the request and when."""
        return await self.handle(reference).query(FundingRequestWorkflow.deadlines)

    async def allowed_actions(
        self, reference: str, roles: tuple[Role, ...], user_id: str | None = None
    ) -> AllowedActions:
        """What the given roles (and, given, that person) may do now."""
        return await self.handle(reference).query(
            FundingRequestWorkflow.allowed_actions,
            AllowedActionsQuery(roles=roles, user_id=user_id),
        )
