"""Reads the decision register for the yearly DSG review: which recurrent funding runs on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from temporalio import activity

from contracts import names
from contracts.annual_review import (
    RecurrentFundingItem,
    RecurrentFundingList,
    RecurrentFundingQuery,
)
from contracts.register import APPROVED_OUTCOMES, EntryKind, RegisterEntry
from storage.register import DecisionRegister


def _period_covering(entry: RegisterEntry, day: date) -> tuple[date, date] | None:
    # Both ends must be recorded: a decision entry alone has no period (the minute has it),
    # and guessing an open end would put money in the review that nobody agreed.
    start, end = entry.period_start, entry.period_end
    if start is None or end is None or not start <= day <= end:
        return None
    return start, end


def _counts(entry: RegisterEntry) -> bool:
    return (
        entry.kind in (EntryKind.DECISION, EntryKind.MINUTE_CONFIRMED)
        and entry.outcome in APPROVED_OUTCOMES
        and entry.recurrent
        and bool(entry.agreed_options)
    )


def recurrent_funding(
    entries: Iterable[RegisterEntry], first_day: date
) -> list[RecurrentFundingItem]:
    """Approved recurrent funding whose period covers ``first_day``, one item per request.

    An entry counts if it is a decision or a confirmed minute, records an approval, is
    flagged recurrent and has a funding period covering ``first_day``. A request's
    latest cycle wins, and within it a confirmed minute (the final record) wins over
    the decision. Rejected and deferred decisions, one-off money and periods that end
    before the day are left out. Sorted by request reference.
    """
    entries = list(entries)
    confirmed = {
        (entry.request_ref, entry.cycle, entry.meeting_date)
        for entry in entries
        if entry.kind is EntryKind.MINUTE_CONFIRMED
    }
    chosen: dict[str, tuple[tuple[int, bool], RecurrentFundingItem]] = {}
    for entry in entries:
        period = _period_covering(entry, first_day)
        if period is None or not _counts(entry):
            continue
        rank = (entry.cycle, entry.kind is EntryKind.MINUTE_CONFIRMED)
        current = chosen.get(entry.request_ref)
        if current is None or rank >= current[0]:
            is_confirmed = (entry.request_ref, entry.cycle, entry.meeting_date) in confirmed
            chosen[entry.request_ref] = (rank, _item(entry, period, confirmed=is_confirmed))
    return [item for _, (_, item) in sorted(chosen.items())]


def _item(
    entry: RegisterEntry, period: tuple[date, date], *, confirmed: bool
) -> RecurrentFundingItem:
    agreed_total = sum(option.amount_pence for option in entry.agreed_options)
    return RecurrentFundingItem(
        request_ref=entry.request_ref,
        title=entry.title,
        cycle=entry.cycle,
        # Decisions and minutes always carry their meeting date, which this is.
        decided_at_meeting=entry.effective_date,
        minutes_confirmed=confirmed,
        period_start=period[0],
        period_end=period[1],
        agreed=entry.agreed_options,
        # A minute may record an amended amount; it, not the options' sum, is what was agreed.
        amount_pence=entry.amount_pence if entry.amount_pence is not None else agreed_total,
        register_key=entry.idempotency_key,
    )


class AnnualReviewActivities:
    """The annual review's register reads; receives its register so tests can pass a real one."""

    def __init__(self, register: DecisionRegister) -> None:
        self._register = register

    @activity.defn(name=names.LIST_RECURRENT_FUNDING_ACTIVITY)
    def list_recurrent(self, query: RecurrentFundingQuery) -> RecurrentFundingList:
        """The approved recurrent funding running into the query's financial year."""
        entries = [
            *self._register.search(kind=EntryKind.DECISION),
            *self._register.search(kind=EntryKind.MINUTE_CONFIRMED),
        ]
        items = recurrent_funding(entries, query.first_day)
        activity.logger.info(
            "recurrent funding listed",
            extra={"financial_year_start": query.financial_year_start, "items": len(items)},
        )
        return RecurrentFundingList(
            financial_year_start=query.financial_year_start, items=tuple(items)
        )
