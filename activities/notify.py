"""The activity that delivers notices: by email over SMTP, and always to the operators' log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from adapters.mailer import MailDeliveryError, SmtpMailer, build_email
from contracts import names
from contracts.activities import DeliveryReceipt
from domain.calendar import LONDON
from domain.notices import Notice, NoticeKind, Recipient
from domain.people import Role
from storage.accounts import User, UserDirectory
from storage.deliveries import DeliveryLog
from storage.digests import DigestQueue

OFFICES = frozenset({Role.chair, Role.clerk})
"""Roles a notice addresses as an office ("The chair"): whoever holds it hears of it.
A notice to an officer or a member without an address names one person instead."""


class NotificationActivities:
    """Delivers notices exactly once per idempotency key, as near as SMTP allows.

    Each delivery claims the notice's key in the delivery log, sends the email, then
    marks the key sent; a retry of a sent key sends nothing. A concurrent attempt on a
    key whose claim is held gets a retryable error and finds it sent next time.

    One duplicate window remains: the worker dies after the mail server accepted the
    message and before ``mark_sent`` committed, or the database stays away for the
    whole claim lease after the send (a shorter outage, such as a restart, is waited
    out: the attempt keeps its claim and retries the record). The retry cannot know
    the server has it, so it sends again. This is the smallest
    window possible: SMTP has no transaction a database can join, and a server's
    acceptance cannot be undone, so one of "mark, then send" (loses the notice if the
    send fails) or "send, then mark" (may repeat it) must be chosen, and a repeated
    reminder does less harm than a lost escalation. The repeat carries the same
    Message-ID as the first, so a receiving server or mail client that de-duplicates
    on Message-ID shows it once.

    Without a mailer (mail switched off), or when no recipient has an email address,
    the notice goes to the log channel only and is still marked delivered, so it is
    not retried for ever.

    A recipient without an address is looked up in the user ``directory``: the chair
    and the clerk become the users holding that role, an officer or member the user
    of that role with that name. Whoever is not found stays in the log channel only.

    A recipient who is a user that chose the daily digest is not emailed: the notice is
    queued in ``digests`` for them, and the day's digest (activities.digest) sends it.
    A notice queued for everyone it is for is recorded delivered, outcome ``queued``.
    """

    def __init__(
        self,
        mailer: SmtpMailer | None,
        deliveries: DeliveryLog,
        directory: UserDirectory | None = None,
        digests: DigestQueue | None = None,
    ) -> None:
        self._mailer = mailer
        self._deliveries = deliveries
        self._directory = directory
        self._digests = digests

    @activity.defn(name=names.DELIVER_NOTICE_ACTIVITY)
    def deliver(self, notice: Notice) -> DeliveryReceipt:
        """Deliver ``notice`` once; retried or concurrent calls with its key send nothing more.

        SMTP failures a retry can cure raise a retryable ApplicationError; those it
        cannot (every recipient refused, bad credentials, a malformed address) raise a
        non-retryable one saying why.
        """
        return self.deliver_now(notice, queue_for_digests=True)

    def deliver_now(self, notice: Notice, *, queue_for_digests: bool = False) -> DeliveryReceipt:
        """Deliver ``notice`` once, by email (``deliver``'s work); with
        ``queue_for_digests``, queued instead for the recipients who take the digest."""
        key = notice.idempotency_key
        notice = self._addressed(notice)
        claimed_at = datetime.now(UTC)
        claim = self._deliveries.claim(notice, now=claimed_at)
        if claim == "already_sent":
            previous = self._deliveries.delivery(key)
            message_id = previous.message_id if previous is not None else None
            activity.logger.info(
                "notice already delivered",
                extra={"idempotency_key": key, "kind": notice.kind.value, "message_id": message_id},
            )
            return DeliveryReceipt(
                idempotency_key=key,
                outcome="already_sent",
                message_id=message_id,
                recipients=previous.recipients if previous is not None else notice.recipients,
            )
        if claim == "in_progress":
            raise ApplicationError(
                f"notice {key!r} is being delivered by another attempt; retrying later, "
                "by when it will have been sent or its claim will have expired",
                type="NoticeDeliveryInProgress",
            )
        queued: tuple[Recipient, ...] = ()
        try:
            if queue_for_digests:
                notice, queued = self._queue_for_digests(notice)
            message_id = self._send(notice) if notice.recipients else None
        except BaseException:
            # Nothing went out, so the retry may send at once. Best effort: if this fails
            # too, the claim simply expires.
            try:
                self._deliveries.release(key, claimed_at)
            except Exception:
                activity.logger.exception(
                    "could not release notice claim", extra={"idempotency_key": key}
                )
            raise
        # The mail server has the notice now, so the claim is never released from here: a
        # retry that found it free would send it again. The record waits out a database
        # restart for as long as the claim holds.
        try:
            self._deliveries.mark_sent_within_claim(
                key, message_id, datetime.now(UTC), claimed_at=claimed_at
            )
        except Exception:
            activity.logger.exception(
                "notice sent but its delivery could not be recorded; a retry may send it again",
                extra={"idempotency_key": key, "message_id": message_id},
            )
            raise
        outcome: Literal["sent", "logged_only", "queued"] = (
            "sent" if message_id else "queued" if queued and not notice.addressed else "logged_only"
        )
        not_emailed = [_describe(r) for r in notice.recipients if message_id is None or not r.email]
        extra: dict[str, object] = {
            "idempotency_key": key,
            "kind": notice.kind.value,
            "request_ref": notice.request_ref,
            "recipients": [_describe(r) for r in (*notice.recipients, *queued)],
            "subject": notice.subject,
            "outcome": outcome,
            "message_id": message_id,
            "retry": claim == "retry",
        }
        if queued:
            extra["queued_for_digest"] = [_describe(r) for r in queued]
        if not_emailed:
            # The log is the only place these people's notice exists, so keep all of it.
            extra |= {"not_emailed": not_emailed, "body": notice.body}
        activity.logger.info("notice delivered", extra=extra)
        return DeliveryReceipt(
            idempotency_key=key,
            outcome=outcome,
            message_id=message_id,
            recipients=(*notice.recipients, *queued),
        )

    def was_delivered(self, key: str) -> bool:
        """Whether the notice under ``key`` has been delivered (emailed or logged)."""
        return self._deliveries.was_sent(key)

    def _queue_for_digests(self, notice: Notice) -> tuple[Notice, tuple[Recipient, ...]]:
        """Queue ``notice`` for its recipients who take the daily digest; the notice for
        the others (it may have none left), and who it was queued for."""
        if self._digests is None or self._directory is None or notice.kind is NoticeKind.digest:
            return notice, ()
        takers: dict[str, User] = {
            user.email.lower(): user for user in self._directory.taking_digests()
        }
        queued: list[Recipient] = []
        others: list[Recipient] = []
        now = datetime.now(UTC)
        for recipient in notice.recipients:
            user = takers.get((recipient.email or "").lower())
            if user is None:
                others.append(recipient)
                continue
            self._digests.queue(notice, user.user_id, now=now, day=now.astimezone(LONDON).date())
            queued.append(recipient)
        # A notice needs a recipient; with none left it is not emailed (and not logged twice).
        remaining = notice.model_copy(update={"recipients": tuple(others)})
        return remaining, tuple(queued)

    def _addressed(self, notice: Notice) -> Notice:
        """The notice to the people the directory says hold its recipients' roles."""
        if self._directory is None or all(r.email is not None for r in notice.recipients):
            return notice
        people: dict[str, Recipient] = {}
        for recipient in notice.recipients:
            for person in self._people(recipient):
                people.setdefault(person.email or f"{person.name}/{person.role.value}", person)
        return notice.model_copy(update={"recipients": tuple(people.values())})

    def _people(self, recipient: Recipient) -> list[Recipient]:
        if recipient.email is not None or self._directory is None:
            return [recipient]
        holders = self._directory.holding(recipient.role)
        if recipient.role not in OFFICES:
            holders = [user for user in holders if user.name == recipient.name]
        found = [Recipient(name=u.name, email=u.email, role=recipient.role) for u in holders]
        return found or [recipient]

    def _send(self, notice: Notice) -> str | None:
        """Email the notice; its Message-ID, or None when there was nobody to email."""
        if self._mailer is None or not notice.addressed:
            return None
        try:
            message = build_email(notice, self._mailer.sender)
        except ValueError as error:
            raise ApplicationError(
                f"notice {notice.idempotency_key!r} cannot be made into an email: {error}",
                type="InvalidNotice",
                non_retryable=True,
            ) from error
        try:
            self._mailer.send(message)
        except MailDeliveryError as error:
            if not error.permanent:
                # The one line operators get per attempt. The error is raised as benign,
                # so the worker logs its traceback at DEBUG only, not once per retry.
                activity.logger.warning(
                    "notice not sent: the mail server is unavailable or busy; it will be retried",
                    extra={
                        "idempotency_key": notice.idempotency_key,
                        "kind": notice.kind.value,
                        "request_ref": notice.request_ref,
                        "error": str(error),
                    },
                )
            raise ApplicationError(
                f"notice {notice.idempotency_key!r} ({notice.subject}) was not delivered: {error}",
                type="MailPermanentFailure" if error.permanent else "MailTemporaryFailure",
                non_retryable=error.permanent,
                category=(
                    ApplicationErrorCategory.UNSPECIFIED
                    if error.permanent
                    else ApplicationErrorCategory.BENIGN
                ),
            ) from error
        return str(message["Message-ID"])


def _describe(recipient: Recipient) -> str:
    address = f" <{recipient.email}>" if recipient.email else " (no email address)"
    return f"{recipient.name}{address}, {recipient.role.value}"
