"""The forum's yearly cycle as a Temporal Schedule: the annual DSG review.

The schedule fires at 09:00 Europe/London on the 1st of the month before the DSG
decision month (1 September for an October decision): a month for the officer to
turn the review into the decision paper, whose papers deadline falls a week or so
before the meeting. The wall time is London's, not UTC's, so the run does not drift
to 10:00 in summer.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from contracts import names
from contracts.annual_review import AnnualReviewInput

__all__ = [
    "DEFAULT_SCHEDULE_ID",
    "REVIEW_HOUR",
    "SCHEDULE_TIME_ZONE",
    "annual_review_schedule",
    "annual_review_schedule_id",
    "ensure_annual_review_schedule",
    "review_month",
]

log = structlog.get_logger(__name__)

SCHEDULE_TIME_ZONE = "Europe/London"
REVIEW_HOUR = 9
DEFAULT_SCHEDULE_ID = "forumflow-annual-dsg-review"
# A run missed while the server was down is still taken within two weeks, which keeps
# it inside the month before the decision; later, it would review next year's cycle.
CATCHUP_WINDOW = timedelta(days=14)
# Bounds a run stuck retrying a broken register, so it cannot make SKIP drop next year's.
RUN_TIMEOUT = timedelta(days=7)


def annual_review_schedule_id(namespace: str) -> str:
    """The review schedule's id in ``namespace``: DEFAULT_SCHEDULE_ID for "forumflow"."""
    return f"{namespace}-annual-dsg-review"


def review_month(decision_month: int) -> int:
    """The month the review runs in: the one before the decision (December for January)."""
    if not 1 <= decision_month <= 12:
        raise ValueError(f"decision_month must be 1-12, got {decision_month}")
    return 12 if decision_month == 1 else decision_month - 1


def annual_review_schedule(*, task_queue: str, decision_month: int, schedule_id: str) -> Schedule:
    """The schedule as it should be: 09:00 London on the 1st of the review month, yearly."""
    month = review_month(decision_month)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            names.ANNUAL_REVIEW_WORKFLOW,
            AnnualReviewInput(decision_month=decision_month),
            # Temporal appends the scheduled time, so each year's run has its own id.
            id=schedule_id,
            task_queue=task_queue,
            execution_timeout=RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    second=(ScheduleRange(0),),
                    minute=(ScheduleRange(0),),
                    hour=(ScheduleRange(REVIEW_HOUR),),
                    day_of_month=(ScheduleRange(1),),
                    month=(ScheduleRange(month),),
                    comment=f"annual DSG review, the month before the month-{decision_month} "
                    "decision",
                )
            ],
            time_zone_name=SCHEDULE_TIME_ZONE,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(
            note="Lists the recurrent funding due for the annual DSG decision (forumflow)."
        ),
    )


async def ensure_annual_review_schedule(
    client: Client,
    *,
    task_queue: str,
    decision_month: int = 10,
    schedule_id: str = DEFAULT_SCHEDULE_ID,
) -> ScheduleHandle:
    """Create the review schedule, or bring an existing one up to date; safe on every start.

    An update replaces the spec, action and policy but keeps the schedule's state, so a
    schedule an operator paused stays paused when a worker restarts.
    """
    desired = annual_review_schedule(
        task_queue=task_queue, decision_month=decision_month, schedule_id=schedule_id
    )
    return await keep_schedule(client, schedule_id, desired, "annual review")


async def keep_schedule(
    client: Client, schedule_id: str, desired: Schedule, what: str
) -> ScheduleHandle:
    """Create the schedule ``schedule_id`` as ``desired``, or bring the existing one up to
    date: the spec, action and policy are replaced, its state (a pause an operator set) is
    kept. Safe on every worker start; ``what`` names it in the log."""
    try:
        handle = await client.create_schedule(schedule_id, desired)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id)

        def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
            state = current.description.schedule.state
            return ScheduleUpdate(schedule=dataclasses.replace(desired, state=state))

        await handle.update(keep_state)
        log.info(f"{what} schedule updated", schedule_id=schedule_id)
        return handle
    log.info(f"{what} schedule created", schedule_id=schedule_id)
    return handle
