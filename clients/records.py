"""What driving any of forumflow's workflows from outside has in common.

A funding request and a forum meeting are each a record kept by one workflow whose id
is the record's id. Both are started under the same id policies, take transitions as
Updates named after them, answer queries, and are listed from their search attributes;
this module does each of those once, by the names in ``contracts.names`` (a client never
imports workflow code), and gives every failure the same typed meaning for each door
into forumflow (the API, activities, tests): a refusal is ``TransitionRefused``, an id
nobody used is ``NoSuchRecord``, a record whose workflow has ended is ``RecordFinished``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

import structlog
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import SearchAttributeKey, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import RuleViolation

ResultT = TypeVar("ResultT")

log = structlog.get_logger(__name__)

RESEND_FOR_SECONDS = 30.0
"""How long a transition the server could not take just now is sent again, under the
same Update id, before the caller is told."""
_RESENDABLE = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.RESOURCE_EXHAUSTED})


class Staged(Protocol):
    """A record's state: whatever else it holds, it is at a stage."""

    @property
    def stage(self) -> StrEnum:
        """Where the record is in its lifecycle."""
        ...


StateT = TypeVar("StateT", bound=Staged)
OutcomeT = TypeVar("OutcomeT", bound=BaseModel)


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

    @classmethod
    def of(cls, violation: RuleViolation) -> Self:
        """The refusal of a domain rule checked outside the workflow (before anything is
        sent), in the same shape as the workflow's own refusals."""
        return cls(type(violation).__name__, violation.message, violation.details())


class NoSuchRecord(LookupError):  # noqa: N818 - the forum's word for it
    """No record of this kind was ever started under this id."""

    noun: ClassVar[str] = "record"

    def __init__(self, record_id: str) -> None:
        super().__init__(f"No such {self.noun}: {record_id}")
        self.record_id = record_id


class RecordAlreadyExists(Exception):  # noqa: N818 - the forum's word for it
    """A record with this id was started before; nothing new was started."""

    noun: ClassVar[str] = "record"
    id_name: ClassVar[str] = "id"

    def __init__(self, record_id: str) -> None:
        super().__init__(
            f"A {self.noun} with {self.id_name} {record_id} already exists; "
            f"choose another {self.id_name} or open the existing {self.noun}."
        )
        self.record_id = record_id


class RecordFinished(Exception):  # noqa: N818 - the forum's word for it
    """The record's workflow has ended, so it takes no more transitions; it can still be read.

    Temporal answers an Update to a closed workflow with NOT_FOUND, which would say the
    record does not exist while its state still shows; this says what is the case.
    """

    def __init__(self, noun: str, record_id: str, stage: str) -> None:
        super().__init__(
            f"{noun.capitalize()} {record_id} is {stage.replace('_', ' ')}: it has finished "
            "and takes no more actions."
        )
        self.noun = noun
        self.record_id = record_id
        self.stage = stage


@dataclass(frozen=True)
class RecordKind(Generic[StateT, OutcomeT]):
    """One kind of record: the workflow that keeps it, how its state is read, and the
    errors that name it."""

    workflow_type: str
    state_query: str
    state_type: type[StateT]
    outcome_type: type[OutcomeT]
    missing: type[NoSuchRecord]
    exists: type[RecordAlreadyExists]

    def handle(self, client: Client, record_id: str) -> WorkflowHandle[Any, OutcomeT]:
        """The workflow of the record with this id; its result decodes as the outcome."""
        return client.get_workflow_handle(record_id, result_type=self.outcome_type)


async def query(
    client: Client,
    kind: RecordKind[Any, Any],
    record_id: str,
    name: str,
    result_type: type[ResultT],
    *args: Any,
) -> ResultT:
    """Ask the record's workflow the query ``name``; an unknown id is ``kind.missing``."""
    try:
        result = await kind.handle(client, record_id).query(
            name, args=args, result_type=result_type
        )
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise kind.missing(record_id) from None
        raise
    return cast(ResultT, result)


async def send_transition(
    client: Client,
    kind: RecordKind[Any, Any],
    record_id: str,
    name: str,
    update: BaseModel,
    result_type: type[ResultT],
    update_id: str | None = None,
) -> ResultT:
    """Send the transition Update ``name`` to the record's workflow; its decoded result.

    The same ``update_id`` sent twice (a retried client) has one effect. A refusal (rule,
    role, stage, input) raises TransitionRefused; an id never used ``kind.missing``; a
    record whose workflow has ended RecordFinished.
    """
    handle = kind.handle(client, record_id)
    try:
        result = await _resent_while_unavailable(
            lambda update_id: handle.execute_update(
                name, update, id=update_id, result_type=result_type
            ),
            update_id or str(uuid.uuid4()),
            record_id,
            name,
        )
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError):
            details: dict[str, Any] = cause.details[0] if cause.details else {}
            raise TransitionRefused(
                cause.type or "ApplicationError", cause.message, details
            ) from failed
        raise
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        await _refuse_if_finished(client, kind, record_id)
        raise kind.missing(record_id) from None
    return cast(ResultT, result)


async def _resent_while_unavailable(
    send: Callable[[str], Awaitable[Any]], update_id: str, record_id: str, name: str
) -> Any:
    """``send(update_id)``, sent again while the server answers that it cannot take it
    now: under load it aborts an Update it had admitted ("workflow update was aborted")
    when it drops the workflow's in-memory state. One Update id for every attempt, so a
    transition the server did take is not taken twice."""
    gives_up = time.monotonic() + RESEND_FOR_SECONDS
    pause = 0.1
    while True:
        try:
            return await send(update_id)
        except RPCError as error:
            if error.status not in _RESENDABLE or time.monotonic() + pause > gives_up:
                raise
            log.warning(
                "transition resent",
                record_id=record_id,
                transition=name,
                update_id=update_id,
                status=error.status.name,
                error=error.message,
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)


async def _refuse_if_finished(client: Client, kind: RecordKind[Any, Any], record_id: str) -> None:
    """RecordFinished when ``record_id`` names a record whose workflow has ended."""
    try:
        description = await kind.handle(client, record_id).describe()
    except RPCError:
        return
    if description.status is WorkflowExecutionStatus.RUNNING:
        return
    state = await query(client, kind, record_id, kind.state_query, kind.state_type)
    raise RecordFinished(kind.missing.noun, record_id, state.stage.value)


def instant_text(moment: datetime) -> str:
    """``moment`` as a visibility query compares it: UTC, to the second, with a ``Z``."""
    # isoformat, not strftime: strftime writes the year 578 as "578", which is no timestamp.
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def equals(key: SearchAttributeKey[Any], value: str) -> str:
    """A visibility clause: the keyword (or one of the keywords) ``key`` holds is ``value``."""
    return f"{key.name} = '{value}'"


def in_range(key: SearchAttributeKey[Any], start: datetime | None, end: datetime | None) -> str:
    """A visibility clause: the datetime ``key`` holds is at or after ``start``, before ``end``."""
    bounds = [
        *([f"{key.name} >= '{instant_text(start)}'"] if start is not None else []),
        *([f"{key.name} < '{instant_text(end)}'"] if end is not None else []),
    ]
    return " AND ".join(bounds)


class WorkflowRecords(Generic[StateT, OutcomeT]):
    """Starts, drives, reads and lists one kind of record on one task queue."""

    def __init__(self, client: Client, task_queue: str, kind: RecordKind[StateT, OutcomeT]):
        self._client = client
        self._task_queue = task_queue
        self._kind = kind

    def handle(self, record_id: str) -> WorkflowHandle[Any, OutcomeT]:
        """The workflow of the record with this id (its workflow id)."""
        return self._kind.handle(self._client, record_id)

    @property
    def client(self) -> Client:
        """The Temporal client these records are driven through."""
        return self._client

    @property
    def task_queue(self) -> str:
        """The task queue these records' workflows run on."""
        return self._task_queue

    async def _start(self, record_id: str, start: BaseModel) -> WorkflowHandle[Any, OutcomeT]:
        """Start the record's workflow; an id used before is refused, never reused."""
        try:
            return await self._client.start_workflow(
                self._kind.workflow_type,
                start,
                id=record_id,
                task_queue=self._task_queue,
                result_type=self._kind.outcome_type,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            raise self._kind.exists(record_id) from None

    async def _transition(
        self,
        record_id: str,
        name: str,
        update: BaseModel,
        result_type: type[ResultT],
        update_id: str | None,
    ) -> ResultT:
        """Send one transition Update; see :func:`send_transition`."""
        return await send_transition(
            self._client, self._kind, record_id, name, update, result_type, update_id
        )

    async def _query(
        self, record_id: str, name: str, result_type: type[ResultT], *args: Any
    ) -> ResultT:
        """Ask one query; see :func:`query`."""
        return await query(self._client, self._kind, record_id, name, result_type, *args)

    async def state(self, record_id: str) -> StateT:
        """The record as it stands now."""
        return await self._query(record_id, self._kind.state_query, self._kind.state_type)

    def _visibility(self, clauses: Iterable[str]) -> str:
        """The visibility query for this kind's workflows on this queue, with ``clauses``."""
        return " AND ".join(
            [
                f"WorkflowType = '{self._kind.workflow_type}'",
                f"TaskQueue = '{self._task_queue}'",
                *(clause for clause in clauses if clause),
            ]
        )

    async def _executions(
        self, clauses: Iterable[str], limit: int
    ) -> AsyncIterator[WorkflowExecution]:
        """Each record's newest run matching ``clauses``, at most ``limit`` records."""
        seen: set[str] = set()
        async for execution in self._client.list_workflows(self._visibility(clauses), limit=limit):
            if execution.id in seen:
                continue  # a run that ended while the listing was read; the newest came first
            seen.add(execution.id)
            yield execution
            if len(seen) >= limit:
                return

    async def ids(self, *, running_only: bool = False, limit: int = 1000) -> list[str]:
        """The ids of this kind's records (with ``running_only``, those still running)."""
        clauses = ["ExecutionStatus = 'Running'"] if running_only else []
        return [execution.id async for execution in self._executions(clauses, limit)]
