"""Writing one decision register entry from inside a workflow, through the idempotent
register activity: retried until the database takes it, since a decision must never be
left out of the register."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from contracts import names
from contracts.activities import RecordOutcome
from contracts.register import RegisterEntry

REGISTER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


async def write_entry(entry: RegisterEntry) -> RecordOutcome:
    """Write ``entry`` under its idempotency key (a retry writes nothing twice)."""
    outcome: RecordOutcome = await workflow.execute_activity(
        names.RECORD_REGISTER_ENTRY_ACTIVITY,
        entry,
        result_type=RecordOutcome,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=REGISTER_RETRY,
    )
    return outcome
