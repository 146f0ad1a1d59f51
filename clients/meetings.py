"""Driving forum meetings from outside their workflows: schedule one, ask for a
transition, read its state or agenda. Refusals surface as the same
``TransitionRefused`` as a funding request's."""

from __future__ import annotations

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from clients.requests import TransitionRefused, execute_transition
from domain.meetings import (
    MeetingAgenda,
    MeetingCommand,
    MeetingOutcome,
    MeetingStart,
    MeetingState,
    MeetingTransitionResult,
    MeetingUpdate,
    transition_of,
)
from domain.models import Actor
from workflows.meeting import MeetingWorkflow

__all__ = ["ForumMeetings", "MeetingAlreadyExists", "TransitionRefused"]


class MeetingAlreadyExists(Exception):  # noqa: N818 - the forum's word for it
    """A meeting with this id was scheduled before; nothing new was started."""

    def __init__(self, meeting_id: str) -> None:
        super().__init__(
            f"A meeting with id {meeting_id} is already scheduled (or was held); "
            "choose another id or open the existing meeting."
        )
        self.meeting_id = meeting_id


class ForumMeetings:
    """Schedules and drives meeting workflows on one task queue."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    def handle(self, meeting_id: str) -> WorkflowHandle[MeetingWorkflow, MeetingOutcome]:
        """The workflow of the meeting with this id (its workflow id)."""
        return self._client.get_workflow_handle_for(MeetingWorkflow.run, meeting_id)

    async def schedule(
        self, start: MeetingStart
    ) -> WorkflowHandle[MeetingWorkflow, MeetingOutcome]:
        """Start the meeting's workflow; an id used before is refused, never reused."""
        try:
            return await self._client.start_workflow(
                MeetingWorkflow.run,
                start,
                id=start.meeting_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            raise MeetingAlreadyExists(start.meeting_id) from None

    async def submit(
        self,
        meeting_id: str,
        command: MeetingCommand,
        actor: Actor,
        idempotency_key: str | None = None,
    ) -> MeetingTransitionResult:
        """Ask for the transition ``command`` stands for, as ``actor``.

        The same ``idempotency_key`` sent twice (a retried client) has one effect.
        """
        transition = transition_of(command)
        update = MeetingUpdate.model_validate({"actor": actor, "command": command})
        return await execute_transition(
            self.handle(meeting_id),
            transition.value,
            update,
            MeetingTransitionResult,
            idempotency_key,
        )

    async def state(self, meeting_id: str) -> MeetingState:
        """The meeting as it stands now."""
        return await self.handle(meeting_id).query(MeetingWorkflow.meeting_state)

    async def agenda(self, meeting_id: str) -> MeetingAgenda:
        """The meeting's agenda as published."""
        return await self.handle(meeting_id).query(MeetingWorkflow.agenda)
