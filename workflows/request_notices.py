"""Delivering one of a request's notices from inside its workflow.

A notice that can never be delivered (every recipient refused, bad credentials) must
not end the request: before the ``notice-failure-recorded`` patch such a failure
failed the whole workflow. Now it is recorded on the request's notices with outcome
``failed`` and the reason, so the audit trail shows it and it is not tried again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notify import NotificationActivities
    from domain.models import NoticeRecord
    from domain.notices import Notice
    from workflows.request_alarms import notice_record

NOTICE_FAILURE_PATCH = "notice-failure-recorded"
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10)
)


async def deliver(notice: Notice, now: datetime) -> NoticeRecord:
    """Deliver ``notice`` through the notification activity and return its record."""
    try:
        receipt = await workflow.execute_activity_method(
            NotificationActivities.deliver,
            notice,
            # Shorter than the delivery log's claim lease, so a retry never overlaps a send.
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=NOTIFY_RETRY,
        )
    except ActivityError as error:
        if not workflow.patched(NOTICE_FAILURE_PATCH):
            raise
        cause = error.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(error)
        workflow.logger.warning(
            "notice could not be delivered", extra={"key": notice.idempotency_key}
        )
        return notice_record(notice, f"failed: {reason}", now)
    return notice_record(notice, receipt.outcome, now)
