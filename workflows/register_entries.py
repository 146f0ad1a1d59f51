"""What a transition adds to the decision register, as plain functions of the
state before and after it, so the same transition always yields the same entries
with the same idempotency keys, on first run, retry and replay alike."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from contracts.register import (
    AgreedFunding,
    EntryKind,
    EvaluationEvidence,
    EvaluationFigure,
    PaymentByResultsFigure,
    PhaseTally,
    RegisterEntry,
)
from domain.request.commands import Transition
from domain.request.decision import EvaluationReport, PhaseDecision
from domain.request.draft import Citation, FundingOption
from domain.request.models import RequestState
from domain.request.rules import options_span
from domain.values import format_pence


def _agreed(state: RequestState, option_ids: tuple[str, ...]) -> tuple[AgreedFunding, ...]:
    by_id: dict[str, FundingOption] = {option.option_id: option for option in state.options}
    return tuple(
        AgreedFunding(
            option_id=option_id,
            source=by_id[option_id].source.value,
            source_detail=by_id[option_id].source_detail,
            amount_pence=by_id[option_id].amount_pence,
        )
        for option_id in option_ids
    )


def _phases(phases: tuple[PhaseDecision, ...]) -> tuple[PhaseTally, ...]:
    return tuple(
        PhaseTally(
            phase=phase.group.value,
            outcome=phase.outcome.value,
            for_count=phase.tally.for_count,
            against_count=phase.tally.against_count,
            abstentions=phase.tally.abstentions,
        )
        for phase in phases
    )


def _evidence(report: EvaluationReport) -> EvaluationEvidence:
    return EvaluationEvidence(
        outcomes=tuple(
            EvaluationFigure(measure=o.measure, value=o.value, unit=o.unit) for o in report.outcomes
        ),
        payment_by_results=tuple(
            PaymentByResultsFigure(
                measure=p.measure,
                target=p.target,
                achieved=p.achieved,
                amount_paid_pence=p.amount_paid_pence,
            )
            for p in report.payment_by_results
        ),
    )


def _claim(citation: Citation) -> str:
    amount = (
        f" ({format_pence(citation.claimed_amount_pence)})"
        if citation.claimed_amount_pence is not None
        else ""
    )
    said = f': "{citation.claim}"' if citation.claim else ""
    return (
        f"Cites {citation.entry_id} ({citation.request_ref}) as funded from the "
        f"{citation.claimed_source.label}{amount}{said}"
    )


def entries_for_transition(
    transition: Transition,
    before: RequestState,
    after: RequestState,
    *,
    workflow_id: str,
    run_id: str,
    now: datetime,
) -> list[RegisterEntry]:
    """The register entries an accepted transition must write (often none)."""
    sequence = len(before.audit)
    reference = before.draft.reference
    actor = after.audit[-1].actor_id if after.audit else "system"

    def entry(kind: EntryKind, state: RequestState, **fields: object) -> RegisterEntry:
        return RegisterEntry.model_validate(
            {
                "idempotency_key": f"{reference}/c{state.cycle}/{kind.value}/{sequence}",
                "request_ref": reference,
                "cycle": state.cycle,
                "kind": kind,
                "recorded_at": now,
                "title": state.draft.title,
                "recorded_by": actor,
                "workflow_id": workflow_id,
                "run_id": run_id,
                **fields,
            }
        )

    if transition in (Transition.close_vote, Transition.defer):
        if len(after.deferrals) > len(before.deferrals):
            deferral = after.deferrals[-1]
            return [
                entry(
                    EntryKind.DECISION,
                    before,
                    outcome="deferred",
                    meeting_date=deferral.meeting_date,
                    period_start=before.draft.period.start,
                    period_end=before.draft.period.end,
                    summary=deferral.reason,
                )
            ]
        decision = after.decision
        if decision is None:
            return []
        agreed = _agreed(after, decision.chosen_option_ids)
        approved = decision.outcome.is_approval
        # The period agreed (the chosen options' span), else the period asked for.
        chosen = set(decision.chosen_option_ids)
        span = options_span(o for o in after.options if o.option_id in chosen)
        period = (span if approved else None) or after.draft.period
        return [
            entry(
                EntryKind.DECISION,
                after,
                outcome=decision.outcome.value,
                meeting_date=decision.meeting_date,
                agreed_options=agreed if approved else (),
                amount_pence=sum(item.amount_pence for item in agreed) if approved else None,
                period_start=period.start,
                period_end=period.end,
                amendments=decision.amendments,
                phases=_phases(decision.phases),
                recurrent=after.draft.recurrent,
                summary=decision.reason or "",
            )
        ]
    if transition is Transition.confirm_minutes and after.minute and after.decision:
        minute = after.minute
        return [
            entry(
                EntryKind.MINUTE_CONFIRMED,
                after,
                outcome=after.decision.outcome.value,
                meeting_date=after.decision.meeting_date,
                agreed_options=_agreed(after, minute.agreed_option_ids),
                amount_pence=minute.amount_pence,
                period_start=minute.period.start if minute.period else None,
                period_end=minute.period.end if minute.period else None,
                amendments=minute.amendments,
                phases=_phases(minute.phases),
                recurrent=after.draft.recurrent,
                summary=minute.text,
            )
        ]
    follow_through = _follow_through(transition, before, after, entry)
    if follow_through is not None:
        return follow_through
    if transition in (Transition.extend, Transition.close) and before.evaluation:
        extended = transition is Transition.extend
        evaluated = entry(
            EntryKind.EVALUATION,
            before,
            outcome="extended" if extended else "ended",
            meeting_date=before.decision.meeting_date if before.decision else None,
            summary=before.evaluation.summary,
            evidence=_evidence(before.evaluation),
        )
        if not extended:
            return [evaluated]
        return [
            evaluated,
            entry(
                EntryKind.FUNDING_PERIOD,
                after,
                outcome="started",
                period_start=after.draft.period.start,
                period_end=after.draft.period.end,
                summary=f"Funding period {after.cycle} opened",
            ),
        ]
    return []


class _Entry(Protocol):
    def __call__(self, kind: EntryKind, state: RequestState, **fields: object) -> RegisterEntry: ...


def _follow_through(
    transition: Transition, before: RequestState, after: RequestState, entry: _Entry
) -> list[RegisterEntry] | None:
    """The entries of a decision's follow-through: the funding it waits on (written when
    the minute is recorded, so the register shows it from the day the clerk minutes it,
    not months later when the minutes are confirmed), the funding confirmed, spending
    started, and the citations a tabled paper relies on. None for any other transition."""
    minute, decision = after.minute, after.decision
    meeting = decision.meeting_date if decision else None
    if transition is Transition.record_minute and minute and minute.funding_condition:
        return [
            entry(
                EntryKind.FUNDING_PENDING,
                after,
                outcome="pending",
                meeting_date=meeting,
                agreed_options=_agreed(after, minute.agreed_option_ids),
                amount_pence=minute.amount_pence,
                period_start=minute.period.start if minute.period else None,
                period_end=minute.period.end if minute.period else None,
                recurrent=after.draft.recurrent,
                due_date=minute.funding_due,
                summary=minute.funding_condition,
            )
        ]
    confirmation = after.funding_confirmation
    if transition is Transition.confirm_funding and confirmation and minute:
        return [
            entry(
                EntryKind.FUNDING_CONFIRMED,
                after,
                outcome="confirmed",
                meeting_date=meeting,
                agreed_options=_agreed(after, confirmation.option_ids),
                amount_pence=confirmation.amount_pence,
                period_start=minute.period.start if minute.period else None,
                period_end=minute.period.end if minute.period else None,
                recurrent=after.draft.recurrent,
                due_date=minute.funding_due,
                occurred_on=confirmation.confirmed_on,
                summary=f"Confirmed by {confirmation.confirmed_by}; the minute's condition "
                f"was: {minute.funding_condition}",
            )
        ]
    spending = after.spending
    if transition is Transition.record_spending and spending:
        return [
            entry(
                EntryKind.SPENDING_STARTED,
                after,
                outcome="before_funding_confirmed"
                if spending.before_funding_confirmed
                else "funded",
                meeting_date=meeting,
                due_date=minute.funding_due if minute else None,
                occurred_on=spending.started_on,
                summary=spending.description,
            )
        ]
    if transition is Transition.table and after.draft.citations:
        sequence = len(before.audit)
        return [
            entry(
                EntryKind.CITATION,
                after,
                # One entry per citation, so each needs a key of its own.
                idempotency_key=f"{after.reference}/c{after.cycle}/citation/{sequence}/{index}",
                outcome="cited",
                meeting_date=after.meeting_date,
                cites=citation.entry_id,
                summary=_claim(citation),
            )
            for index, citation in enumerate(after.draft.citations)
        ]
    return None
