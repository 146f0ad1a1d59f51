"""The meeting workflow's deliveries: its notices (owners' reminders, the chair's flags
and escalations) and, when it ends, its unfinished business carried to the next meeting.

Each returns the meeting's audit note of what became of it, as (transition, summary), so
the workflow class stays about its clock and transitions. Runs inside the sandbox.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from contracts import names
from contracts.activities import DeliveryReceipt
from domain.meeting.models import CarryForward
from domain.notices import Notice
from workflows.meeting_messages import why

NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=10)
)
CARRY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)

Note = tuple[str, str]


async def deliver(notice: Notice) -> tuple[bool, Note]:
    """Deliver ``notice``; whether it went, and the audit note."""
    try:
        await workflow.execute_activity(
            names.DELIVER_NOTICE_ACTIVITY,
            notice,
            result_type=DeliveryReceipt,
            start_to_close_timeout=timedelta(minutes=1),
            schedule_to_close_timeout=timedelta(days=1),
            retry_policy=NOTIFY_RETRY,
        )
    except ActivityError as error:
        return False, ("notice_failed", f"Notice {notice.idempotency_key} failed: {why(error)}")
    told = ", ".join(r.name for r in notice.recipients)
    return True, ("notice_sent", f"Told {told}: {notice.subject}.")


async def carry_forward(carry: CarryForward) -> tuple[bool, Note]:
    """Send the unfinished business to the next meeting; whether it went, and the note."""
    try:
        await workflow.execute_activity(
            names.CARRY_FORWARD_ACTIVITY,
            carry,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=CARRY_RETRY,
        )
    except ActivityError as error:
        return False, ("carry_forward_failed", f"Could not carry forward: {why(error)}")
    return True, (
        "carry_forward",
        f"Carried {len(carry.carried.items)} item(s) and {len(carry.carried.actions)} "
        f"action(s) to {carry.next_meeting_id}.",
    )
