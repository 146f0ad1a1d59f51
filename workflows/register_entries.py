"""What a transition adds to the decision register, as plain functions of the
state before and after it, so the same transition always yields the same entries
with the same idempotency keys, on first run, retry and replay alike."""

from __future__ import annotations

from datetime import datetime

from contracts.register import AgreedFunding, EntryKind, PhaseTally, RegisterEntry
from domain.request.commands import Transition
from domain.request.decision import PhaseDecision
from domain.request.draft import FundingOption
from domain.request.models import RequestState
from domain.request.rules import options_span


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
    if transition in (Transition.extend, Transition.close) and before.evaluation:
        extended = transition is Transition.extend
        evaluated = entry(
            EntryKind.EVALUATION,
            before,
            outcome="extended" if extended else "ended",
            meeting_date=before.decision.meeting_date if before.decision else None,
            summary=before.evaluation.summary,
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
