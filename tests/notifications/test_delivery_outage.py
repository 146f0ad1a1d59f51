"""A database that goes away between a notice's send and its record: mailed once all the same.

The outage is real: another connection holds the delivery log's write lock (SQLite) or an
exclusive lock on its table (PostgreSQL), and the log's own connections give up on a lock
within 0.1 s, failing as they would against a database that is restarting. Runs on SQLite,
and on PostgreSQL too when FORUMFLOW_TEST_POSTGRES_URL is set; mail goes to a real local
SMTP server.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from temporalio.testing import ActivityEnvironment

from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer
from contracts.activities import DeliveryReceipt
from domain.notices import Notice
from storage.deliveries import DeliveryLog
from tests.notifications.conftest import SENDER
from tests.notifications.test_delivery import papers_reminder
from tests.smtp import RecordingSmtpServer

LEASE = timedelta(seconds=5)
OUTAGE_SECONDS = 1.0


def impatient_engine(url: str) -> Engine:
    """An engine on ``url`` whose writes fail after 0.1 s behind another's lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return create_engine(parsed, connect_args={"timeout": 0.1})
    existing = parsed.query.get("options", "")
    assert isinstance(existing, str)
    options = f"{existing} -clock_timeout=100".strip()
    return create_engine(parsed.update_query_dict({"options": options}), pool_pre_ping=True)


class Outage:
    """Makes the delivery log's database refuse writes for a while, from a connection of its own."""

    def __init__(self, url: str) -> None:
        self._url = make_url(url)
        self._threads: list[threading.Thread] = []

    def begin(self, seconds: float) -> None:
        """Start refusing writes now (on return the lock is held) for ``seconds``."""
        held = threading.Event()
        thread = threading.Thread(target=self._hold, args=(seconds, held), daemon=True)
        thread.start()
        self._threads.append(thread)
        assert held.wait(10), "the outage's lock was not taken"

    def _hold(self, seconds: float, held: threading.Event) -> None:
        if self._url.get_backend_name() == "sqlite":
            assert self._url.database is not None
            connection = sqlite3.connect(self._url.database, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                held.set()
                time.sleep(seconds)
                connection.execute("ROLLBACK")
            finally:
                connection.close()
            return
        engine = create_engine(self._url)
        try:
            with engine.begin() as conn:
                conn.execute(text("LOCK TABLE notice_deliveries IN EXCLUSIVE MODE"))
                held.set()
                time.sleep(seconds)
        finally:
            engine.dispose()

    def wait_over(self) -> None:
        """Until every outage begun has ended."""
        for thread in self._threads:
            thread.join(30)


class OutageOnFirstSend(SmtpMailer):
    """A real mailer to ``server``; once the server has accepted the first message, the
    database is away for ``seconds``."""

    def __init__(self, server: RecordingSmtpServer, outage: Outage, seconds: float) -> None:
        super().__init__(server.host, server.port, sender=SENDER, timeout=5, local_hostname="tests")
        self._outage = outage
        self._seconds = seconds
        self._sent = 0

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        self._sent += 1
        if self._sent == 1:
            self._outage.begin(self._seconds)


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    """Outages of this test's database, each over before the test's database is dropped."""
    breaker = Outage(database_url)
    yield breaker
    breaker.wait_over()


@pytest.fixture
def leased_deliveries(database_url: str) -> Iterator[DeliveryLog]:
    """A real delivery log with a short claim lease, on connections that do not wait for locks."""
    with DeliveryLog(database_url) as schema:
        schema.create_schema()
    engine = impatient_engine(database_url)
    yield DeliveryLog(engine, claim_lease=LEASE)
    engine.dispose()


def deliver_until_it_returns(
    activities: NotificationActivities, notice: Notice, *, within: float = 15.0
) -> DeliveryReceipt:
    """Run the activity, and again half a second after each failure, as its retry policy
    would, until an attempt returns."""
    give_up = time.monotonic() + within
    while True:
        try:
            return ActivityEnvironment().run(activities.deliver, notice)
        except Exception:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.5)


def test_database_away_after_the_send_records_it_once_back_and_mails_once(
    smtp_server: RecordingSmtpServer, leased_deliveries: DeliveryLog, outage: Outage
) -> None:
    """A database outage between the send and its record is waited out: one email, and the
    retry sends nothing."""
    notice = papers_reminder()
    key = notice.idempotency_key
    activities = NotificationActivities(
        OutageOnFirstSend(smtp_server, outage, OUTAGE_SECONDS), leased_deliveries
    )

    receipt = deliver_until_it_returns(activities, notice)
    outage.wait_over()
    again = ActivityEnvironment().run(activities.deliver, notice)

    assert receipt.outcome == "sent"
    assert again.outcome == "already_sent"
    assert smtp_server.keys() == [key]
    delivery = leased_deliveries.delivery(key)
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert delivery.message_id == receipt.message_id


def test_the_record_after_a_send_gives_up_when_the_claim_expires(
    leased_deliveries: DeliveryLog, outage: Outage
) -> None:
    """The record waits for the database only while the claim holds, then raises its error."""
    notice = papers_reminder()
    key = notice.idempotency_key
    claimed_at = datetime.now(UTC) - LEASE + timedelta(seconds=1)
    assert leased_deliveries.claim(notice, now=claimed_at) == "new"
    # Longer than the claim has left, so a record that waited it out would succeed.
    outage.begin(2.0)

    left = (claimed_at + LEASE - datetime.now(UTC)).total_seconds()
    started = time.monotonic()
    with pytest.raises(OperationalError):
        leased_deliveries.mark_sent_within_claim(
            key, "<id@forumflow>", datetime.now(UTC), claimed_at=claimed_at
        )
    waited = time.monotonic() - started

    assert waited >= left - 0.05, f"gave up after {waited:.2f}s with {left:.2f}s of claim left"
    outage.wait_over()
    assert not leased_deliveries.was_sent(key)
