"""Whether the reminder machinery is running, as the clerk's home page shows it.

Three things must hold for reminders to go: the yearly review Schedule exists (unless
the settings switch it off), a worker is polling the task queue (Temporal keeps the
last poll of each poller for a few minutes), and notices are going out (the latest
one the open requests and the meetings recorded as sent). Each is read separately, so
a Temporal server that cannot answer one question still answers the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from clients.schedules import annual_review_schedule_id
from domain.meeting.models import MeetingState
from domain.request.models import RequestState
from web.services import WebServices

POLLED_WITHIN = timedelta(minutes=2)
"""A worker that has not polled for this long is taken to be stopped: a running
worker polls again within a minute (its long poll's timeout)."""

_WENT_OUT = frozenset({"sent", "logged_only"})


@dataclass(frozen=True)
class ScheduleHealth:
    """The yearly review Schedule: kept or switched off, there or missing, paused or not."""

    kept: bool
    found: bool | None
    """None when the server could not be asked."""
    paused: bool = False
    next_run: datetime | None = None


@dataclass(frozen=True)
class WorkerHealth:
    """The workers polling the task queue for workflow tasks."""

    pollers: int | None
    """None when the server could not be asked."""
    last_polled: datetime | None = None


@dataclass(frozen=True)
class MachineryHealth:
    """Whether reminders can go out, and when the last one did."""

    schedule: ScheduleHealth
    worker: WorkerHealth
    last_notice_at: datetime | None

    @property
    def healthy(self) -> bool:
        """Whether nothing here stops reminders going out."""
        schedule_ok = not self.schedule.kept or (
            self.schedule.found is True and not self.schedule.paused
        )
        return schedule_ok and bool(self.worker.pollers)


async def schedule_health(client: Client, kept: bool, schedule_id: str) -> ScheduleHealth:
    """Whether the schedule ``schedule_id`` exists and runs, if the settings keep it."""
    if not kept:
        return ScheduleHealth(kept=False, found=None)
    try:
        described = await client.get_schedule_handle(schedule_id).describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return ScheduleHealth(kept=True, found=False)
        return ScheduleHealth(kept=True, found=None)
    upcoming = described.info.next_action_times
    return ScheduleHealth(
        kept=True,
        found=True,
        paused=described.schedule.state.paused,
        next_run=upcoming[0] if upcoming else None,
    )


async def worker_health(client: Client, task_queue: str) -> WorkerHealth:
    """How many workers polled the task queue lately, and when the last one did."""
    try:
        described = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
    except RPCError:
        return WorkerHealth(pollers=None)
    polled = [
        poller.last_access_time.ToDatetime(tzinfo=UTC)
        for poller in described.pollers
        if poller.HasField("last_access_time")
    ]
    recent = [moment for moment in polled if datetime.now(UTC) - moment <= POLLED_WITHIN]
    return WorkerHealth(pollers=len(recent), last_polled=max(polled, default=None))


def last_notice_at(
    requests: Sequence[RequestState], meetings: Sequence[MeetingState]
) -> datetime | None:
    """When the latest notice the requests and meetings recorded went out."""
    sent = [
        notice.at for state in requests for notice in state.notices if notice.outcome in _WENT_OUT
    ]
    sent += [
        entry.at
        for meeting in meetings
        for entry in meeting.audit
        if entry.transition == "notice_sent"
    ]
    return max(sent, default=None)


async def machinery_health(
    services: WebServices, requests: Sequence[RequestState], meetings: Sequence[MeetingState]
) -> MachineryHealth:
    """The schedule, the workers and the last notice, the first two asked concurrently."""
    client = services.requests.client
    settings = services.settings
    schedule, worker = await asyncio.gather(
        schedule_health(
            client,
            settings.annual_review_schedule,
            annual_review_schedule_id(settings.temporal_namespace),
        ),
        worker_health(client, services.requests.task_queue),
    )
    return MachineryHealth(
        schedule=schedule, worker=worker, last_notice_at=last_notice_at(requests, meetings)
    )
