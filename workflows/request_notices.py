"""Delivering one of a request's notices from inside its workflow.

A notice that can never be delivered (every recipient refused, bad credentials) must
not end the request: before the ``notice-failure-recorded`` patch such a failure
failed the whole workflow. Now it is recorded on the request's notices with outcome
``failed`` and the reason, so the audit trail shows it and it is not tried again.

A notice to an office ("The chair") goes to the people the user directory says hold
it; the activity's receipt names them. Before the ``notice-recipients-resolved``
patch the request's record kept the notice's own recipients; now it keeps the ones
the receipt names, so the audit trail says who was told.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
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
RECIPIENTS_PATCH = "notice-recipients-resolved"
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
    if workflow.patched(RECIPIENTS_PATCH) and receipt.recipients:
        notice = notice.model_copy(update={"recipients": receipt.recipients})
    return notice_record(notice, receipt.outcome, now)


BACKGROUND_NOTICES_PATCH = "notices-in-background"


class NoticeRound:
    """Delivers a batch of due notices beside the request's run loop, one batch at a time.

    Before the ``notices-in-background`` patch the run loop awaited each delivery, so a
    notice whose mail server kept saying "try later" held up the register writes that
    transitions wait on: confirming minutes hung for as long as the mail was down. Now
    the loop starts a round and carries on; ``record`` keeps each delivery on the
    request, and ``done`` wakes the loop to plan the next alarm.
    """

    def __init__(self, record: Callable[[NoticeRecord], None], done: Callable[[], None]) -> None:
        self._record = record
        self._done = done
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether a round is still delivering."""
        return self._task is not None and not self._task.done()

    def start(self, notices: Sequence[Notice], now: datetime) -> None:
        """Deliver ``notices`` in the background (call only when not busy)."""
        self._task = asyncio.create_task(self._deliver(tuple(notices), now))

    async def finish(self) -> None:
        """Wait for the round in flight, so the run does not end with a notice half sent."""
        if self._task is not None:
            await self._task

    async def _deliver(self, notices: tuple[Notice, ...], now: datetime) -> None:
        try:
            for notice in notices:
                self._record(await deliver(notice, now))
        finally:
            self._done()
