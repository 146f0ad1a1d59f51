"""While drafting, a request no scheduled meeting can decide in time warns its officer and
the clerk, once: not again on later wake-ups, after a worker restart, or in a run that
carries the request on (as continue-as-new does)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from contracts.request import AuditTrail, StartRequest
from devtools.seeds import OFFICER, middlesbrough_draft
from domain.calendar import LONDON, add_months, format_uk_date, papers_deadline
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.commands import EditDraft
from domain.request.draft import Period, RequestDraft
from domain.request.models import RequestState
from tests.conftest import wait_until_idle
from tests.lifecycle.drive import new_reference
from tests.smtp import RecordingSmtpServer
from worker.app import WorkerDependencies, build_worker
from workflows.funding_request import FundingRequestWorkflow

CLERK = Contact(name="Forum Clerk", email="clerk@forum.example.org")
SETTINGS = ForumSettings(
    contacts=ForumContacts(
        chair=Contact(name="Forum Chair", email="chair@forum.example.org"), clerk=CLERK
    )
)
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})

# One test skips months: a clock of the module's own keeps it from others' timers.
pytestmark = pytest.mark.own_clock


def procured(today: date, months_ahead: int = 18, month: int = 1) -> RequestDraft:
    """A draft whose procured service starts on the 1st of the first ``month`` at least
    ``months_ahead`` months from ``today``. January by default: its year's October DSG
    decision comes before the latest decision date, so only the lead-in can warn."""
    earliest = add_months(today.replace(day=1), months_ahead)
    year = earliest.year if earliest.month <= month else earliest.year + 1
    service_start = date(year, month, 1)
    return middlesbrough_draft(new_reference()).model_copy(
        update={
            "procurement_needed": True,
            "service_start": service_start,
            "period": Period(start=service_start, end=service_start + timedelta(days=364)),
        }
    )


def too_late_for(draft: RequestDraft) -> tuple[date, ...]:
    """A meeting calendar whose only meeting falls after the latest decision date."""
    assert draft.service_start is not None
    return (add_months(draft.service_start, -12) + timedelta(days=30),)


def warnings_in(trail: AuditTrail) -> list[str]:
    return [notice.key for notice in trail.notices if notice.kind == "warning"]


async def wait_for_warning(forum: FundingRequests, reference: str) -> list[str]:
    """The warning notices recorded, once the first has arrived (or after 15 seconds)."""
    for _ in range(150):
        found = warnings_in(await forum.audit_trail(reference))
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


async def today_in_london(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(LONDON).date()


async def test_the_warning_reaches_the_officer_and_the_clerk_once(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """One email to officer and clerk, one notice on record; an edit later sends nothing more."""
    draft = procured(await today_in_london(env))
    await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=too_late_for(draft))
    (key,) = await wait_for_warning(forum, draft.reference)
    assert key.startswith(f"{draft.reference}/c1/procurement_decision/")
    assert key.endswith("/warning")
    retitled = draft.model_copy(update={"title": "Early Help Practitioners (procured)"})
    await forum.submit(draft.reference, EditDraft(draft=retitled), AUTHOR)
    await wait_until_idle(env, [draft.reference])

    assert warnings_in(await forum.audit_trail(draft.reference)) == [key]
    (message,) = [m.message for m in smtp_server.messages]
    assert message["X-Forumflow-Key"] == key
    assert AUTHOR.email in message["To"]
    assert CLERK.email in message["To"]
    assert "no scheduled meeting falls on or before it" in message.get_content()


async def test_no_warning_when_a_meeting_can_decide_in_time(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """A meeting a month before the latest decision date leaves nothing to warn about."""
    draft = procured(await today_in_london(env))
    assert draft.service_start is not None
    meeting = add_months(draft.service_start, -13)
    await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=(meeting,))
    await asyncio.sleep(1.5)  # past the second a pending warning would wait
    await wait_until_idle(env, [draft.reference])
    assert warnings_in(await forum.audit_trail(draft.reference)) == []
    assert smtp_server.messages == []


async def test_the_warning_is_not_resent_after_a_worker_restart(
    env: WorkflowEnvironment,
    task_queue: str,
    deps: WorkerDependencies,
    smtp_server: RecordingSmtpServer,
) -> None:
    """A new worker replays the request from its history and finds the warning already sent."""
    forum = FundingRequests(env.client, task_queue)
    draft = procured(await today_in_london(env))
    # No workflow cache: the time-skipping server does not hand a stopped worker's sticky
    # tasks on to the next worker, and without a cache there is no sticky queue.
    async with build_worker(env.client, task_queue, deps, max_cached_workflows=0):
        await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=too_late_for(draft))
        (key,) = await wait_for_warning(forum, draft.reference)
        await wait_until_idle(env, [draft.reference])
    async with build_worker(env.client, task_queue, deps, max_cached_workflows=0):
        retitled = draft.model_copy(update={"title": "Early Help Practitioners (v2)"})
        await forum.submit(draft.reference, EditDraft(draft=retitled), AUTHOR)
        await wait_until_idle(env, [draft.reference])
        # Not even delivered again as "already sent": the workflow knew it had sent it.
        assert warnings_in(await forum.audit_trail(draft.reference)) == [key]
    assert smtp_server.keys() == [key]


async def test_a_carried_request_does_not_warn_again(
    env: WorkflowEnvironment,
    forum: FundingRequests,
    task_queue: str,
    smtp_server: RecordingSmtpServer,
) -> None:
    """A run started with the state of one that sent the warning (continue-as-new) sends none."""
    draft = procured(await today_in_london(env))
    meetings = too_late_for(draft)
    await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=meetings)
    (key,) = await wait_for_warning(forum, draft.reference)
    carried: RequestState = await forum.state(draft.reference)
    await forum.handle(draft.reference).terminate("replaced by the carried run below")

    again = StartRequest(draft=draft, actor=AUTHOR, carried=carried, scheduled_meetings=meetings)
    handle = await env.client.start_workflow(
        FundingRequestWorkflow.run,
        again,
        id=draft.reference,
        task_queue=task_queue,
    )
    await asyncio.sleep(1.5)  # past the second a pending warning would wait
    await wait_until_idle(env, [draft.reference])
    trail = await handle.query(FundingRequestWorkflow.audit_trail)
    assert warnings_in(trail) == [key]
    assert smtp_server.keys() == [key]


@pytest.mark.timeskipping_only
async def test_the_warning_comes_when_the_last_usable_papers_deadline_passes(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """Still drafting when the last usable meeting's papers deadline passes: warned that night."""
    draft = procured(await today_in_london(env), months_ahead=14)
    assert draft.service_start is not None
    meeting = add_months(draft.service_start, -12) - timedelta(days=1)
    await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=(meeting,))
    await asyncio.sleep(1.5)  # past the second a pending warning would wait
    assert warnings_in(await forum.audit_trail(draft.reference)) == []

    lost_at = datetime.combine(papers_deadline(meeting) + timedelta(days=1), time(0), LONDON)
    await env.sleep(lost_at + timedelta(hours=1) - await env.get_current_time())
    (notice,) = [
        n for n in (await forum.audit_trail(draft.reference)).notices if n.kind == "warning"
    ]
    assert abs(notice.at - lost_at) < timedelta(minutes=1)
    assert [
        m.message["X-Forumflow-Key"]
        for m in smtp_server.messages
        if "/warning" in m.message["X-Forumflow-Key"]
    ] == [notice.key]


async def test_the_annual_dsg_decision_warning_reaches_the_officer_and_the_clerk_once(
    env: WorkflowEnvironment, forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """A service starting in April with a 12-month lead-in (seed 003's shape) is warned that
    the October DSG decision would be six months too late, with the dates, once."""
    draft = procured(await today_in_london(env), month=4)
    assert draft.service_start is not None
    decide_by = add_months(draft.service_start, -12)
    in_time = decide_by - timedelta(days=40)
    await forum.create(draft, AUTHOR, SETTINGS, scheduled_meetings=(in_time,))
    (key,) = await wait_for_warning(forum, draft.reference)
    assert key.endswith("/annual-dsg-decision")
    retitled = draft.model_copy(update={"title": "Early Help Practitioners (procured)"})
    await forum.submit(draft.reference, EditDraft(draft=retitled), AUTHOR)
    await wait_until_idle(env, [draft.reference])
    assert warnings_in(await forum.audit_trail(draft.reference)) == [key]
    (message,) = [m.message for m in smtp_server.messages]
    assert AUTHOR.email in message["To"]
    assert CLERK.email in message["To"]
    body = " ".join(message.get_content().split())
    october = format_uk_date(date(decide_by.year, 10, 1))
    assert f"The annual DSG decision on {october} would be six months too late" in body
    assert f"must decide by {format_uk_date(decide_by)}" in body
    assert f"at the {format_uk_date(in_time)} meeting" in body
    deadlines = await forum.deadlines(draft.reference)
    assert deadlines.warning is not None
    assert "six months too late" in deadlines.warning
