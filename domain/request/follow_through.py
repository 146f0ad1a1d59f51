"""What follows the minute of an approval: the money it waited on, the day spending
started, and the evidence the evaluation reports.

Seed 000's posts were paid for months "pending funding being received": an approval
whose money was not yet available looked like any other. Here a minute may say what
the money waits on and by when (``Minute.funding_condition``, ``Minute.funding_due``);
the officer then records the confirmation, which must match the minute exactly, and the
day spending started, which is marked when it came before the money was confirmed.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.calendar import format_uk_date, to_london
from domain.machine import Step
from domain.people import Actor
from domain.request.commands import ConfirmFunding, RecordSpending
from domain.request.decision import (
    EvaluationReport,
    FundingConfirmation,
    Minute,
    SpendingRecord,
)
from domain.request.errors import (
    DateInTheFuture,
    FundingAlreadyConfirmed,
    FundingAmountDiffersFromMinute,
    FundingDueBeforeMeeting,
    FundingNotConditional,
    FundingOptionsDifferFromMinute,
    PaymentByResultsDiffersFromOutcome,
    PaymentByResultsUnmeasured,
    SpendingAlreadyRecorded,
)
from domain.request.models import RequestState
from domain.values import evolve, format_pence, quote_ids

# --- the minute -----------------------------------------------------------------------


def check_funding_condition(state: RequestState, minute: Minute) -> None:
    """Refuse a funding condition whose confirmation date is not after the meeting that
    decided: the money would be overdue before the approval was even minuted."""
    decision = state.decision
    if minute.funding_due is None or decision is None:
        return
    if minute.funding_due <= decision.meeting_date:
        raise FundingDueBeforeMeeting(
            f"Cannot minute the approval of {state.reference}: the funding is to be confirmed "
            f"by {format_uk_date(minute.funding_due)}, which is not after the meeting that "
            f"decided ({format_uk_date(decision.meeting_date)}) (minute.funding_due).",
            field="minute.funding_due",
        )


def minute_funding_note(minute: Minute) -> str:
    """The audit summary's note of a minute's funding condition ("" when it has none)."""
    if minute.funding_condition is None or minute.funding_due is None:
        return ""
    return (
        f" Funding not yet confirmed: {minute.funding_condition}; to be confirmed by "
        f"{format_uk_date(minute.funding_due)}."
    )


# --- the officer's records --------------------------------------------------------------


def _check_not_after_today(day: date, now: datetime, field: str, what: str, ref: str) -> None:
    today = to_london(now).date()
    if day > today:
        raise DateInTheFuture(
            f"Cannot record {what} on {ref} for {format_uk_date(day)}: that is after today "
            f"({format_uk_date(today)}) ({field}). Record it when it has happened.",
            field=field,
        )


def check_confirmation(state: RequestState, command: ConfirmFunding, now: datetime) -> None:
    """Refuse a confirmation unless the minute waits on funding not yet confirmed, and the
    confirmation names exactly the minute's agreed option(s) and amount, on a past day."""
    ref, minute = state.reference, state.minute
    if minute is None or not minute.funding_conditional:
        raise FundingNotConditional(
            f"Cannot confirm the funding of {ref}: its minute sets no funding condition, so "
            "the money was available when it was agreed (minute.funding_condition).",
            field="minute.funding_condition",
        )
    if state.funding_confirmation is not None:
        raise FundingAlreadyConfirmed(
            f"Cannot confirm the funding of {ref}: it was confirmed on "
            f"{format_uk_date(state.funding_confirmation.confirmed_on)} by "
            f"{state.funding_confirmation.confirmed_by} (funding_confirmation).",
            field="funding_confirmation",
        )
    if set(command.option_ids) != set(minute.agreed_option_ids) or len(command.option_ids) != len(
        minute.agreed_option_ids
    ):
        raise FundingOptionsDifferFromMinute(
            f"Cannot confirm the funding of {ref} from {quote_ids(command.option_ids)}: the "
            f"minute agreed {quote_ids(minute.agreed_option_ids)} (option_ids). The money "
            "confirmed must be the money the forum agreed.",
            field="option_ids",
        )
    if command.amount_pence != minute.amount_pence:
        raise FundingAmountDiffersFromMinute(
            f"Cannot confirm {format_pence(command.amount_pence)} for {ref}: the minute agreed "
            f"{format_pence(minute.amount_pence)} (amount_pence).",
            field="amount_pence",
        )
    _check_not_after_today(command.confirmed_on, now, "confirmed_on", "the funding", ref)


def confirm_funding(
    state: RequestState, command: ConfirmFunding, actor: Actor, now: datetime
) -> Step[RequestState]:
    """Record that the money the approval waited on is available."""
    check_confirmation(state, command, now)
    confirmation = FundingConfirmation(
        confirmed_by=command.confirmed_by,
        confirmed_on=command.confirmed_on,
        option_ids=command.option_ids,
        amount_pence=command.amount_pence,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    sources = ", ".join(
        option.source_label for option in state.options if option.option_id in command.option_ids
    )
    return Step(
        evolve(state, funding_confirmation=confirmation),
        f"Confirmed the funding: {format_pence(command.amount_pence)} from {sources}, "
        f"confirmed by {command.confirmed_by} on {format_uk_date(command.confirmed_on)}.",
    )


def spent_before_confirmation(state: RequestState, started_on: date) -> bool:
    """Whether spending from ``started_on`` came before a conditional approval's money was
    confirmed (a confirmation dated later counts: the spending still came first)."""
    if state.minute is None or not state.minute.funding_conditional:
        return False
    confirmation = state.funding_confirmation
    return confirmation is None or started_on < confirmation.confirmed_on


def record_spending(
    state: RequestState, command: RecordSpending, actor: Actor, now: datetime
) -> Step[RequestState]:
    """Record the day spending started, marking it when the money was not yet confirmed."""
    ref = state.reference
    if state.spending is not None:
        raise SpendingAlreadyRecorded(
            f"Cannot record spending on {ref}: spending was recorded as starting on "
            f"{format_uk_date(state.spending.started_on)} (spending).",
            field="spending",
        )
    _check_not_after_today(command.started_on, now, "started_on", "spending", ref)
    early = spent_before_confirmation(state, command.started_on)
    record = SpendingRecord(
        started_on=command.started_on,
        description=command.description,
        recorded_by=actor.user_id,
        recorded_at=now,
        before_funding_confirmed=early,
    )
    note = " before its funding was confirmed" if early else ""
    return Step(
        evolve(state, spending=record),
        f"Recorded spending started on {format_uk_date(command.started_on)}{note}: "
        f"{command.description}.",
    )


# --- the evaluation's evidence ------------------------------------------------------------


def check_payment_by_results(report: EvaluationReport) -> None:
    """Refuse payment by results against a measure the report does not give, or on a result
    other than the one it measured: what was paid for must be what was measured."""
    measured = {outcome.measure: outcome.value for outcome in report.outcomes}
    for index, payment in enumerate(report.payment_by_results):
        field = f"report.payment_by_results[{index}]"
        if payment.measure not in measured:
            raise PaymentByResultsUnmeasured(
                f"Cannot accept the report: it pays by results on '{payment.measure}', for "
                f"which it reports no outcome ({field}.measure). Report the measure in "
                "outcomes too.",
                field=f"{field}.measure",
            )
        if payment.achieved != measured[payment.measure]:
            raise PaymentByResultsDiffersFromOutcome(
                f"Cannot accept the report: it pays on {payment.achieved} achieved for "
                f"'{payment.measure}', but reports {measured[payment.measure]} "
                f"({field}.achieved).",
                field=f"{field}.achieved",
            )


def payment_note(report: EvaluationReport) -> str:
    """The audit summary's note of the payments by results ("" when there are none)."""
    if not report.payment_by_results:
        return ""
    parts = [
        f"{p.measure}: {p.achieved} of {p.target}, {format_pence(p.amount_paid_pence)} paid"
        for p in report.payment_by_results
    ]
    return f" Paid by results: {'; '.join(parts)}."
