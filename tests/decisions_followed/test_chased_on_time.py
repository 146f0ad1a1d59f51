"""Funding a conditional approval waits on, and an evaluation report, are chased across
months of skipped time: reminders 28, 7 and 1 days before 5pm London on the due day, to
the officer, and one escalation to the chair when the day passes undone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import middlesbrough_draft
from domain.calendar import LONDON
from domain.request.draft import EvaluationPlan
from tests.decisions_followed.follow import (
    AUTHOR,
    FORUM_CHAIR,
    SETTINGS,
    conditionally_approved,
    confirmation,
    london_today,
)
from tests.lifecycle.drive import evaluated_request, new_reference
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.timeskipping_only, pytest.mark.own_clock]


def five_pm(day: date) -> datetime:
    return datetime.combine(day, time(17), tzinfo=LONDON)


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    await env.sleep(moment - await env.get_current_time())


def alarms_of(keys: list[str], marker: str) -> dict[str, str]:
    """``{"reminder/28d": key, ..., "escalation": key}`` for the keys containing ``marker``."""
    return {key.split(marker, 1)[1].split("/", 1)[1]: key for key in keys if marker in key}


async def test_unconfirmed_funding_is_reminded_then_escalated_to_the_chair(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """Three months on: three reminders on their days, then one escalation to the chair."""
    due = await london_today(env) + timedelta(days=92)
    reference = await conditionally_approved(forum, due)
    await sleep_until(env, five_pm(due) + timedelta(days=2))

    notices = {n.key: n for n in (await forum.audit_trail(reference)).notices}
    funding = alarms_of(list(notices), "/funding_confirmation/")
    assert sorted(funding) == ["escalation", "reminder/1d", "reminder/28d", "reminder/7d"]
    for offset in (28, 7, 1):
        sent_at = notices[funding[f"reminder/{offset}d"]].at
        assert abs(sent_at - (five_pm(due) - timedelta(days=offset))) < timedelta(minutes=1)
    assert abs(notices[funding["escalation"]].at - five_pm(due)) < timedelta(minutes=1)
    mailed = {m.message["X-Forumflow-Key"].strip(): m.message for m in smtp_server.messages}
    assert FORUM_CHAIR.email in mailed[funding["escalation"]]["To"]
    assert AUTHOR.email in mailed[funding["reminder/7d"]]["To"]
    assert len(smtp_server.messages) == len(set(smtp_server.keys())), "no message twice"

    # Confirmed late, it is still recorded, and nothing more is sent about it.
    await forum.submit(reference, confirmation(await london_today(env)), AUTHOR)
    await env.sleep(timedelta(days=30))
    later = alarms_of(
        [n.key for n in (await forum.audit_trail(reference)).notices], "/funding_confirmation/"
    )
    assert later == funding


async def test_funding_confirmed_in_time_is_never_escalated(
    env: WorkflowEnvironment, forum: FundingRequests
) -> None:
    """Confirmed 10 days before the due day: the 28-day reminder only, no escalation."""
    due = await london_today(env) + timedelta(days=40)
    reference = await conditionally_approved(forum, due)
    await sleep_until(env, five_pm(due) - timedelta(days=10))
    await forum.submit(reference, confirmation(await london_today(env)), AUTHOR)
    await sleep_until(env, five_pm(due) + timedelta(days=1))

    keys = [n.key for n in (await forum.audit_trail(reference)).notices]
    assert sorted(alarms_of(keys, "/funding_confirmation/")) == ["reminder/28d"]


async def test_an_evaluation_report_not_in_is_reminded_three_times_then_escalated(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """Four months to the report's day: 28, 7 and 1 days before, then the chair, once each."""
    report_due = await london_today(env) + timedelta(days=120)
    draft = middlesbrough_draft(new_reference()).model_copy(
        update={"evaluation_plan": EvaluationPlan(measures=("referrals",), report_due=report_due)}
    )
    reference = await evaluated_request(
        forum, draft=draft, settings=SETTINGS, author=AUTHOR, report=False
    )
    await sleep_until(env, five_pm(report_due) + timedelta(days=3))

    notices = {n.key: n for n in (await forum.audit_trail(reference)).notices}
    evaluation = alarms_of(list(notices), "/evaluation_report/")
    assert sorted(evaluation) == ["escalation", "reminder/1d", "reminder/28d", "reminder/7d"]
    for offset in (28, 7, 1):
        sent_at = notices[evaluation[f"reminder/{offset}d"]].at
        assert abs(sent_at - (five_pm(report_due) - timedelta(days=offset))) < timedelta(minutes=1)
    assert abs(notices[evaluation["escalation"]].at - five_pm(report_due)) < timedelta(minutes=1)
    escalations = [
        m.message
        for m in smtp_server.messages
        if m.message["X-Forumflow-Key"].strip() == evaluation["escalation"]
    ]
    assert len(escalations) == 1
    assert FORUM_CHAIR.email in escalations[0]["To"]
