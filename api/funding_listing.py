"""The funding state a listing of requests shows, read from the decision register.

A listing is answered from search attributes, without asking each request's workflow;
whether a conditional approval's money has come is in the register (funding_pending and
funding_confirmed entries), so the listing reads it there, in a few queries for the
whole page rather than one per request.
"""

from __future__ import annotations

from api.schemas.requests import ListedFunding
from contracts.register import EntryKind, RegisterEntry
from domain.request.models import FundingState
from storage.register import DecisionRegister


def listed_funding(register: DecisionRegister) -> dict[str, ListedFunding]:
    """Each request's conditional funding in its latest funding period, by reference."""
    pending: dict[str, RegisterEntry] = {}
    for entry in register.search(kind=EntryKind.FUNDING_PENDING):
        pending[entry.request_ref] = entry
    confirmed = {
        (entry.request_ref, entry.cycle): entry
        for entry in register.search(kind=EntryKind.FUNDING_CONFIRMED)
    }
    latest_cycle: dict[str, int] = {}
    for entry in register.search(kind=EntryKind.FUNDING_PERIOD):
        latest_cycle[entry.request_ref] = max(entry.cycle, latest_cycle.get(entry.request_ref, 1))
    listed: dict[str, ListedFunding] = {}
    for reference, entry in pending.items():
        if entry.due_date is None or latest_cycle.get(reference, entry.cycle) > entry.cycle:
            # A later funding period starts afresh: its own minute says what it waits on.
            continue
        confirmation = confirmed.get((reference, entry.cycle))
        listed[reference] = ListedFunding(
            state=FundingState.confirmed if confirmation else FundingState.not_confirmed,
            condition=entry.summary,
            due_date=entry.due_date,
            confirmed_on=confirmation.occurred_on if confirmation else None,
        )
    return listed
