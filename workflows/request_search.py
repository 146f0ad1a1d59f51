"""The search attribute values that describe a request in the Web UI and in listings, and
their publishing from the request's workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair, SearchAttributeUpdate, TypedSearchAttributes

from contracts import search_attributes
from domain.calendar import london_midnight, papers_deadline
from domain.request.models import RequestState, Stage

_UNSET = object()


def next_deadline(state: RequestState) -> datetime | None:
    """The next date someone must act by, for listing requests by urgency."""
    if state.stage is Stage.tabled and state.meeting_date is not None:
        return london_midnight(
            papers_deadline(state.meeting_date, state.settings.papers_clear_working_days)
        )
    if state.stage in (Stage.minuted, Stage.evaluation) and state.draft.evaluation_plan:
        return london_midnight(state.draft.evaluation_plan.report_due)
    return None


def funding_sources(state: RequestState) -> list[str]:
    """The agreed sources once decided, otherwise every listed option's source."""
    agreed = set(state.decision.chosen_option_ids) if state.decision else set()
    options = [o for o in state.options if o.option_id in agreed] if agreed else state.options
    return sorted({option.source.value for option in options})


def search_attribute_updates(state: RequestState) -> list[SearchAttributeUpdate[Any]]:
    """Values for every forumflow search attribute; unset ones are cleared."""
    meeting = london_midnight(state.meeting_date) if state.meeting_date else None
    deadline = next_deadline(state)
    sources = funding_sources(state)
    return [
        search_attributes.STAGE.value_set(state.stage.value),
        search_attributes.MEETING_DATE.value_set(meeting)
        if meeting
        else search_attributes.MEETING_DATE.value_unset(),
        search_attributes.FUNDING_SOURCES.value_set(sources)
        if sources
        else search_attributes.FUNDING_SOURCES.value_unset(),
        search_attributes.NEXT_DEADLINE.value_set(deadline)
        if deadline
        else search_attributes.NEXT_DEADLINE.value_unset(),
    ]


def typed_search_attributes(state: RequestState) -> TypedSearchAttributes:
    """The set values only, for starting a run (continue-as-new) with them."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(update.key, update.value)
            for update in search_attribute_updates(state)
            if update.value is not None
        ]
    )


def publish_search_attributes(state: RequestState, published: dict[str, object]) -> None:
    """Upsert, from inside the workflow, the values that differ from ``published`` (what
    this run last upserted), and note them there.

    Only changed values: every upsert is a history event, and a vote changes none.
    """
    changed = [
        update
        for update in search_attribute_updates(state)
        if published.get(update.key.name, _UNSET) != update.value
    ]
    if changed:
        workflow.upsert_search_attributes(changed)
        published.update({update.key.name: update.value for update in changed})
