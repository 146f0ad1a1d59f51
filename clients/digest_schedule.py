"""The daily digest as a Temporal Schedule: every day at the digest hour, London time.

The wall time is London's, not UTC's, so the digest does not move an hour in summer.
Like the yearly review's (clients.schedules), it is created or brought up to date on
every worker start, keeping a pause an operator set.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

from clients.schedules import SCHEDULE_TIME_ZONE, keep_schedule
from contracts import names
from contracts.digest import DailyDigestInput

log = structlog.get_logger(__name__)

# A day's digest missed while the server was down still goes out that day; after that the
# next day's run takes the waiting notices.
CATCHUP_WINDOW = timedelta(hours=12)
RUN_TIMEOUT = timedelta(hours=20)


def daily_digest_schedule_id(namespace: str) -> str:
    """The digest schedule's id in ``namespace``."""
    return f"{namespace}-daily-digest"


def daily_digest_schedule(*, task_queue: str, hour: int, schedule_id: str) -> Schedule:
    """The schedule as it should be: every day at ``hour``:00 London."""
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0-23, got {hour}")
    return Schedule(
        action=ScheduleActionStartWorkflow(
            names.DAILY_DIGEST_WORKFLOW,
            DailyDigestInput(),
            # Temporal appends the scheduled time, so each day's run has its own id.
            id=schedule_id,
            task_queue=task_queue,
            execution_timeout=RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    second=(ScheduleRange(0),),
                    minute=(ScheduleRange(0),),
                    hour=(ScheduleRange(hour),),
                    comment="daily digest of notices",
                )
            ],
            time_zone_name=SCHEDULE_TIME_ZONE,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(note="Emails each day's digest of notices (forumflow)."),
    )


async def ensure_daily_digest_schedule(
    client: Client, *, task_queue: str, hour: int, schedule_id: str
) -> ScheduleHandle:
    """Create the digest schedule, or bring an existing one up to date; safe on every start."""
    desired = daily_digest_schedule(task_queue=task_queue, hour=hour, schedule_id=schedule_id)
    return await keep_schedule(client, schedule_id, desired, "daily digest")
