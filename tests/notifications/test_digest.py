"""The daily digest on real servers: a person who chose it gets one email a day listing
their notices, others one email per notice, and a retried digest sends nothing twice.

Mail goes to a real local SMTP server; the register database is SQLite, and PostgreSQL
too when one is available; the digest workflow runs on both Temporal servers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.digest import DigestActivities
from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer
from clients.digest_schedule import daily_digest_schedule_id, ensure_daily_digest_schedule
from contracts import names
from contracts.digest import DailyDigestInput, DigestReport, DigestRun
from domain.calendar import LONDON
from domain.notices import Notice, NoticeKind, Recipient
from domain.people import Role
from storage.accounts import NewUser, UserDirectory
from storage.deliveries import DeliveryLog
from storage.digests import DigestQueue, digest_key
from storage.register import DecisionRegister
from tests.notifications.conftest import SENDER
from tests.smtp import RecordingSmtpServer
from worker.app import WorkerDependencies, build_worker

DIGEST_PERSON = NewUser(
    user_id="sean.hogg",
    name="Sean Hogg",
    email="sean.hogg@council.example.org",
    roles=frozenset({Role.officer}),
    daily_digest=True,
)
EACH_PERSON = NewUser(
    user_id="gail.earl",
    name="Gail Earl",
    email="gail.earl@council.example.org",
    roles=frozenset({Role.officer}),
)


def _recipient(user: NewUser) -> Recipient:
    return Recipient(name=user.name, email=user.email, role=Role.officer)


def notice(number: int) -> Notice:
    """A reminder to both people, the ``number``-th of the day."""
    return Notice(
        idempotency_key=f"SMF-2018-EHP/c1/papers/2018-06-26/reminder/{number}d",
        kind=NoticeKind.reminder,
        request_ref="SMF-2018-EHP",
        subject=f"Reminder {number}: papers for the 4 July 2018 meeting",
        body=f"Reminder number {number}: the papers are due by 5pm on 26 June 2018.",
        recipients=(_recipient(DIGEST_PERSON), _recipient(EACH_PERSON)),
    )


@dataclass
class Stores:
    """The delivery activities over one real database and SMTP server."""

    notifications: NotificationActivities
    digests: DigestActivities
    queue: DigestQueue
    directory: UserDirectory
    deliveries: DeliveryLog


@pytest.fixture
def stores(database_url: str, smtp_server: RecordingSmtpServer) -> Iterator[Stores]:
    """Both people in the user directory, and the activities wired to this test's mail."""
    register = DecisionRegister(database_url)
    register.create_schema()
    directory = UserDirectory(register.engine)
    directory.add(DIGEST_PERSON)
    directory.add(EACH_PERSON)
    deliveries = DeliveryLog(register.engine)
    queue = DigestQueue(register.engine)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, sender=SENDER, timeout=5)
    notifications = NotificationActivities(mailer, deliveries, directory, queue)
    yield Stores(
        notifications=notifications,
        digests=DigestActivities(notifications, queue, directory),
        queue=queue,
        directory=directory,
        deliveries=deliveries,
    )
    register.close()


def _to(smtp_server: RecordingSmtpServer, email: str) -> list[str]:
    return [str(m.message["Subject"]) for m in smtp_server.messages if email in m.rcpt_tos]


def test_a_notice_for_a_digest_person_is_queued_not_sent(
    stores: Stores, smtp_server: RecordingSmtpServer
) -> None:
    """Delivered to both people, a notice is emailed to the one without a digest and queued
    for the one with it, once however often the delivery is retried."""
    first = ActivityEnvironment().run(stores.notifications.deliver, notice(1))
    again = ActivityEnvironment().run(stores.notifications.deliver, notice(1))

    assert first.outcome == "sent"
    assert again.outcome == "already_sent"
    assert _to(smtp_server, EACH_PERSON.email) == ["Reminder 1: papers for the 4 July 2018 meeting"]
    assert _to(smtp_server, DIGEST_PERSON.email) == []
    assert [q.notice_key for q in stores.queue.items(DIGEST_PERSON.user_id)] == [
        notice(1).idempotency_key
    ]
    assert {r.email for r in first.recipients} == {DIGEST_PERSON.email, EACH_PERSON.email}


def test_a_notice_only_for_digest_people_is_recorded_queued(stores: Stores) -> None:
    """A notice for the digest person alone is delivered with outcome queued, emailing no one."""
    only = notice(3).model_copy(update={"recipients": (_recipient(DIGEST_PERSON),)})
    receipt = ActivityEnvironment().run(stores.notifications.deliver, only)
    assert receipt.outcome == "queued"
    assert stores.deliveries.was_sent(only.idempotency_key)


async def test_the_digest_person_gets_one_email_listing_both_notices(
    env: WorkflowEnvironment,
    task_queue: str,
    stores: Stores,
    smtp_server: RecordingSmtpServer,
    register: DecisionRegister,
) -> None:
    """Two notices: the other person gets two emails as they come; the daily digest
    workflow sends the digest person one email listing both, and run again that day
    (a retry, or a second start) it sends nothing more."""
    for number in (1, 2):
        ActivityEnvironment().run(stores.notifications.deliver, notice(number))
    assert len(_to(smtp_server, EACH_PERSON.email)) == 2

    deps = WorkerDependencies(
        register=register, notifications=stores.notifications, digests=stores.digests
    )
    async with build_worker(env.client, task_queue, deps):
        report: DigestReport = await env.client.execute_workflow(
            names.DAILY_DIGEST_WORKFLOW,
            DailyDigestInput(),
            id=f"digest-{task_queue}",
            task_queue=task_queue,
            result_type=DigestReport,
        )
        again: DigestReport = await env.client.execute_workflow(
            names.DAILY_DIGEST_WORKFLOW,
            DailyDigestInput(day=report.day),
            id=f"digest-again-{task_queue}",
            task_queue=task_queue,
            result_type=DigestReport,
        )

    [digest] = [m for m in smtp_server.messages if DIGEST_PERSON.email in m.rcpt_tos]
    body = digest.message.get_content()
    assert "Reminder 1: papers for the 4 July 2018 meeting" in body
    assert "Reminder 2: papers for the 4 July 2018 meeting" in body
    assert str(digest.message["Subject"]).endswith("(2 notices)")
    assert [(d.user_id, d.notices, d.outcome) for d in report.digests] == [
        (DIGEST_PERSON.user_id, 2, "sent")
    ]
    assert [d.outcome for d in again.digests] == ["already_sent"]
    assert len(_to(smtp_server, DIGEST_PERSON.email)) == 1
    assert len(smtp_server.messages) == 3


def test_a_retried_digest_activity_sends_nothing_twice(
    stores: Stores, smtp_server: RecordingSmtpServer
) -> None:
    """The digest activity run three times for one day emails the digest once; a notice
    queued after that day's digest went waits for the next day's."""
    ActivityEnvironment().run(stores.notifications.deliver, notice(1))
    now = datetime.now(UTC)
    day = now.astimezone(LONDON).date()
    run = DigestRun(day=day, up_to=now)
    reports = [ActivityEnvironment().run(stores.digests.send_digests, run) for _ in range(3)]

    ActivityEnvironment().run(stores.notifications.deliver, notice(2))
    later = DigestRun(day=day, up_to=datetime.now(UTC))
    same_day = ActivityEnvironment().run(stores.digests.send_digests, later)

    assert [r.digests[0].outcome for r in reports] == ["sent", "already_sent", "already_sent"]
    assert [d.notices for d in same_day.digests] == [1]
    assert len(_to(smtp_server, DIGEST_PERSON.email)) == 1
    assert stores.deliveries.was_sent(digest_key(DIGEST_PERSON.user_id, day))
    waiting = stores.queue.items(DIGEST_PERSON.user_id, waiting_only=True)
    assert [q.notice_key for q in waiting] == [notice(2).idempotency_key]
    tomorrow = date.fromordinal(day.toordinal() + 1)
    next_day = ActivityEnvironment().run(
        stores.digests.send_digests, DigestRun(day=tomorrow, up_to=datetime.now(UTC))
    )
    assert [(d.key, d.notices, d.outcome) for d in next_day.digests] == [
        (digest_key(DIGEST_PERSON.user_id, tomorrow), 1, "sent")
    ]


def test_add_user_with_digest_records_the_choice(tmp_path: Path) -> None:
    """python -m forumflow add-user --digest adds a person whose notices come daily."""
    env = {**os.environ, "FORUMFLOW_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "forumflow", "add-user", "head-1", "--name", "Head"]
    command += ["--email", "head@school.example.org", "--role", "officer", "--digest"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "one email a day" in done.stdout
    with UserDirectory(f"sqlite:///{tmp_path / 'register.sqlite3'}") as directory:
        assert directory.get("head-1").daily_digest is True
        assert directory.set_daily_digest("head-1", False).daily_digest is False


@pytest.mark.devserver_only
async def test_the_digest_schedule_runs_daily_at_the_digest_hour_in_london(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    """The Schedule fires every day at the digest hour, London time, and starting again
    keeps it (and a pause) rather than adding another."""
    schedule_id = f"{daily_digest_schedule_id('test')}-{task_queue}"
    handle = await ensure_daily_digest_schedule(
        env.client, task_queue=task_queue, hour=7, schedule_id=schedule_id
    )
    try:
        await handle.pause(note="paused by an operator")
        await ensure_daily_digest_schedule(
            env.client, task_queue=task_queue, hour=8, schedule_id=schedule_id
        )
        described = await handle.describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == "Europe/London"
        [calendar] = spec.calendars
        assert [r.start for r in calendar.hour] == [8]
        assert described.schedule.state.paused
    finally:
        await handle.delete()
