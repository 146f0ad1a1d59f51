"""Delivering notices exactly once: the delivery log and the notify_deliver activity.

Runs on SQLite, and on PostgreSQL too when FORUMFLOW_TEST_POSTGRES_URL is set; mail goes
to a real local SMTP server.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer, build_email, message_id_for
from contracts.activities import DeliveryReceipt
from domain.calendar import at_close_of_business
from domain.deadlines import Deadline, DeadlineKind
from domain.notices import Notice, Recipient, reminder_notice
from domain.people import Role
from storage.deliveries import DEFAULT_CLAIM_LEASE, DeliveryLog
from storage.register import DecisionRegister
from tests.notifications.conftest import SENDER
from tests.smtp import RecordingSmtpServer, free_port

REF = "SMF-2018-EHP"
OFFICER = Recipient(name="Jane Smith", email="jane.smith@example.gov.uk", role=Role.officer)
UNREACHABLE = Recipient(name="Alex Governor", email=None, role=Role.member)
ACTIVITY_LOGGER = "temporalio.activity"


def papers_reminder(*recipients: Recipient, ref: str = REF) -> Notice:
    """The 7-day reminder of the papers deadline of 25 March 2024."""
    deadline = Deadline.model_validate(
        {
            "key": f"{ref}/c1/papers/2024-03-25",
            "kind": DeadlineKind.papers,
            "due": at_close_of_business(date(2024, 3, 25)),
            "label": "Papers for the 4 April 2024 meeting",
            "responsible_role": Role.officer,
            "request_ref": ref,
            "meeting_date": date(2024, 4, 4),
            "escalates": True,
        }
    )
    return reminder_notice(deadline, 7, "Early Help Practitioners", recipients or (OFFICER,))


def deliver(activities: NotificationActivities, notice: Notice) -> DeliveryReceipt:
    """Run the activity as Temporal would, with an activity context (and so activity.logger)."""
    return ActivityEnvironment().run(activities.deliver, notice)


def mailer_for(server: RecordingSmtpServer, *, username: str, password: str) -> SmtpMailer:
    """A mailer for ``server`` that logs in with the given credentials."""
    return SmtpMailer(
        server.host,
        server.port,
        sender=SENDER,
        timeout=5,
        local_hostname="tests",
        username=username,
        password=password,
    )


# --- the activity ---------------------------------------------------------------------


def test_reminder_email_arrives_with_recipient_subject_body_and_message_id(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """A delivered reminder reaches the SMTP server addressed, worded and identified as built."""
    notice = papers_reminder()

    receipt = deliver(NotificationActivities(mailer, deliveries), notice)

    assert receipt == DeliveryReceipt(
        idempotency_key=notice.idempotency_key,
        outcome="sent",
        message_id=message_id_for(notice.idempotency_key),
        recipients=(OFFICER,),
    )
    (received,) = smtp_server.messages
    assert received.rcpt_tos == (OFFICER.email,)
    assert str(received.message["To"]) == f"Jane Smith <{OFFICER.email}>"
    assert (
        received.message["Subject"] == "SMF-2018-EHP: papers due in 7 days (Monday 25 March 2024)"
    )
    assert "by 5pm on Monday 25 March 2024" in received.message.get_content()
    assert received.message["Message-ID"] == receipt.message_id
    assert received.message["X-Forumflow-Key"] == notice.idempotency_key
    assert deliveries.was_sent(notice.idempotency_key)


def test_delivering_the_same_notice_twice_sends_one_message(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """A retried delivery of a sent notice sends nothing and says already_sent."""
    activities = NotificationActivities(mailer, deliveries)
    notice = papers_reminder()

    first = deliver(activities, notice)
    second = deliver(activities, notice)

    assert smtp_server.count == 1
    assert first.outcome == "sent"
    assert second.outcome == "already_sent"
    assert second.message_id == first.message_id


def test_eight_concurrent_deliveries_send_one_message(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """Eight threads delivering one notice at once send exactly one message between them."""
    activities = NotificationActivities(mailer, deliveries)
    notice = papers_reminder()
    start = threading.Barrier(8)
    results: list[DeliveryReceipt | BaseException] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            result: DeliveryReceipt | BaseException = deliver(activities, notice)
        except BaseException as error:
            result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert smtp_server.count == 1
    assert len(results) == 8
    sent = [r for r in results if isinstance(r, DeliveryReceipt) and r.outcome == "sent"]
    assert len(sent) == 1
    for result in results:
        if isinstance(result, ApplicationError):
            assert result.type == "NoticeDeliveryInProgress"
            assert not result.non_retryable
        else:
            assert isinstance(result, DeliveryReceipt), result
            assert result.outcome in ("sent", "already_sent")
    assert deliver(activities, notice).outcome == "already_sent"
    assert smtp_server.count == 1


def test_notice_to_people_without_email_is_logged_and_not_retried(
    smtp_server: RecordingSmtpServer,
    mailer: SmtpMailer,
    deliveries: DeliveryLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With nobody to email the notice goes to the log channel in full and is marked delivered."""
    caplog.set_level(logging.INFO, logger=ACTIVITY_LOGGER)
    activities = NotificationActivities(mailer, deliveries)
    notice = papers_reminder(UNREACHABLE)

    receipt = deliver(activities, notice)

    assert receipt.outcome == "logged_only"
    assert receipt.message_id is None
    assert smtp_server.count == 0
    (record,) = [r for r in caplog.records if r.getMessage().startswith("notice delivered")]
    assert record.idempotency_key == notice.idempotency_key  # type: ignore[attr-defined]
    assert record.kind == "reminder"  # type: ignore[attr-defined]
    assert record.request_ref == REF  # type: ignore[attr-defined]
    assert record.subject == notice.subject  # type: ignore[attr-defined]
    assert record.recipients == ["Alex Governor (no email address), member"]  # type: ignore[attr-defined]
    assert record.body == notice.body  # type: ignore[attr-defined]
    assert deliveries.was_sent(notice.idempotency_key)
    assert deliver(activities, notice).outcome == "already_sent"


def test_emailed_notice_is_also_written_to_the_log_channel(
    mailer: SmtpMailer, deliveries: DeliveryLog, caplog: pytest.LogCaptureFixture
) -> None:
    """Operators see every delivery in the log, with key, kind, request, recipients and subject."""
    caplog.set_level(logging.INFO, logger=ACTIVITY_LOGGER)
    notice = papers_reminder(OFFICER, UNREACHABLE)

    deliver(NotificationActivities(mailer, deliveries), notice)

    (record,) = [r for r in caplog.records if r.getMessage().startswith("notice delivered")]
    assert record.outcome == "sent"  # type: ignore[attr-defined]
    assert record.recipients == [  # type: ignore[attr-defined]
        f"Jane Smith <{OFFICER.email}>, officer",
        "Alex Governor (no email address), member",
    ]
    assert record.not_emailed == ["Alex Governor (no email address), member"]  # type: ignore[attr-defined]


def test_mail_switched_off_logs_only(deliveries: DeliveryLog) -> None:
    """Without a mailer, a notice to people with addresses is logged only and marked delivered."""
    notice = papers_reminder()

    receipt = deliver(NotificationActivities(None, deliveries), notice)

    assert receipt.outcome == "logged_only"
    delivery = deliveries.delivery(notice.idempotency_key)
    assert delivery is not None
    assert delivery.status == "sent"
    assert not delivery.emailed


def test_smtp_auth_right_credentials_deliver_and_wrong_ones_fail_non_retryably(
    deliveries: DeliveryLog,
) -> None:
    """Wrong SMTP credentials fail non-retryably and leave the notice deliverable once fixed."""
    notice = papers_reminder()
    with RecordingSmtpServer(username="forumflow", password="s3cret") as server:
        wrong = NotificationActivities(
            mailer_for(server, username="forumflow", password="wrong"), deliveries
        )
        with pytest.raises(ApplicationError, match="rejected the SMTP credentials") as raised:
            deliver(wrong, notice)
        assert raised.value.non_retryable
        assert raised.value.type == "MailPermanentFailure"
        assert not deliveries.was_sent(notice.idempotency_key)

        right = NotificationActivities(
            mailer_for(server, username="forumflow", password="s3cret"), deliveries
        )
        assert deliver(right, notice).outcome == "sent"
        assert server.count == 1


def test_smtp_server_down_is_retryable_and_the_retry_sends_at_once(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """Server down is retryable, and the failed attempt's claim does not block the retry."""
    notice = papers_reminder()
    down = SmtpMailer("127.0.0.1", free_port(), sender=SENDER, timeout=2)

    with pytest.raises(ApplicationError, match="could not deliver") as raised:
        deliver(NotificationActivities(down, deliveries), notice)
    assert not raised.value.non_retryable
    assert raised.value.type == "MailTemporaryFailure"

    assert deliver(NotificationActivities(mailer, deliveries), notice).outcome == "sent"
    assert smtp_server.count == 1
    delivery = deliveries.delivery(notice.idempotency_key)
    assert delivery is not None
    assert delivery.attempts == 2


def test_attempt_in_progress_elsewhere_is_retried_later_not_sent(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """While another attempt holds a live claim, delivery sends nothing and asks to be retried."""
    notice = papers_reminder()
    assert deliveries.claim(notice) == "new"

    with pytest.raises(ApplicationError, match="another attempt") as raised:
        deliver(NotificationActivities(mailer, deliveries), notice)

    assert raised.value.type == "NoticeDeliveryInProgress"
    assert not raised.value.non_retryable
    assert smtp_server.count == 0


def test_crash_after_smtp_accepted_resends_with_the_same_message_id(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog
) -> None:
    """A worker that died between sending and marking resends, with the same Message-ID."""
    notice = papers_reminder()
    crashed_at = datetime.now(UTC) - DEFAULT_CLAIM_LEASE - timedelta(seconds=1)
    assert deliveries.claim(notice, now=crashed_at) == "new"
    mailer.send(build_email(notice, mailer.sender))

    receipt = deliver(NotificationActivities(mailer, deliveries), notice)

    assert receipt.outcome == "sent"
    first, resent = smtp_server.messages
    assert first.message["Message-ID"] == resent.message["Message-ID"] == receipt.message_id


# --- the delivery log -----------------------------------------------------------------


def test_claims_go_new_then_in_progress_then_already_sent(deliveries: DeliveryLog) -> None:
    """A key is claimed once, held while sending, and reported sent after mark_sent."""
    notice = papers_reminder()
    key = notice.idempotency_key
    sent_at = datetime(2024, 3, 18, 17, 0, 5, tzinfo=UTC)

    assert deliveries.claim(notice) == "new"
    assert deliveries.claim(notice) == "in_progress"
    assert not deliveries.was_sent(key)
    deliveries.mark_sent(key, "<id@forumflow>", sent_at)
    deliveries.mark_sent(key, "<id@forumflow>", sent_at)

    assert deliveries.claim(notice) == "already_sent"
    assert deliveries.was_sent(key)
    assert deliveries.count_sent() == 1


def test_expired_claim_is_taken_over_by_exactly_one_retry(deliveries: DeliveryLog) -> None:
    """After the lease, one of several concurrent retries takes the claim over; the rest wait."""
    notice = papers_reminder()
    long_ago = datetime.now(UTC) - DEFAULT_CLAIM_LEASE - timedelta(minutes=1)
    assert deliveries.claim(notice, now=long_ago) == "new"
    start = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        outcome = deliveries.claim(notice)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["in_progress"] * 5 + ["retry"]
    delivery = deliveries.delivery(notice.idempotency_key)
    assert delivery is not None
    assert delivery.attempts == 2
    assert delivery.first_attempt_at == long_ago


def test_release_frees_only_the_claim_it_names(deliveries: DeliveryLog) -> None:
    """A stale attempt's release cannot free a claim another attempt has since taken over."""
    notice = papers_reminder()
    key = notice.idempotency_key
    stale = datetime.now(UTC) - DEFAULT_CLAIM_LEASE - timedelta(minutes=1)
    deliveries.claim(notice, now=stale)
    current = datetime.now(UTC)
    assert deliveries.claim(notice, now=current) == "retry"

    assert deliveries.release(key, stale) is False
    assert deliveries.claim(notice) == "in_progress"
    assert deliveries.release(key, current) is True
    assert deliveries.claim(notice) == "retry"


def test_mark_sent_of_an_unclaimed_key_is_refused(deliveries: DeliveryLog) -> None:
    """Marking a key nobody claimed is a caller's bug and raises KeyError."""
    with pytest.raises(KeyError, match="claim it first"):
        deliveries.mark_sent("never/claimed", None, datetime.now(UTC))


def test_deliveries_for_a_request_keep_what_was_sent_to_whom(deliveries: DeliveryLog) -> None:
    """A request's delivery record keeps subjects, recipients, Message-IDs and UTC times."""
    reminder = papers_reminder(OFFICER, UNREACHABLE)
    other_request = papers_reminder(ref="SMF-2019-ABC")
    sent_at = datetime(2024, 3, 18, 17, 0, 5, tzinfo=UTC)
    for notice in (reminder, other_request):
        deliveries.claim(notice)
        deliveries.mark_sent(
            notice.idempotency_key, message_id_for(notice.idempotency_key), sent_at
        )

    (delivery,) = deliveries.deliveries_for(REF)

    assert delivery.idempotency_key == reminder.idempotency_key
    assert delivery.kind == reminder.kind
    assert delivery.subject == reminder.subject
    assert delivery.recipients == (OFFICER, UNREACHABLE)
    assert delivery.message_id == message_id_for(reminder.idempotency_key)
    assert delivery.sent_at == sent_at
    assert delivery.emailed
    assert deliveries.count_sent() == 2


def test_claim_refuses_a_naive_time(deliveries: DeliveryLog) -> None:
    """A claim time without a zone is refused rather than guessed."""
    with pytest.raises(ValueError, match="timezone-aware"):
        deliveries.claim(papers_reminder(), now=datetime(2024, 3, 18, 17, 0))  # noqa: DTZ001


def test_register_and_delivery_log_share_one_database(database_url: str) -> None:
    """The delivery log can use the register's engine, so one database holds both."""
    with DecisionRegister(database_url) as register:
        register.create_schema()
        log = DeliveryLog(register.engine)
        log.create_schema()
        log.claim(papers_reminder())

        tables = set(inspect(register.engine).get_table_names())
        assert {"register_entries", "notice_deliveries"} <= tables
        assert register.count() == 0
        log.close()
        assert log.claim(papers_reminder()) == "in_progress"
