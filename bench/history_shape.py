"""The history events forumflow's run adds around its Updates, per Update, so that a
baseline can add the same ones with no rules run.

Read from a real forumflow history (a warm-up lifecycle of the benchmark itself), so
the baseline follows whatever the workflow does today: each search-attribute upsert
forumflow makes, each reminder timer started or cancelled, each ``workflow.patched``
marker (with the ``TemporalChangeVersion`` upsert the SDK adds to it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from temporalio.api.history.v1 import HistoryEvent

from bench.baseline_messages import ShapeStep

CHANGE_VERSION = "TemporalChangeVersion"
"""The search attribute the SDK upserts with each patch's marker."""
PATCH_MARKER = "core_patch"


def _is_patch_upsert(event: HistoryEvent) -> bool:
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
    return set(fields.indexed_fields) == {CHANGE_VERSION}


def history_shape(events: Iterable[HistoryEvent]) -> tuple[ShapeStep, ...]:
    """One step for the run's start and one per accepted Update, in order: the upserts,
    timers and patch markers its history has between that point and the next Update.

    Meant for a lifecycle whose Updates were sent one after another, so that each
    Update's commands follow its own acceptance.
    """
    steps: list[Counter[str]] = [Counter()]
    for event in events:
        kind = event.WhichOneof("attributes")
        if kind == "workflow_execution_update_accepted_event_attributes":
            steps.append(Counter())
        elif kind == "marker_recorded_event_attributes":
            if event.marker_recorded_event_attributes.marker_name == PATCH_MARKER:
                steps[-1]["patches"] += 1
        elif kind == "upsert_workflow_search_attributes_event_attributes":
            # The patch's own upsert comes with the baseline's patch marker too.
            if not _is_patch_upsert(event):
                steps[-1]["upserts"] += 1
        elif kind == "timer_started_event_attributes":
            steps[-1]["timers_started"] += 1
        elif kind == "timer_canceled_event_attributes":
            steps[-1]["timers_cancelled"] += 1
    return tuple(ShapeStep(**step) for step in steps)


def event_counts(events: Iterable[HistoryEvent]) -> dict[str, int]:
    """How many events of each type a history has, by the type's short name."""
    counts = Counter(
        str(event.WhichOneof("attributes")).removesuffix("_event_attributes") for event in events
    )
    return dict(sorted(counts.items()))
