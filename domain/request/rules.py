"""A request's rules as pure functions: each either returns a fact or raises the refusal.

This module holds the rules for drafting, tabling, minuting and evaluation; who may vote
and the count are in ``domain.request.voting`` and ``domain.request.tally``. Nothing here
changes state: the steps (``domain.request.steps``) call these before they build the next
state, so a refused command leaves no trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from domain.calendar import (
    WorkingCalendar,
    default_calendar,
    format_uk_date,
    papers_deadline,
    to_london,
)
from domain.people import Actor
from domain.request.citations import check_draft_citations
from domain.request.decision import EvaluationReport, Minute
from domain.request.draft import FundingOption, Period, Recommendation, RequestDraft
from domain.request.errors import (
    ActionDueBeforeMeeting,
    DraftIncomplete,
    MinuteAmendmentsMismatch,
    MinuteAmountMismatch,
    MinuteNamesUnlistedOption,
    MinuteOptionsDifferFromDecision,
    MinutePeriodMismatch,
    MinutePeriodMissing,
    MinutePhasesMismatch,
    MinuteWithoutFundingSource,
    NoFundingOptions,
    NoRecommendation,
    NothingToMinute,
    OptionsDoNotCoverCost,
    RecommendationNamesNoOption,
    RecommendationNamesUnknownOption,
    RecordedByMismatch,
)
from domain.request.models import RequestState
from domain.values import format_pence, quote_ids

# --- drafting ------------------------------------------------------------------------


def check_draft_complete(draft: RequestDraft) -> None:
    """Refuse to submit a draft without a purpose, a background or an evaluation plan.

    The evaluation plan is required up front because seed 000's posts ran for months
    with "impact ... as yet unmeasured": what will be measured is agreed before money is.
    """
    for field_name in ("purpose", "background"):
        if not getattr(draft, field_name).strip():
            raise DraftIncomplete(
                f"Cannot submit {draft.reference}: the draft has no {field_name} "
                f"(draft.{field_name} is empty). A submitted request must say what the money "
                "is for and why it is needed.",
                field=f"draft.{field_name}",
            )
    if draft.evaluation_plan is None:
        raise DraftIncomplete(
            f"Cannot submit {draft.reference}: the draft has no evaluation plan "
            "(draft.evaluation_plan is empty). A request must say what will be measured "
            "and when the results come back to the forum.",
            field="draft.evaluation_plan",
        )


# --- tabling -------------------------------------------------------------------------


def check_tabling(state: RequestState) -> None:
    """Refuse to table a request whose recommendation does not name specific, sufficient options.

    In order: at least one option is listed; there is a recommendation; it names at
    least one option (seed 000); every named option is listed; and the named options
    cover the cost, in this precise sense:

    * ``all_of``: the named options' amounts add up to at least the draft's total, or,
      when they fall short, every named option says in ``covers`` which part of the
      cost it pays for. A shortfall is then a declared, visible part-funding (the rest
      is met elsewhere or not at all) rather than an unnoticed gap.
    * ``one_of``: the forum will agree only one, so each named option on its own must
      reach the total or declare in ``covers`` which part it pays for.
    """
    ref = state.reference
    # A paper is only tabled on claims the register supports (seed 000, January 2019).
    check_draft_citations(state.draft)
    if not state.options:
        raise NoFundingOptions(
            f"Cannot table {ref}: no funding option is listed (options is empty). A request "
            "must list at least one specific funding option before it is tabled.",
            field="options",
        )
    recommendation = state.recommendation
    if recommendation is None:
        raise NoRecommendation(
            f"Cannot table {ref}: there is no recommendation (recommendation is empty). The "
            "forum must be told exactly what it is asked to agree.",
            field="recommendation",
        )
    if not recommendation.option_ids:
        raise RecommendationNamesNoOption(
            f"Cannot table {ref}: the recommendation names no funding option "
            "(recommendation.option_ids is empty). A request must not be tabled until its "
            "recommendation names the specific option(s) the forum is asked to agree.",
            field="recommendation.option_ids",
        )
    listed = {o.option_id for o in state.options}
    unknown = [i for i in recommendation.option_ids if i not in listed]
    if unknown:
        raise RecommendationNamesUnknownOption(
            f"Cannot table {ref}: the recommendation names {quote_ids(unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not among the listed options "
            f"({quote_ids(sorted(listed))}) (recommendation.option_ids). The recommendation may "
            "only name options listed on the request.",
            field="recommendation.option_ids",
        )
    _check_cover(state, recommendation)


def _check_cover(state: RequestState, recommendation: Recommendation) -> None:
    ref, total = state.reference, state.draft.total_pence
    named = state.recommended_options
    if recommendation.mode == "one_of":
        for option in named:
            if option.amount_pence < total and option.covers is None:
                raise OptionsDoNotCoverCost(
                    f"Cannot table {ref}: option '{option.option_id}' offers "
                    f"{format_pence(option.amount_pence)} against a cost of "
                    f"{format_pence(total)} and does not say which part of the cost it "
                    f"covers (options[{option.option_id}].covers is empty). In a choice "
                    "between options each must cover the whole cost or declare the part "
                    "it pays for.",
                    field=f"options[{option.option_id}].covers",
                )
        return
    offered = sum(o.amount_pence for o in named)
    undeclared = [o.option_id for o in named if o.covers is None]
    if offered < total and undeclared:
        raise OptionsDoNotCoverCost(
            f"Cannot table {ref}: the recommended options total {format_pence(offered)} "
            f"against a cost of {format_pence(total)}, leaving "
            f"{format_pence(total - offered)} unfunded, and {quote_ids(undeclared)} "
            "do not say which part of the cost they cover (options[...].covers is empty). "
            "The options must cover the cost, or each must declare the part it pays for.",
            field=f"options[{undeclared[0]}].covers",
        )


def late_papers_note(
    meeting_date: date,
    now: datetime,
    clear_working_days: int,
    calendar: WorkingCalendar | None = None,
) -> str | None:
    """Why the papers for ``meeting_date`` are late if tabled at ``now``, else None.

    Papers are due ``clear_working_days`` clear working days before the meeting
    (domain.calendar.papers_deadline), judged on the London date; tabling on the
    deadline day is in time. Late papers are recorded, not refused: taking a late item
    is the chair's call (and the chair is who tables), so the engine makes it visible
    in the audit trail instead. A date outside the working calendar gives a note too,
    rather than a guessed deadline.
    """
    cal = calendar if calendar is not None else default_calendar()
    today = to_london(now).date()
    if not (cal.covers(meeting_date) and cal.covers(today)):
        return (
            f"The papers deadline for {format_uk_date(meeting_date)} is unknown: the working "
            f"calendar covers {cal.first_year} to {cal.last_year} only."
        )
    deadline = papers_deadline(meeting_date, clear_working_days, cal)
    if today <= deadline:
        return None
    return (
        f"Papers are late: they were due by {format_uk_date(deadline)} "
        f"({clear_working_days} clear working days before the meeting), and it is "
        f"{format_uk_date(today)}."
    )


# --- minuting ------------------------------------------------------------------------


def options_span(options: Iterable[FundingOption]) -> Period | None:
    """The period from the earliest option start to the latest option end, or None."""
    periods = [o.period for o in options]
    if not periods:
        return None
    return Period(start=min(p.start for p in periods), end=max(p.end for p in periods))


def check_minute(state: RequestState, minute: Minute) -> None:
    """Refuse a minute that does not record the approval exactly (seed 000's lesson).

    The minute must: name agreed options, all listed on the request and exactly those
    the vote agreed (for a choice, the one option chosen; otherwise every recommended
    option); give an amount equal to the sum of those options' amounts; give a period
    equal to their span (earliest start to latest end); not contradict the meeting's
    amendments (it may leave them out, since the decision already holds them, but any
    it lists must be exactly the meeting's); and set any action for a meeting after the
    one that decided.
    """
    ref, decision = state.reference, state.decision
    if decision is None or not decision.outcome.is_approval:
        raise NothingToMinute(
            f"Cannot minute {ref}: there is no approval to record (decision).",
            field="decision",
        )
    if not minute.agreed_option_ids:
        raise MinuteWithoutFundingSource(
            f"Cannot minute the approval of {ref}: the minute names no agreed funding option "
            "(minute.agreed_option_ids is empty). An approval's minute must record which "
            "listed option(s) the forum agreed.",
            field="minute.agreed_option_ids",
        )
    listed = {o.option_id: o for o in state.options}
    unlisted = [i for i in minute.agreed_option_ids if i not in listed]
    if unlisted:
        raise MinuteNamesUnlistedOption(
            f"Cannot minute the approval of {ref}: the minute names {quote_ids(unlisted)}, which "
            f"the request never listed (minute.agreed_option_ids). Listed: "
            f"{quote_ids(sorted(listed))}.",
            field="minute.agreed_option_ids",
        )
    if set(minute.agreed_option_ids) != set(decision.chosen_option_ids):
        expected = (
            "the one option chosen" if len(decision.chosen_option_ids) == 1 else "the options"
        )
        raise MinuteOptionsDifferFromDecision(
            f"Cannot minute the approval of {ref}: the minute names "
            f"{quote_ids(minute.agreed_option_ids)} but the forum voted for {expected}, "
            f"{quote_ids(decision.chosen_option_ids)} (minute.agreed_option_ids).",
            field="minute.agreed_option_ids",
        )
    agreed = [listed[i] for i in minute.agreed_option_ids]
    _check_minute_figures(ref, minute, agreed)
    if minute.amendments and set(minute.amendments) != set(decision.amendments):
        raise MinuteAmendmentsMismatch(
            f"Cannot minute the approval of {ref}: the meeting made the amendments "
            f"{quote_ids(decision.amendments) or 'none'} but the minute records "
            f"{quote_ids(minute.amendments) or 'none'} (minute.amendments).",
            field="minute.amendments",
        )
    if minute.phases and minute.phases != decision.phases:
        raise MinutePhasesMismatch(
            f"Cannot minute the approval of {ref}: the minute gives the phases' outcomes as "
            f"{'; '.join(p.text for p in minute.phases)}, but the vote found "
            f"{'; '.join(p.text for p in decision.phases) or 'no phase vote'} "
            "(minute.phases). Leave them out: forumflow records the vote's.",
            field="minute.phases",
        )
    for action in minute.actions:
        if action.due_meeting <= decision.meeting_date:
            raise ActionDueBeforeMeeting(
                f"Cannot minute {ref}: action '{action.action_id}' is due at the meeting on "
                f"{format_uk_date(action.due_meeting)}, which is not after the meeting that "
                f"set it ({format_uk_date(decision.meeting_date)}) "
                f"(minute.actions[{action.action_id}].due_meeting).",
                field=f"minute.actions[{action.action_id}].due_meeting",
            )


def _check_minute_figures(ref: str, minute: Minute, agreed: list[FundingOption]) -> None:
    expected_amount = sum(o.amount_pence for o in agreed)
    if minute.amount_pence != expected_amount:
        raise MinuteAmountMismatch(
            f"Cannot minute the approval of {ref}: the minute records "
            f"{format_pence(minute.amount_pence)} but the agreed option(s) total "
            f"{format_pence(expected_amount)} (minute.amount_pence).",
            field="minute.amount_pence",
        )
    span = options_span(agreed)
    if minute.period is None:
        raise MinutePeriodMissing(
            f"Cannot minute the approval of {ref}: the minute does not record the funding "
            f"period (minute.period is empty); the agreed option(s) run "
            f"{span.label if span else 'for no period'}.",
            field="minute.period",
        )
    if minute.period != span:
        raise MinutePeriodMismatch(
            f"Cannot minute the approval of {ref}: the minute records {minute.period.label} "
            f"but the agreed option(s) run {span.label if span else 'for no period'} "
            "(minute.period).",
            field="minute.period",
        )


def check_recorded_by(actor: Actor, recorded_by: str, field: str, what: str) -> None:
    """Refuse a record that names someone other than the actor recording it."""
    if recorded_by != actor.user_id:
        raise RecordedByMismatch(
            f"Cannot accept the {what}: it says it was recorded by {recorded_by}, but "
            f"{actor.name} ({actor.user_id}) is recording it ({field}).",
            field=field,
        )


# --- evaluation ----------------------------------------------------------------------


def unreported_measures(state: RequestState, report: EvaluationReport) -> tuple[str, ...]:
    """The evaluation plan's measures that ``report`` gives no outcome for.

    A gap is recorded in the audit trail rather than refused: the forum may still have
    to decide on partial evidence, but it should see what is missing (seed 000: the
    posts' "impact ... as yet unmeasured").
    """
    plan = state.draft.evaluation_plan
    measured = {o.measure for o in report.outcomes}
    return tuple(m for m in (plan.measures if plan else ()) if m not in measured)
