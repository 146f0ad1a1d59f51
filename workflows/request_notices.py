"""Delivering one of a request's notices from inside its workflow.

A notice that can never be delivered (every recipient refused, bad credentials) must
not end the request: it is recorded on the request's notices with outcome ``failed``
and the reason, so the audit trail shows it and it is not tried again.

A notice to an office ("The chair") goes to the people the user directory says hold
it; the activity's receipt names them, and the request's record keeps the ones the
receipt names, so the audit trail says who was told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts import names
    from contracts.activities import DeliveryReceipt
    from domain.notices import Notice
    from domain.request.models import NoticeRecord
    from workflows.request_alarms import notice_record

NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10)
)


async def deliver(notice: Notice, now: datetime) -> NoticeRecord:
    """Deliver ``notice`` through the notification activity and return its record."""
    try:
        receipt = await workflow.execute_activity(
            names.DELIVER_NOTICE_ACTIVITY,
            notice,
            result_type=DeliveryReceipt,
            # Shorter than the delivery log's claim lease, so a retry never overlaps a send.
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=NOTIFY_RETRY,
        )
    except ActivityError as error:
        cause = error.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(error)
        workflow.logger.warning(
            "notice could not be delivered", extra={"key": notice.idempotency_key}
        )
        return notice_record(notice, f"failed: {reason}", now)
    if receipt.recipients:
        notice = notice.model_copy(update={"recipients": receipt.recipients})
    return notice_record(notice, receipt.outcome, now)
