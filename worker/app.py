"""Builds the forumflow worker: every workflow and activity on one task queue,
with the activities' dependencies passed in so tests can pass real alternatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.annual_review import AnnualReviewActivities
from activities.digest import DigestActivities
from activities.meetings import MeetingActivities
from activities.notify import NotificationActivities
from activities.register import RegisterActivities
from activities.smoke import SmokeActivities
from adapters.mailer import mailer_from_settings
from adapters.outbox import Outbox
from config.settings import Settings
from storage.accounts import UserDirectory
from storage.deliveries import DeliveryLog
from storage.digests import DigestQueue
from storage.migrations import upgrade_database
from storage.register import DecisionRegister
from worker.sandbox import workflow_runner
from workflows.annual_review import AnnualReviewWorkflow
from workflows.daily_digest import DailyDigestWorkflow
from workflows.funding_request import FundingRequestWorkflow
from workflows.meeting import MeetingWorkflow
from workflows.smoke import SmokeWorkflow


@dataclass(frozen=True)
class WorkerDependencies:
    """What the activities need from the outside world."""

    register: DecisionRegister
    notifications: NotificationActivities
    smoke: SmokeActivities = field(default_factory=SmokeActivities)
    digests: DigestActivities | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, outbox: Outbox | None = None
    ) -> WorkerDependencies:
        """Real dependencies for a deployed or locally run worker; ``outbox``: the running
        embedded outbox, when no mail relay is set."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The register, the delivery log and the users share one database and its schema.
        upgrade_database(settings.resolved_register_url)
        register = DecisionRegister(settings.resolved_register_url)
        deliveries = DeliveryLog(
            register.engine, claim_lease=timedelta(seconds=settings.notice_claim_lease_seconds)
        )
        directory = UserDirectory(settings.resolved_register_url)
        digests = DigestQueue(register.engine)
        notifications = NotificationActivities(
            mailer_from_settings(settings, outbox), deliveries, directory, digests
        )
        return cls(
            register=register,
            notifications=notifications,
            digests=DigestActivities(notifications, digests, directory),
        )


def workflow_classes() -> Sequence[type]:
    """Every workflow this worker runs."""
    return [
        FundingRequestWorkflow,
        MeetingWorkflow,
        AnnualReviewWorkflow,
        DailyDigestWorkflow,
        SmokeWorkflow,
    ]


def activity_functions(client: Client, deps: WorkerDependencies) -> Sequence[Callable[..., Any]]:
    """Every activity this worker runs, bound to its dependencies."""
    meetings = MeetingActivities(client)
    return [
        RegisterActivities(deps.register).record,
        deps.notifications.deliver,
        meetings.carry_forward,
        meetings.pass_on_move,
        meetings.pass_on_leave,
        meetings.send_meeting_command,
        meetings.announce_forward_plan,
        AnnualReviewActivities(deps.register).list_recurrent,
        deps.smoke.greet,
        *([deps.digests.send_digests] if deps.digests is not None else []),
    ]


STICKY_QUEUE_TIMEOUT = timedelta(seconds=1)
"""The SDK's default is 10 s. A query sent to the worker's own (sticky) queue while it is
busy with the workflow tasks of a burst of Updates can wait there until this runs out,
when the server gives it to the shared queue: at 10 s, a member whose page read the
request while others voted waited 10 s (bench/votes.py measured it, and a minimal
workflow does the same); at 1 s, about a second at worst."""


def build_worker(
    client: Client,
    task_queue: str,
    deps: WorkerDependencies,
    *,
    activity_executor: ThreadPoolExecutor | None = None,
    max_cached_workflows: int = 1000,
    sticky_queue_timeout: timedelta = STICKY_QUEUE_TIMEOUT,
) -> Worker:
    """A worker for forumflow's workflows and activities on ``task_queue``."""
    # Register writes are blocking database calls, so activities run in threads.
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflow_classes(),
        activities=activity_functions(client, deps),
        activity_executor=activity_executor or ThreadPoolExecutor(max_workers=8),
        max_cached_workflows=max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=sticky_queue_timeout,
        workflow_runner=workflow_runner(),
    )
