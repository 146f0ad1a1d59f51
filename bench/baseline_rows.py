"""The register entries forumflow's lifecycle writes, for the baseline that writes them too.

The entries are forumflow's own: the benchmark's lifecycle is run once through the pure
domain (``domain.request.lifecycle.apply``, as the workflow runs it) and each transition's
entries taken from ``workflows.register_entries.entries_for_transition``. So the register
baseline writes entries of the same kind, with the same fields and size, at the same
positions in the lifecycle; only the request reference, the keys and the workflow's ids
are made its own, per lifecycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from bench.scenario import OFFICER, Dates, draft, full_lifecycle_steps, new_reference
from contracts.register import RegisterEntry
from domain.request.lifecycle import apply, transition_of
from domain.request.models import RequestState
from workflows.register_entries import entries_for_transition


def lifecycle_rows(dates: Dates, now: datetime) -> dict[int, RegisterEntry]:
    """The entry forumflow writes at each position of ``full_lifecycle_steps(dates)``
    that writes one, by position; the lifecycle is run at ``now``.

    Raises ValueError if a transition writes more than one entry: the baseline sends one
    Update per transition, each writing one row.
    """
    reference = new_reference()
    run_id = str(uuid.uuid4())
    state = RequestState.new(draft(reference, dates), OFFICER, now)
    rows: dict[int, RegisterEntry] = {}
    for position, (command, actor) in enumerate(full_lifecycle_steps(dates)):
        after = apply(state, command, actor, now)
        entries = entries_for_transition(
            transition_of(command), state, after, workflow_id=reference, run_id=run_id, now=now
        )
        if len(entries) > 1:
            raise ValueError(f"step {position} writes {len(entries)} register entries, not one")
        if entries:
            rows[position] = entries[0]
        state = after
    return rows


def rows_for(
    rows: Mapping[int, RegisterEntry], reference: str, workflow_id: str, run_id: str
) -> dict[int, RegisterEntry]:
    """``rows`` as one lifecycle of the baseline writes them: under ``reference`` (so
    under idempotency keys no other lifecycle uses), from its workflow, recorded now."""
    now = datetime.now(UTC)
    return {
        position: entry.model_copy(
            update={
                "idempotency_key": entry.idempotency_key.replace(entry.request_ref, reference, 1),
                "request_ref": reference,
                "workflow_id": workflow_id,
                "run_id": run_id,
                "recorded_at": now,
            }
        )
        for position, entry in rows.items()
    }
