"""Reminders and escalations of a request's deadlines, across months of skipped time.

The time-skipping server's clock starts at the present, so these scenarios are
placed relative to it (the seeds' own 2019 and 2020 dates are checked exactly
in tests/domain/test_deadlines.py); everything else is real: timers, the
notification activity, the delivery log and a local SMTP server.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import EVALUATION, OFFICER, middlesbrough_draft
from domain.calendar import LONDON
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.commands import ReportEvaluation
from domain.request.draft import EvaluationPlan, Period
from tests.lifecycle.drive import evaluated_request, new_reference
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]

CHAIR = Contact(name="Forum Chair", email="chair@forum.example.org")
SETTINGS = ForumSettings(contacts=ForumContacts(chair=CHAIR))
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})


def five_pm(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=LONDON)


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    await env.sleep(moment - await env.get_current_time())


def notices_by_suffix(keys: list[str], marker: str) -> dict[str, str]:
    """``{"reminder/28d": key, ..., "escalation": key}`` for keys containing ``marker``."""
    return {key.split(marker, 1)[1].split("/", 1)[1]: key for key in keys if marker in key}


async def test_procurement_lead_in_is_reminded_then_escalated(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """Service start 1 April: reminders 28, 7 and 1 days before the lead-in date, then the chair."""
    # No meeting is scheduled, so the drafting warning goes too, at once, and so does the
    # warning that the October DSG decision is six months too late for an April start.
    today = (await env.get_current_time()).astimezone(LONDON).date()
    service_start = date(today.year + 2, 4, 1)
    latest_decision = five_pm(date(service_start.year - 1, 4, 1))
    draft = middlesbrough_draft(new_reference()).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=date(service_start.year + 1, 3, 31)),
        }
    )
    created = await env.get_current_time()
    await forum.create(draft, AUTHOR, SETTINGS)
    await sleep_until(env, latest_decision + timedelta(days=1))
    trail = await forum.audit_trail(draft.reference)

    sent = {n.key: n for n in trail.notices}
    procurement = notices_by_suffix(list(sent), "/procurement_decision/")
    assert set(procurement) == {
        "reminder/28d",
        "reminder/7d",
        "reminder/1d",
        "escalation",
        "warning",
        "annual-dsg-decision",
    }
    assert sent[procurement["warning"]].at - created < timedelta(minutes=1)
    assert sent[procurement["annual-dsg-decision"]].at - created < timedelta(minutes=1)
    for offset in (28, 7, 1):
        expected = latest_decision - timedelta(days=offset)
        assert abs(sent[procurement[f"reminder/{offset}d"]].at - expected) < timedelta(minutes=1)
    assert abs(sent[procurement["escalation"]].at - latest_decision) < timedelta(minutes=1)
    mailed = {m.message["X-Forumflow-Key"].strip(): m.message for m in smtp_server.messages}
    assert set(procurement.values()) <= set(mailed)
    assert CHAIR.email in mailed[procurement["escalation"]]["To"]
    assert AUTHOR.email in mailed[procurement["reminder/7d"]]["To"]
    assert len(smtp_server.messages) == len(set(smtp_server.keys())), "no message twice"


async def test_missed_evaluation_report_escalates_to_the_chair(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """An evaluation report not in by its date escalates; one reported in time does not."""
    today = (await env.get_current_time()).astimezone(LONDON).date()
    report_due = today + timedelta(days=60)
    plan = EvaluationPlan(measures=("referrals",), report_due=report_due)
    missed = await _minuted_with_plan(forum, plan)
    reported = await _minuted_with_plan(forum, plan)
    await sleep_until(env, five_pm(report_due) - timedelta(days=3))
    await forum.submit(reported, ReportEvaluation(report=EVALUATION), OFFICER)
    await sleep_until(env, five_pm(report_due) + timedelta(hours=1))

    missed_keys = [n.key for n in (await forum.audit_trail(missed)).notices]
    reported_keys = [n.key for n in (await forum.audit_trail(reported)).notices]
    assert any(
        k.endswith("/evaluation_report/" + report_due.isoformat() + "/escalation")
        for k in missed_keys
    )
    assert not any("evaluation_report" in k and k.endswith("/escalation") for k in reported_keys)
    assert any("evaluation_report" in k and k.endswith("/reminder/7d") for k in reported_keys)
    escalations = [
        m.message
        for m in smtp_server.messages
        if m.message["X-Forumflow-Key"].endswith("/escalation")
    ]
    assert any(missed in m["Subject"] and CHAIR.email in m["To"] for m in escalations)


async def _minuted_with_plan(forum: FundingRequests, plan: EvaluationPlan) -> str:
    """A request approved, minuted and confirmed, whose evaluation is due per ``plan``."""
    draft = middlesbrough_draft(new_reference()).model_copy(update={"evaluation_plan": plan})
    return await evaluated_request(
        forum, draft=draft, settings=SETTINGS, author=AUTHOR, report=False
    )
