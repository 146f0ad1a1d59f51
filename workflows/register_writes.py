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
WRITE_TIMEOUT = timedelta(seconds=30)


async def write_entry(entry: RegisterEntry, *, local: bool) -> RecordOutcome:
    """Write ``entry`` under its idempotency key (a retry writes nothing twice).

    ``local``: by a local activity, inside the workflow task that queued the entry, with
    no activity task to schedule, poll and report. The write is idempotent by key, so the
    local activity's rerun after a worker dies mid-task writes nothing twice.
    """
    execute = workflow.execute_local_activity if local else workflow.execute_activity
    outcome: RecordOutcome = await execute(
        names.RECORD_REGISTER_ENTRY_ACTIVITY,
        entry,
        result_type=RecordOutcome,
        start_to_close_timeout=WRITE_TIMEOUT,
        retry_policy=REGISTER_RETRY,
    )
    return outcome
