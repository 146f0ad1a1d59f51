"""What each transition does to a request, once its role and stage have been checked.

Each step checks the rules that concern it, then returns the next state (without the
audit entry, which domain.lifecycle.apply adds) and a plain-English summary of what
changed, plus the reason when the command gave one. States are rebuilt through
validation (``evolve``), never ``model_copy``, so every state produced satisfies
RequestState's stage invariants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from domain import rules, voting
from domain.calendar import default_calendar, format_uk_date, papers_deadline
from domain.commands import (
    AddOption,
    AmendRecommendation,
    CastVote,
    Close,
    CloseVote,
    Command,
    ConfirmMinutes,
    Defer,
    EditDraft,
    Extend,
    FollowMeeting,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    RemoveOption,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Withdraw,
)
from domain.errors import (
    AlreadyAtMeetingDate,
    AmendmentAfterVotesCast,
    AuthorIsTheCreator,
    CoAuthorsNamedByAuthor,
    DuplicateOption,
    EvaluationNotReported,
    NewPeriodOverlapsPrevious,
    NotAMember,
    NoVotesCast,
    ReferenceCannotChange,
    TabledForAnotherDate,
    UnknownOption,
)
from domain.models import (
    Actor,
    CycleSummary,
    Decision,
    DecisionOutcome,
    DecisionType,
    Deferral,
    Minute,
    Period,
    PhaseDecision,
    PhaseOutcome,
    Recommendation,
    RequestDraft,
    RequestState,
    Stage,
    Tally,
    Vote,
    format_pence,
    quote_ids,
)


@dataclass(frozen=True)
class RuleSet:
    """Which rules added since the first release a command is judged by.

    New commands get every rule (the defaults). A workflow run recorded before a rule
    existed replays without it, so its history means what it meant when written.
    """

    authors_only: bool = True
    """Only a request's author and co-authors make the officer's changes."""
    dedelegation_by_phase: bool = True
    """De-delegation is decided by the maintained primary and secondary members, each
    phase for its own schools (domain.voting.DEDELEGATION_GROUPS)."""


CURRENT_RULES = RuleSet()


class Step(NamedTuple):
    """A step's result: the next state, what changed, and why (when a reason was given)."""

    state: RequestState
    summary: str
    reason: str | None = None


def evolve(state: RequestState, **changes: Any) -> RequestState:
    """``state`` with ``changes``, validated like any new state."""
    return RequestState.model_validate({**dict(state), **changes})


def run_step(
    state: RequestState,
    command: Command,
    actor: Actor,
    now: datetime,
    rule_set: RuleSet = CURRENT_RULES,
) -> Step:
    """Dispatch ``command`` to its step, judged by ``rule_set``."""
    by_phase = rule_set.dedelegation_by_phase
    match command:
        case EditDraft():
            return _edit_draft(state, command, actor)
        case SubmitDraft():
            rules.check_draft_complete(state.draft)
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
            return _table(state, command, now)
        case FollowMeeting():
            return _follow_meeting(state, command, now)
        case Withdraw():
            return Step(
                evolve(state, stage=Stage.withdrawn), "Withdrew the request.", command.reason
            )
        case RecordAttendance():
            return _record_attendance(state, command)
        case OpenVote():
            return _open_vote(state, by_phase)
        case AmendRecommendation():
            return _amend(state, command)
        case CastVote():
            return _cast_vote(state, command, actor, by_phase)
        case CloseVote():
            if command.defer_reason is not None:
                return _defer(state, command.defer_reason, now)
            return _close_vote(state, command, actor, now, by_phase)
        case Defer():
            return _defer(state, command.reason, now)
        case RecordMinute():
            return _record_minute(state, command, actor)
        case ConfirmMinutes():
            return Step(
                evolve(state, stage=Stage.evaluation, minutes_confirmed_at=now),
                "Confirmed the minutes: the decision is final.",
            )
        case ReportEvaluation():
            return _report_evaluation(state, command, actor)
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


def _edit_draft(state: RequestState, command: EditDraft, actor: Actor) -> Step:
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


def _add_option(state: RequestState, command: AddOption) -> Step:
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


def _remove_option(state: RequestState, command: RemoveOption) -> Step:
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


def _set_recommendation(state: RequestState, recommendation: Recommendation) -> Step:
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


# --- the meeting ---------------------------------------------------------------------


def _table(state: RequestState, command: TableRequest, now: datetime) -> Step:
    rules.check_tabling(state)
    settings = state.settings
    note = rules.late_papers_note(command.meeting_date, now, settings.papers_clear_working_days)
    late = f" {note}" if note else ""
    quorum = voting.quorum_required(
        command.membership.total, settings.quorum_numerator, settings.quorum_denominator
    )
    return Step(
        evolve(
            state,
            stage=Stage.tabled,
            meeting_date=command.meeting_date,
            membership=command.membership,
            present_member_ids=(),
            votes=(),
            amendments=(),
        ),
        f"Tabled for the meeting on {format_uk_date(command.meeting_date)} "
        f"({command.membership.total} members; quorum {quorum}).{late}",
    )


def _follow_meeting(state: RequestState, command: FollowMeeting, now: datetime) -> Step:
    tabled_for, moved_to = state.meeting_date, command.meeting_date
    if tabled_for == moved_to:
        raise AlreadyAtMeetingDate(
            f"Cannot move {state.reference} with {command.meeting_id}: it is already tabled "
            f"for {format_uk_date(moved_to)} (meeting_date), so the move has reached it.",
            field="meeting_date",
        )
    if tabled_for is None or tabled_for != command.from_date:
        raise TabledForAnotherDate(
            f"Cannot move {state.reference} with {command.meeting_id}: the request is tabled "
            f"for {format_uk_date(tabled_for) if tabled_for else 'no meeting'}, not "
            f"{format_uk_date(command.from_date)} (from_date).",
            field="from_date",
        )
    days = state.settings.papers_clear_working_days
    note = rules.late_papers_note(moved_to, now, days)
    # Attendance is taken at the meeting; any recorded for the old day no longer holds.
    cleared = " Attendance taken for the old day was cleared." if state.present_member_ids else ""
    papers = (
        f"; papers now due by 5pm on {format_uk_date(papers_deadline(moved_to, days))}"
        if default_calendar().covers(moved_to)
        else ""
    )
    return Step(
        evolve(state, meeting_date=moved_to, present_member_ids=()),
        f"Moved with {command.meeting_id} from {format_uk_date(tabled_for)} to "
        f"{format_uk_date(moved_to)}{papers}.{cleared}{f' {note}' if note else ''}",
        command.reason,
    )


def _record_attendance(state: RequestState, command: RecordAttendance) -> Step:
    membership = voting.membership_of(state)
    strangers = [i for i in command.present_member_ids if membership.get(i) is None]
    if strangers:
        raise NotAMember(
            f"Cannot record attendance for {state.reference}: "
            f"{quote_ids(strangers)} "
            f"{'is' if len(strangers) == 1 else 'are'} not on the forum's membership "
            "(present_member_ids).",
            field="present_member_ids",
        )
    settings = state.settings
    quorum = voting.quorum_required(
        membership.total, settings.quorum_numerator, settings.quorum_denominator
    )
    present = len(command.present_member_ids)
    verdict = "quorate" if present >= quorum else "not quorate"
    return Step(
        evolve(state, present_member_ids=command.present_member_ids),
        f"Recorded {present} of {membership.total} members present (quorum {quorum}): {verdict}.",
    )


def _open_vote(state: RequestState, by_phase: bool) -> Step:
    voting.check_quorum(state)
    voting.check_voters(state, by_phase=by_phase)
    decision_type = voting.vote_decision_type(state)
    membership = voting.membership_of(state)
    voters = voting.eligible_voters(
        decision_type, membership, state.present_member_ids, by_phase=by_phase
    )
    summary = f"Opened the vote: a {decision_type} decision with {len(voters)} eligible voters"
    if decision_type is DecisionType.dedelegation and by_phase:
        counts = [
            f"{sum(1 for m in membership.members if m.group is group and m.member_id in voters)} "
            f"{group.label}"
            for group in voting.DEDELEGATION_GROUPS
        ]
        summary += f" ({' and '.join(counts)}), each phase deciding for its own schools"
    return Step(evolve(state, stage=Stage.voting), summary + ".")


def _amend(state: RequestState, command: AmendRecommendation) -> Step:
    # Members who already voted voted on the unamended text; amending now would
    # record their votes against words they never saw.
    if state.votes:
        raise AmendmentAfterVotesCast(
            f"Cannot amend the recommendation on {state.reference}: {len(state.votes)} "
            "member(s) have already voted on it (votes). Amendments are made before the "
            "vote; defer the request if the text must change now.",
            field="votes",
        )
    return Step(
        evolve(state, amendments=(*state.amendments, command.amendment)),
        f"Amended the recommendation: {command.amendment}.",
    )


def _cast_vote(state: RequestState, command: CastVote, actor: Actor, by_phase: bool) -> Step:
    vote = Vote(member_id=actor.user_id, choice=command.choice, option_id=command.option_id)
    voting.check_vote(state, actor, vote, by_phase=by_phase)
    supporting = f" (option '{vote.option_id}')" if vote.option_id else ""
    return Step(
        evolve(state, votes=(*state.votes, vote)),
        f"{actor.name} voted {vote.choice}{supporting}.",
    )


def _close_vote(
    state: RequestState, command: CloseVote, actor: Actor, now: datetime, by_phase: bool
) -> Step:
    recommendation = state.recommendation
    meeting_date = state.meeting_date
    if recommendation is None or meeting_date is None:
        raise ValueError(f"{state.reference} is voting without a recommendation or meeting")
    if not state.votes:
        # Closing an empty vote would reject the request by a slip of the chair's hand.
        raise NoVotesCast(
            f"Cannot close the vote on {state.reference}: nobody has voted yet (votes). "
            "Record the votes (abstentions included) first, or defer the request.",
            field="votes",
        )
    decision_type = voting.vote_decision_type(state)
    membership = voting.membership_of(state)
    phases: tuple[PhaseDecision, ...] = ()
    if decision_type is DecisionType.dedelegation and by_phase:
        outcome, counted, chosen, phases = voting.tally_by_phase(
            state.votes,
            membership,
            state.present_member_ids,
            recommendation=recommendation,
            amended=bool(state.amendments),
            casting_given=command.chair_casting_choice is not None
            or command.chair_casting_option_id is not None,
        )
        count = "; ".join(phase.text for phase in phases)
    else:
        eligible = voting.eligible_voters(
            decision_type, membership, state.present_member_ids, by_phase=by_phase
        )
        outcome, counted, chosen = voting.tally(
            state.votes,
            eligible,
            actor.user_id,
            state.settings.chair_has_casting_vote,
            command.chair_casting_choice,
            recommendation=recommendation,
            amended=bool(state.amendments),
            chair_casting_option_id=command.chair_casting_option_id,
        )
        count = _count_text(counted)
    reason = None if outcome.is_approval else f"The vote was lost: {count}."
    decision = Decision(
        outcome=outcome,
        decided_at=now,
        meeting_date=meeting_date,
        tally=counted,
        chosen_option_ids=chosen,
        amendments=state.amendments,
        reason=reason,
        phases=phases,
    )
    stage = Stage.decided if outcome.is_approval else Stage.rejected
    agreed = f", agreeing {quote_ids(chosen)}" if chosen else ""
    words = _OUTCOME_WORDS[outcome]
    if phases and outcome.is_approval:
        deciding = [p.group.phase for p in phases if p.outcome is PhaseOutcome.approved]
        words += f" for maintained {' and '.join(str(d) for d in deciding)} schools"
    return Step(
        evolve(state, stage=stage, decision=decision),
        f"Closed the vote: {words} ({count}){agreed}.",
        reason,
    )


_OUTCOME_WORDS = {
    DecisionOutcome.approved: "approved",
    DecisionOutcome.approved_as_amended: "approved as amended",
    DecisionOutcome.rejected: "rejected",
    DecisionOutcome.deferred: "deferred",
}


def _count_text(tally: Tally) -> str:
    text = f"{tally.for_count} for, {tally.against_count} against, {tally.abstentions} abstaining"
    return text + ("; decided by the chair's casting vote" if tally.casting_vote_used else "")


def _defer(state: RequestState, reason: str, now: datetime) -> Step:
    meeting_date = state.meeting_date
    if meeting_date is None:
        raise ValueError(f"{state.reference} is being deferred without a meeting")
    deferral = Deferral(reason=reason, meeting_date=meeting_date, at=now)
    return Step(
        evolve(
            state,
            stage=Stage.option_listing,
            meeting_date=None,
            membership=None,
            present_member_ids=(),
            votes=(),
            amendments=(),
            deferrals=(*state.deferrals, deferral),
        ),
        f"Deferred at the meeting on {format_uk_date(meeting_date)}; back to option listing.",
        reason,
    )


# --- after the decision --------------------------------------------------------------


def _record_minute(state: RequestState, command: RecordMinute, actor: Actor) -> Step:
    minute = command.minute
    rules.check_recorded_by(actor, minute.recorded_by, "minute.recorded_by", "minute")
    rules.check_minute(state, minute)
    period = minute.period.label if minute.period else ""
    phases = state.decision.phases if state.decision else ()
    by_phase = f" By phase: {'; '.join(p.text for p in phases)}." if phases else ""
    if phases:
        minute = Minute.model_validate({**dict(minute), "phases": phases})
    return Step(
        evolve(state, stage=Stage.minuted, minute=minute),
        f"Minuted the approval of {quote_ids(minute.agreed_option_ids)}: "
        f"{format_pence(minute.amount_pence)}, {period}; {len(minute.actions)} action(s)."
        f"{by_phase}",
    )


def _report_evaluation(state: RequestState, command: ReportEvaluation, actor: Actor) -> Step:
    report = command.report
    rules.check_recorded_by(actor, report.reported_by, "report.reported_by", "report")
    missing = rules.unreported_measures(state, report)
    gap = f" Not reported: {quote_ids(missing)}." if missing else ""
    return Step(
        evolve(state, evaluation=report),
        f"Reported the evaluation; the officer recommends: {report.recommendation}.{gap}",
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
