"""Each day's digest of notices, for the people who chose one instead of an email per
notice.

A Temporal Schedule (clients.digest_schedule) starts it once a day at the digest hour,
London time; it can also be started by hand for a day. It runs one activity, which
emails each person their notices queued up to the workflow's start, keyed per person and
London day, so a retried or repeated run sends nobody a second email that day.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts import names
    from contracts.digest import DailyDigestInput, DigestReport, DigestRun
    from domain.calendar import LONDON

DIGEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10)
)


@workflow.defn(name=names.DAILY_DIGEST_WORKFLOW)
class DailyDigestWorkflow:
    """Sends the day's digests."""

    @workflow.run
    async def run(self, digest: DailyDigestInput) -> DigestReport:
        """Send every digest of ``digest.day`` (by default the London day it starts)."""
        now = workflow.now()
        day = digest.day or now.astimezone(LONDON).date()
        report: DigestReport = await workflow.execute_activity(
            names.SEND_DIGESTS_ACTIVITY,
            DigestRun(day=day, up_to=now),
            result_type=DigestReport,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=DIGEST_RETRY,
        )
        return report
