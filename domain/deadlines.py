"""The deadlines of a funding request, computed from its state alone.

Each deadline has an instant (5pm Europe/London, carried as an aware
datetime), who must act, and a stable key, so the workflow can hold timers
for it and reminders can be delivered once per key. A deadline is listed only
while its work is undone: the workflow escalates one that is still listed when
it falls due. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, Field

from domain.calendar import (
    DecisionPlan,
    add_months,
    annual_dsg_decision_date,
    at_close_of_business,
    default_calendar,
    financial_year_of,
    format_uk_date,
    latest_decision_date,
    london_midnight,
    next_annual_dsg_decision,
    papers_deadline,
    plan_procurement_decision,
)
from domain.people import Role
from domain.request.models import RequestState, Stage
from domain.values import DomainModel


class DeadlineKind(StrEnum):
    """What is due."""

    papers = "papers"
    minutes_draft = "minutes_draft"
    evaluation_report = "evaluation_report"
    funding_period_end = "funding_period_end"
    annual_dsg_decision = "annual_dsg_decision"
    procurement_decision = "procurement_decision"
    action_due = "action_due"
    funding_confirmation = "funding_confirmation"


class Deadline(DomainModel):
    """Something someone must do by a moment, and who."""

    key: str = Field(
        description="stable per request, cycle and deadline: keys timers and reminders"
    )
    kind: DeadlineKind
    due: AwareDatetime
    label: str
    responsible_role: Role
    request_ref: str
    meeting_date: date | None = None
    escalates: bool = Field(
        description="whether the chair hears when it passes undone; a deadline is listed only "
        "while its work is undone, so still being listed at its due time means missed"
    )


def _key(state: RequestState, kind: DeadlineKind, day: date) -> str:
    return f"{state.reference}/c{state.cycle}/{kind.value}/{day.isoformat()}"


def request_deadlines(
    state: RequestState, scheduled_meetings: Sequence[date] = ()
) -> list[Deadline]:
    """Every deadline the request has now, soonest first."""
    settings = state.settings
    deadlines: list[Deadline] = []

    def add(kind: DeadlineKind, day: date, label: str, role: Role, **extra: object) -> None:
        deadlines.append(
            Deadline.model_validate(
                {
                    "key": _key(state, kind, day),
                    "kind": kind,
                    "due": at_close_of_business(day),
                    "label": label,
                    "responsible_role": role,
                    "request_ref": state.reference,
                    **extra,
                }
            )
        )

    if state.stage is Stage.tabled and state.meeting_date is not None:
        day = papers_deadline(state.meeting_date, settings.papers_clear_working_days)
        add(
            DeadlineKind.papers,
            day,
            f"Papers for the {format_uk_date(state.meeting_date)} meeting",
            Role.officer,
            meeting_date=state.meeting_date,
            # Publication is not a step forumflow records, so it can only be reminded.
            escalates=False,
        )
    if state.stage is Stage.decided and state.decision is not None:
        day = default_calendar().add_working_days(
            state.decision.meeting_date, settings.minutes_draft_working_days
        )
        add(
            DeadlineKind.minutes_draft,
            day,
            f"Draft minute of the {format_uk_date(state.decision.meeting_date)} decision",
            Role.clerk,
            meeting_date=state.decision.meeting_date,
            escalates=True,
        )
    funded = state.stage in (Stage.minuted, Stage.evaluation)
    plan = state.draft.evaluation_plan
    if funded and plan is not None and state.evaluation is None:
        add(
            DeadlineKind.evaluation_report,
            plan.report_due,
            "Evaluation report to the forum",
            Role.officer,
            escalates=True,
        )
    minute = state.minute
    if (
        funded
        and minute is not None
        and minute.funding_due is not None
        and state.funding_confirmation is None
    ):
        add(
            DeadlineKind.funding_confirmation,
            minute.funding_due,
            f"Confirm the funding agreed on condition: {minute.funding_condition}",
            Role.officer,
            # Money being spent that was never confirmed is seed 000's story: the chair hears.
            escalates=True,
        )
    if funded:
        add(
            DeadlineKind.funding_period_end,
            state.draft.period.end,
            f"End of funding period {state.cycle}: extend or close",
            Role.chair,
            escalates=True,
        )
        if state.draft.recurrent:
            decision_day = next_annual_dsg_decision(
                state.decision.meeting_date if state.decision else state.draft.period.start,
                settings.dsg_decision_month,
            )
            add(
                DeadlineKind.annual_dsg_decision,
                decision_day,
                f"Annual DSG decision ({decision_day:%B %Y}) on continuing this funding",
                Role.chair,
                escalates=True,
            )
    service_start = state.draft.service_start
    undecided = state.stage in (Stage.drafting, Stage.option_listing, Stage.tabled, Stage.voting)
    if state.draft.procurement_needed and service_start is not None and undecided:
        day = latest_decision_date(service_start, settings.procurement_lead_in_months)
        add(
            DeadlineKind.procurement_decision,
            day,
            f"Latest decision for a service starting {format_uk_date(service_start)} "
            f"({settings.procurement_lead_in_months}-month procurement lead-in)",
            Role.officer,
            escalates=True,
        )
        last_meeting_plan = plan_procurement_decision(
            service_start,
            scheduled_meetings,
            settings.procurement_lead_in_months,
            settings.papers_clear_working_days,
            today=day,
        )
        if last_meeting_plan.last_meeting and last_meeting_plan.papers_deadline:
            add(
                DeadlineKind.papers,
                last_meeting_plan.papers_deadline,
                f"Papers for the {format_uk_date(last_meeting_plan.last_meeting)} meeting, "
                "the last before the procurement decision deadline",
                Role.officer,
                meeting_date=last_meeting_plan.last_meeting,
                escalates=False,
            )
    for minute_action in state.minute.actions if state.minute else ():
        if not minute_action.done:
            add(
                DeadlineKind.action_due,
                minute_action.due_meeting,
                f"Action for the {format_uk_date(minute_action.due_meeting)} meeting: "
                f"{minute_action.description} ({minute_action.owner})",
                Role.officer,
                meeting_date=minute_action.due_meeting,
                # The meeting's action log carries it forward and tells the chair.
                escalates=False,
            )
    return sorted(deadlines, key=lambda deadline: (deadline.due, deadline.key))


def procurement_warning(
    state: RequestState, scheduled_meetings: Sequence[date], today: date
) -> str | None:
    """A plain warning when no scheduled meeting can meet the procurement lead-in, and
    when the forum's annual DSG decision would come too late for it."""
    lead_in = _lead_in_warning(state, scheduled_meetings, today)
    annual = annual_decision_too_late(state, scheduled_meetings)
    parts = [text for text in (annual, lead_in) if text is not None]
    return " ".join(parts) if parts else None


def _lead_in_warning(
    state: RequestState, scheduled_meetings: Sequence[date], today: date
) -> str | None:
    service_start = state.draft.service_start
    if not state.draft.procurement_needed or service_start is None:
        return None
    return plan_procurement_decision(
        service_start,
        scheduled_meetings,
        state.settings.procurement_lead_in_months,
        state.settings.papers_clear_working_days,
        today=today,
    ).warning


_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def _how_late(decide_by: date, decided: date) -> str:
    """ "six months", "one month and 3 days", "12 days": how far ``decided`` is past
    ``decide_by``, in whole calendar months first, as a paper would say it."""
    months = (decided.year - decide_by.year) * 12 + decided.month - decide_by.month
    if decided.day < decide_by.day:
        months -= 1
    days = (decided - add_months(decide_by, months)).days
    parts = []
    if months:
        word = _NUMBER_WORDS[months] if months < len(_NUMBER_WORDS) else str(months)
        parts.append(f"{word} month{'s' if months != 1 else ''}")
    if days or not months:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " and ".join(parts)


def _plan_at_the_latest(
    state: RequestState, service_start: date, scheduled_meetings: Sequence[date]
) -> DecisionPlan:
    """The procurement plan as it stands on the latest decision date itself: the last
    meeting that can still decide, and its papers deadline, whatever today is."""
    settings = state.settings
    decide_by = latest_decision_date(service_start, settings.procurement_lead_in_months)
    return plan_procurement_decision(
        service_start,
        scheduled_meetings,
        settings.procurement_lead_in_months,
        settings.papers_clear_working_days,
        today=decide_by,
    )


def annual_decision_too_late(
    state: RequestState, scheduled_meetings: Sequence[date] = ()
) -> str | None:
    """When a procurement must be decided before the forum's annual DSG decision for the
    year the service starts in, say so with the dates; None otherwise.

    Recurrent DSG money is normally agreed at the forum's annual decision (October in
    the Staffordshire paper, seed 003), and an officer may plan to bring the request
    then. A service starting 1 April 2020 with a 12-month lead-in must be decided by
    1 April 2019, so the annual decision on 1 October 2019 would be six months too late.
    """
    service_start = state.draft.service_start
    settings = state.settings
    if not state.draft.procurement_needed or service_start is None:
        return None
    plan = _plan_at_the_latest(state, service_start, scheduled_meetings)
    decide_by = plan.latest_decision_date
    annual = annual_dsg_decision_date(financial_year_of(service_start), settings.dsg_decision_month)
    if annual <= decide_by:
        return None
    if plan.last_meeting is not None and plan.papers_deadline is not None:
        where = (
            f", at the {format_uk_date(plan.last_meeting)} meeting with papers published by "
            f"{format_uk_date(plan.papers_deadline)}"
        )
    else:
        where = ", and no scheduled meeting falls on or before that date"
    return (
        f"The annual DSG decision on {format_uk_date(annual)} would be "
        f"{_how_late(decide_by, annual)} too late: a service starting "
        f"{format_uk_date(service_start)} needs a {settings.procurement_lead_in_months}-month "
        f"procurement lead-in, so the forum must decide by {format_uk_date(decide_by)}{where}."
    )


class DraftingWarning(DomainModel):
    """A warning to send while drafting, keyed by what it is about rather than its wording."""

    key: str = Field(description="the notice's idempotency key: stable while its facts hold")
    text: str


def drafting_warning(
    state: RequestState, scheduled_meetings: Sequence[date], today: date
) -> DraftingWarning | None:
    """While drafting: the procurement warning, if no scheduled meeting can meet the lead-in.

    Its text names today's date, so the key is not made from the text: it is the
    procurement decision deadline's key plus ``/warning``, the scheme its reminders use,
    so the warning goes once per latest decision date (a new service start warns anew).
    """
    service_start = state.draft.service_start
    if state.stage is not Stage.drafting or service_start is None:
        return None
    text = _lead_in_warning(state, scheduled_meetings, today)
    if text is None:
        return None
    day = latest_decision_date(service_start, state.settings.procurement_lead_in_months)
    key = f"{_key(state, DeadlineKind.procurement_decision, day)}/warning"
    return DraftingWarning(key=key, text=text)


def annual_decision_warning(
    state: RequestState, scheduled_meetings: Sequence[date]
) -> DraftingWarning | None:
    """While drafting: the warning that the annual DSG decision is too late for the
    procurement, keyed like the procurement decision's reminders plus
    ``/annual-dsg-decision``, so it goes once per latest decision date."""
    service_start = state.draft.service_start
    if state.stage is not Stage.drafting or service_start is None:
        return None
    text = annual_decision_too_late(state, scheduled_meetings)
    if text is None:
        return None
    day = latest_decision_date(service_start, state.settings.procurement_lead_in_months)
    key = f"{_key(state, DeadlineKind.procurement_decision, day)}/annual-dsg-decision"
    return DraftingWarning(key=key, text=text)


def drafting_warning_starts(
    state: RequestState, scheduled_meetings: Sequence[date]
) -> datetime | None:
    """When the procurement warning starts to hold if nothing else changes: the start of the
    London day after the last usable meeting's papers deadline (None: not drafting, no
    procurement, or no meeting falls before the latest decision date)."""
    service_start = state.draft.service_start
    if state.stage is not Stage.drafting or not state.draft.procurement_needed:
        return None
    if service_start is None:
        return None
    plan = _plan_at_the_latest(state, service_start, scheduled_meetings)
    if plan.papers_deadline is None:
        return None
    return london_midnight(plan.papers_deadline + timedelta(days=1))
