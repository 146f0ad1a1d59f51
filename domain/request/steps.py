"""What each transition does to a request, once its role and stage have been checked.

:func:`run_step` dispatches a command to its step. Each step checks the rules that
concern it, then returns the next state (without the audit entry, which
``domain.request.lifecycle`` adds) and a plain-English summary of what changed, plus the
reason when the command gave one. The steps taken at a meeting (tabling to the vote)
are in ``domain.request.meeting_steps``. States are rebuilt through validation
(``evolve``), never ``model_copy``, so every state produced satisfies RequestState's
stage invariants.
"""

from __future__ import annotations

from datetime import datetime

from domain.calendar import format_uk_date
from domain.machine import Step
from domain.people import Actor
from domain.request import follow_through, rules
from domain.request import meeting_steps as at_meeting
from domain.request.citations import check_draft_citations
from domain.request.commands import (
    AddOption,
    AmendRecommendation,
    CastVote,
    Close,
    CloseVote,
    Command,
    ConfirmFunding,
    ConfirmMinutes,
    Defer,
    EditDraft,
    Extend,
    FollowMeeting,
    LeaveAgenda,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    RecordSpending,
    RemoveOption,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Withdraw,
)
from domain.request.decision import Minute
from domain.request.draft import Period, Recommendation, RequestDraft
from domain.request.errors import (
    AuthorIsTheCreator,
    CoAuthorsNamedByAuthor,
    DuplicateOption,
    EvaluationNotReported,
    NewPeriodOverlapsPrevious,
    ReferenceCannotChange,
    UnknownOption,
)
from domain.request.models import CycleSummary, RequestState, Stage
from domain.values import evolve, format_pence, quote_ids


def run_step(
    state: RequestState, command: Command, actor: Actor, now: datetime
) -> Step[RequestState]:
    """Dispatch ``command`` to its step, once its role and stage have been checked."""
    match command:
        case EditDraft():
            return _edit_draft(state, command, actor)
        case SubmitDraft():
            rules.check_draft_complete(state.draft)
            check_draft_citations(state.draft)
            return Step(
                evolve(state, stage=Stage.option_listing),
                f"Submitted the draft for option listing (cost "
                f"{format_pence(state.draft.total_pence)}).",
            )
        case AddOption():
            return _add_option(state, command)
        case RemoveOption():
            return _remove_option(state, command)
        case SetRecommendation():
            return _set_recommendation(state, command.recommendation)
        case TableRequest():
            return at_meeting.table(state, command, now)
        case FollowMeeting():
            return at_meeting.follow_meeting(state, command, now)
        case LeaveAgenda():
            return at_meeting.leave_agenda(state, command)
        case Withdraw():
            return Step(
                evolve(state, stage=Stage.withdrawn), "Withdrew the request.", command.reason
            )
        case RecordAttendance():
            return at_meeting.record_attendance(state, command)
        case OpenVote():
            return at_meeting.open_vote(state)
        case AmendRecommendation():
            return at_meeting.amend(state, command)
        case CastVote():
            return at_meeting.cast_vote(state, command, actor)
        case CloseVote():
            if command.defer_reason is not None:
                return at_meeting.defer(state, command.defer_reason, now)
            return at_meeting.close_vote(state, command, actor, now)
        case Defer():
            return at_meeting.defer(state, command.reason, now)
        case RecordMinute():
            return _record_minute(state, command, actor)
        case ConfirmMinutes():
            return Step(
                evolve(state, stage=Stage.evaluation, minutes_confirmed_at=now),
                "Confirmed the minutes: the decision is final.",
            )
        case ReportEvaluation():
            return _report_evaluation(state, command, actor)
        case ConfirmFunding():
            return follow_through.confirm_funding(state, command, actor, now)
        case RecordSpending():
            return follow_through.record_spending(state, command, actor, now)
        case Extend():
            _require_evaluation(state, "extend")
            return Step(
                next_cycle_state(state, command.new_period),
                f"Extended into cycle {state.cycle + 1} for {command.new_period.label}; "
                "back to option listing.",
                command.reason,
            )
        case Close():
            _require_evaluation(state, "close")
            return Step(evolve(state, stage=Stage.closed), "Closed the request.", command.reason)
    raise TypeError(f"no step for command {type(command).__name__}")


# --- drafting and option listing -----------------------------------------------------


def _edit_draft(state: RequestState, command: EditDraft, actor: Actor) -> Step[RequestState]:
    sent = command.draft
    if sent.author_id is not None and sent.author_id != state.author_id:
        raise AuthorIsTheCreator(
            f"Cannot edit {state.reference}: the edit names {sent.author_id} as its author, "
            f"and the author is the officer who created it, {state.author_id} "
            "(draft.author_id). Leave draft.author_id out; name colleagues in "
            "draft.co_author_ids.",
            field="draft.author_id",
        )
    if sent.co_author_ids != state.draft.co_author_ids and actor.user_id != state.author_id:
        raise CoAuthorsNamedByAuthor(
            f"Cannot edit {state.reference}: only its author ({state.author_id}) names its "
            f"co-authors, and {actor.name} ({actor.user_id}) is a co-author "
            "(draft.co_author_ids).",
            field="draft.co_author_ids",
        )
    if state.author_id in sent.co_author_ids:
        raise CoAuthorsNamedByAuthor(
            f"Cannot edit {state.reference}: {state.author_id} is its author, so cannot also "
            "be a co-author (draft.co_author_ids).",
            field="draft.co_author_ids",
        )
    draft = RequestDraft.model_validate({**dict(sent), "author_id": state.author_id})
    if draft.reference != state.reference:
        raise ReferenceCannotChange(
            f"Cannot edit {state.reference}: the edit changes the reference to "
            f"{draft.reference} (draft.reference). A request keeps its reference for life; "
            "start a new request instead.",
            field="draft.reference",
        )
    changed = [
        name
        for name in RequestDraft.model_fields
        if getattr(draft, name) != getattr(state.draft, name)
    ]
    what = ", ".join(changed) if changed else "nothing"
    return Step(evolve(state, draft=draft), f"Edited the draft; changed: {what}.")


def _add_option(state: RequestState, command: AddOption) -> Step[RequestState]:
    option = command.option
    if state.option(option.option_id) is not None:
        raise DuplicateOption(
            f"Cannot list option '{option.option_id}' on {state.reference}: an option with that "
            "id is already listed (option.option_id). Remove it first, or use another id.",
            field="option.option_id",
        )
    return Step(
        evolve(state, options=(*state.options, option)),
        f"Listed option '{option.option_id}': {option.source_label}, "
        f"{format_pence(option.amount_pence)}, {option.period.label}.",
    )


def _remove_option(state: RequestState, command: RemoveOption) -> Step[RequestState]:
    option_id = command.option_id
    if state.option(option_id) is None:
        raise UnknownOption(
            f"Cannot remove option '{option_id}' from {state.reference}: no such option is "
            "listed (option_id).",
            field="option_id",
        )
    remaining = tuple(o for o in state.options if o.option_id != option_id)
    after = evolve(state, options=remaining)
    return Step(after, f"Removed option '{option_id}'.{_unlisted_note(after)}")


def _set_recommendation(state: RequestState, recommendation: Recommendation) -> Step[RequestState]:
    if not recommendation.option_ids:
        naming = "naming no option yet"
    else:
        verb = "a choice of one of" if recommendation.mode == "one_of" else "agreeing"
        naming = f"{verb} {quote_ids(recommendation.option_ids)}"
    after = evolve(state, recommendation=recommendation)
    return Step(after, f"Set the recommendation, {naming}.{_unlisted_note(after)}")


def _unlisted_note(state: RequestState) -> str:
    # Options are immutable, so changing one is remove-then-add, and an officer may
    # write the recommendation before listing its options: a recommendation naming an
    # unlisted option is allowed while listing, noted here, and refused at tabling.
    recommendation = state.recommendation
    if recommendation is None:
        return ""
    unlisted = [i for i in recommendation.option_ids if state.option(i) is None]
    if not unlisted:
        return ""
    return f" The recommendation names {quote_ids(unlisted)}, not listed yet."


# --- after the decision --------------------------------------------------------------


def _record_minute(state: RequestState, command: RecordMinute, actor: Actor) -> Step[RequestState]:
    minute = command.minute
    rules.check_recorded_by(actor, minute.recorded_by, "minute.recorded_by", "minute")
    rules.check_minute(state, minute)
    follow_through.check_funding_condition(state, minute)
    period = minute.period.label if minute.period else ""
    phases = state.decision.phases if state.decision else ()
    by_phase = f" By phase: {'; '.join(p.text for p in phases)}." if phases else ""
    if phases:
        minute = Minute.model_validate({**dict(minute), "phases": phases})
    return Step(
        evolve(state, stage=Stage.minuted, minute=minute),
        f"Minuted the approval of {quote_ids(minute.agreed_option_ids)}: "
        f"{format_pence(minute.amount_pence)}, {period}; {len(minute.actions)} action(s)."
        f"{by_phase}{follow_through.minute_funding_note(minute)}",
    )


def _report_evaluation(
    state: RequestState, command: ReportEvaluation, actor: Actor
) -> Step[RequestState]:
    report = command.report
    rules.check_recorded_by(actor, report.reported_by, "report.reported_by", "report")
    follow_through.check_payment_by_results(report)
    missing = rules.unreported_measures(state, report)
    gap = f" Not reported: {quote_ids(missing)}." if missing else ""
    return Step(
        evolve(state, evaluation=report),
        f"Reported the evaluation; the officer recommends: {report.recommendation}.{gap}"
        f"{follow_through.payment_note(report)}",
    )


def _require_evaluation(state: RequestState, doing: str) -> None:
    if state.evaluation is None:
        raise EvaluationNotReported(
            f"Cannot {doing} {state.reference}: the evaluation has not been reported "
            "(evaluation is empty). The forum decides what happens next on the evidence.",
            field="evaluation",
        )


def next_cycle_state(state: RequestState, new_period: Period) -> RequestState:
    """The first state of the next funding cycle, in option listing for ``new_period``.

    The agreed funding of the cycle just ended is kept in ``previous_cycles``; the draft
    carries over with its period moved on; options, recommendation, meeting, votes,
    decision, minute, evaluation and deferrals start afresh; the audit trail continues.
    """
    decision, minute = state.decision, state.minute
    if decision is None or minute is None or minute.period is None:
        raise ValueError(f"{state.reference} has no minuted approval to extend")
    if new_period.start <= minute.period.end:
        raise NewPeriodOverlapsPrevious(
            f"Cannot extend {state.reference} for {new_period.label}: the current period runs "
            f"to {format_uk_date(minute.period.end)}, so the new one must start after it "
            "(new_period.start).",
            field="new_period.start",
        )
    ended = CycleSummary(
        cycle=state.cycle,
        outcome=decision.outcome,
        agreed_option_ids=minute.agreed_option_ids,
        amount_pence=minute.amount_pence,
        period=minute.period,
    )
    draft = RequestDraft.model_validate({**dict(state.draft), "period": new_period})
    return RequestState(
        cycle=state.cycle + 1,
        stage=Stage.option_listing,
        draft=draft,
        settings=state.settings,
        audit=state.audit,
        previous_cycles=(*state.previous_cycles, ended),
    )
