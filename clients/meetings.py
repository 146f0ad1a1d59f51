"""Driving forum meetings from outside their workflows: schedule one, ask for a
transition, read its state or agenda, list meetings by their search attributes.
Refusals surface as the same ``TransitionRefused`` as a funding request's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from clients.records import (
    NoSuchRecord,
    RecordAlreadyExists,
    RecordKind,
    WorkflowRecords,
    equals,
)
from contracts import names
from contracts import search_attributes as attributes
from contracts.meeting import MeetingOutcome, MeetingStart, MeetingTransitionResult, MeetingUpdate
from domain.calendar import to_london
from domain.meeting.commands import MeetingCommand
from domain.meeting.lifecycle import transition_of
from domain.meeting.models import MeetingAgenda, MeetingStage, MeetingState
from domain.people import Actor

# Visibility returns at most this many meetings to sort; a forum meets a few times a year.
_LIST_CAP = 5000


class NoSuchMeeting(NoSuchRecord):
    """No meeting was ever scheduled with this id."""

    noun = "meeting"


class MeetingAlreadyExists(RecordAlreadyExists):
    """A meeting with this id was scheduled before (or held); nothing new was started."""

    noun = "meeting"


MEETINGS: RecordKind[MeetingState, MeetingOutcome] = RecordKind(
    workflow_type=names.MEETING_WORKFLOW,
    state_query=names.MEETING_STATE_QUERY,
    state_type=MeetingState,
    outcome_type=MeetingOutcome,
    missing=NoSuchMeeting,
    exists=MeetingAlreadyExists,
)


@dataclass(frozen=True)
class ListedMeeting:
    """One meeting as its search attributes describe it, without asking its workflow."""

    meeting_id: str
    stage: MeetingStage | None
    meeting_date: date | None
    """The meeting's day in Europe/London."""
    papers_close_at: datetime | None
    """When the papers close (5pm London time), while they are still open."""
    status: WorkflowExecutionStatus | None
    scheduled_at: datetime | None


class ForumMeetings(WorkflowRecords[MeetingState, MeetingOutcome]):
    """Schedules, drives, reads and lists meeting workflows on one task queue."""

    def __init__(self, client: Client, task_queue: str) -> None:
        super().__init__(client, task_queue, MEETINGS)

    async def schedule(self, start: MeetingStart) -> WorkflowHandle[Any, MeetingOutcome]:
        """Start the meeting's workflow; an id used before is refused, never reused."""
        return await self._start(start.meeting_id, start)

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
        update = MeetingUpdate.model_validate({"actor": actor, "command": command})
        return await self._transition(
            meeting_id,
            transition_of(command).value,
            update,
            MeetingTransitionResult,
            idempotency_key,
        )

    async def agenda(self, meeting_id: str) -> MeetingAgenda:
        """The meeting's agenda as published."""
        return await self._query(meeting_id, names.MEETING_AGENDA_QUERY, MeetingAgenda)

    async def search(
        self, *, stage: MeetingStage | None = None, limit: int = 100
    ) -> tuple[ListedMeeting, ...]:
        """Meetings at ``stage`` (or all), the latest meeting day first."""
        clauses = [equals(attributes.STAGE, stage.value)] if stage is not None else []
        found: list[ListedMeeting] = []
        async for execution in self._executions(clauses, _LIST_CAP):
            listed = execution.typed_search_attributes
            day = listed.get(attributes.MEETING_DATE)
            stage_value = listed.get(attributes.STAGE)
            papers = listed.get(attributes.NEXT_DEADLINE)
            found.append(
                ListedMeeting(
                    meeting_id=execution.id,
                    stage=MeetingStage(stage_value) if stage_value else None,
                    # Kept as London midnight, which is 23:00 UTC the day before in summer.
                    meeting_date=to_london(day).date() if day else None,
                    papers_close_at=to_london(papers) if papers else None,
                    status=execution.status,
                    scheduled_at=execution.start_time,
                )
            )
        # SQL visibility cannot order by a search attribute, so the sort happens here.
        found.sort(
            key=lambda m: (
                m.meeting_date or date.min,
                m.scheduled_at or datetime.min.replace(tzinfo=UTC),
            ),
            reverse=True,
        )
        return tuple(found[:limit])
