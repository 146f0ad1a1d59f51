"""The log of notice deliveries: which notices went out, when, and under which Message-ID.

It is what makes delivery exactly-once per idempotency key in practice: an attempt
claims the key before sending and marks it sent afterwards, and the database (not a
prior read) decides which of several concurrent attempts may send. It lives beside
the decision register, in the same database, and follows its rules: SQLAlchemy Core,
SQLite or PostgreSQL, one connection per call so the activity thread pool can share it.

A claim is a lease. The attempt that holds it is the only one that may send; another
attempt that finds the key claimed is told ``in_progress`` and should try again later.
An attempt that fails releases its claim, so the next retry may send at once; one that
dies without releasing (the worker crashed) leaves the claim to expire after
``claim_lease``, after which a retry takes it over and sends again, with the same
Message-ID. An attempt that has sent keeps its claim and retries the record through a
database that is briefly away (``mark_sent_within_claim``), so a restart of the
database between the send and the record does not send the notice twice.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import InterfaceError, OperationalError

from domain.notices import Notice, NoticeKind, Recipient
from storage.engine import NAMING_CONVENTION, Store, UTCDateTime

ClaimOutcome = Literal["new", "retry", "in_progress", "already_sent"]
"""new: first attempt, send. retry: an earlier attempt did not finish, send again.
in_progress: another attempt holds the claim, do not send now. already_sent: done."""

DeliveryStatus = Literal["sending", "sent"]

DEFAULT_CLAIM_LEASE = timedelta(minutes=5)
"""Longer than any one SMTP exchange can take with the mailer's per-operation timeout."""

# A metadata of its own (the table came with its own store); the register's naming
# convention keeps constraint names alike. The migrations create it with its tables.
deliveries_metadata = MetaData(naming_convention=NAMING_CONVENTION)

notice_deliveries = Table(
    "notice_deliveries",
    deliveries_metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("request_ref", Text, nullable=True),
    Column("subject", Text, nullable=False),
    Column("recipients", Text, nullable=False, comment="JSON array of the notice's recipients"),
    Column("status", String(16), nullable=False),
    Column("message_id", Text, nullable=True, comment="NULL when sent to the log only"),
    Column("first_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=True, comment="lease start; NULL: unclaimed"),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False),
    CheckConstraint("status IN ('sending', 'sent')", name="status_known"),
    CheckConstraint("attempts >= 1", name="attempts_positive"),
    CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    Index(None, "request_ref", "first_attempt_at"),
)

_recipients_json: TypeAdapter[tuple[Recipient, ...]] = TypeAdapter(tuple[Recipient, ...])


class Delivery(BaseModel):
    """One notice's delivery record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    kind: NoticeKind
    request_ref: str | None
    subject: str
    recipients: tuple[Recipient, ...]
    status: DeliveryStatus
    message_id: str | None
    first_attempt_at: datetime
    claimed_at: datetime | None
    sent_at: datetime | None
    attempts: int

    @property
    def emailed(self) -> bool:
        """Whether an email went out (False: the notice was only logged)."""
        return self.status == "sent" and self.message_id is not None


class DeliveryLog(Store):
    """Claims, records and reports notice deliveries."""

    def __init__(
        self, engine_or_url: Engine | str, *, claim_lease: timedelta = DEFAULT_CLAIM_LEASE
    ) -> None:
        if claim_lease <= timedelta(0):
            raise ValueError(f"claim_lease must be positive, got {claim_lease}")
        super().__init__(engine_or_url)
        self._lease = claim_lease

    def claim(self, notice: Notice, *, now: datetime | None = None) -> ClaimOutcome:
        """Claim the right to send ``notice`` now; see ClaimOutcome for what to do next.

        ``now`` is the claim's start and its token: pass the same value to ``release``.
        Race-safe: a single INSERT .. ON CONFLICT DO NOTHING decides the first claim,
        and a conditional UPDATE decides which retry takes over an expired one. The
        record keeps the notice as first claimed; later claims only count attempts.
        """
        claimed_at = _aware(now or datetime.now(UTC), "now")
        table = notice_deliveries
        key = notice.idempotency_key
        insert = (
            self._insert()
            .values(
                idempotency_key=key,
                kind=notice.kind.value,
                request_ref=notice.request_ref,
                subject=notice.subject,
                recipients=json.dumps(
                    [recipient.model_dump(mode="json") for recipient in notice.recipients]
                ),
                status="sending",
                message_id=None,
                first_attempt_at=claimed_at,
                claimed_at=claimed_at,
                sent_at=None,
                attempts=1,
            )
            .on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
            .returning(table.c.idempotency_key)
        )
        take_over = (
            update(table)
            .where(
                table.c.idempotency_key == key,
                table.c.status == "sending",
                or_(table.c.claimed_at.is_(None), table.c.claimed_at <= claimed_at - self._lease),
            )
            .values(attempts=table.c.attempts + 1, claimed_at=claimed_at)
            .returning(table.c.idempotency_key)
        )
        with self._engine.begin() as conn:
            if conn.execute(insert).scalar_one_or_none() is not None:
                return "new"
            # ON CONFLICT waited for any concurrent insert of the key to commit, and on
            # PostgreSQL the UPDATE re-checks its WHERE against a row another attempt
            # has just taken over, so at most one attempt gets "retry".
            if conn.execute(take_over).scalar_one_or_none() is not None:
                return "retry"
            status = conn.execute(
                select(table.c.status).where(table.c.idempotency_key == key)
            ).scalar_one()
        return "already_sent" if status == "sent" else "in_progress"

    def release(self, key: str, claimed_at: datetime) -> bool:
        """Give up the claim made at ``claimed_at`` without sending, so a retry can send now.

        Only that claim is released: if it had expired and another attempt took over,
        the other attempt's claim stands. True if a claim was released.
        """
        table = notice_deliveries
        with self._engine.begin() as conn:
            result = conn.execute(
                update(table)
                .where(
                    table.c.idempotency_key == key,
                    table.c.status == "sending",
                    table.c.claimed_at == _aware(claimed_at, "claimed_at"),
                )
                .values(claimed_at=None)
            )
        return result.rowcount == 1

    def mark_sent(self, key: str, message_id: str | None, at: datetime) -> None:
        """Record that the notice under ``key`` went out (``message_id`` None: log only).

        Idempotent: marking an already sent key again changes nothing. Raises
        KeyError if the key was never claimed, which means a caller skipped ``claim``.
        """
        table = notice_deliveries
        with self._engine.begin() as conn:
            result = conn.execute(
                update(table)
                .where(table.c.idempotency_key == key, table.c.status == "sending")
                .values(
                    status="sent",
                    message_id=message_id,
                    sent_at=_aware(at, "at"),
                    claimed_at=None,
                )
            )
            if result.rowcount == 0:
                known = conn.execute(
                    select(table.c.idempotency_key).where(table.c.idempotency_key == key)
                ).scalar_one_or_none()
                if known is None:
                    raise KeyError(f"no delivery of notice {key!r} was claimed; claim it first")

    def mark_sent_within_claim(
        self, key: str, message_id: str | None, at: datetime, *, claimed_at: datetime
    ) -> None:
        """``mark_sent`` for the attempt whose claim was made at ``claimed_at``, retried
        through database errors that pass (a restart, a dropped connection, a locked
        SQLite file) until that claim expires.

        Until then no other attempt may send, so a record written by then is in time to
        stop the retry sending again. Raises the database's last error if it is still
        away when the claim expires.
        """
        expires = _aware(claimed_at, "claimed_at") + self._lease
        pause = 0.05
        while True:
            try:
                self.mark_sent(key, message_id, at)
                return
            except (OperationalError, InterfaceError):
                left = (expires - datetime.now(UTC)).total_seconds()
                if left <= 0:
                    raise
                time.sleep(min(pause, left))
                pause = min(pause * 2, 1.0)

    def delivery(self, key: str) -> Delivery | None:
        """The delivery record under ``key``, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(notice_deliveries).where(notice_deliveries.c.idempotency_key == key)
            ).one_or_none()
        return _delivery(row) if row is not None else None

    def was_sent(self, key: str) -> bool:
        """Whether the notice under ``key`` has been delivered (emailed or logged)."""
        with self._engine.connect() as conn:
            status = conn.execute(
                select(notice_deliveries.c.status).where(notice_deliveries.c.idempotency_key == key)
            ).scalar_one_or_none()
        return status == "sent"

    def count_sent(self) -> int:
        """How many notices have been delivered (emailed or logged)."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(notice_deliveries)
                    .where(notice_deliveries.c.status == "sent")
                ).scalar_one()
            )

    def deliveries_for(self, request_ref: str) -> list[Delivery]:
        """Every delivery about one request, in the order first attempted."""
        query = (
            select(notice_deliveries)
            .where(notice_deliveries.c.request_ref == request_ref)
            .order_by(notice_deliveries.c.first_attempt_at, notice_deliveries.c.idempotency_key)
        )
        with self._engine.connect() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def _insert(self) -> sqlite.Insert | postgresql.Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(notice_deliveries)
        return sqlite.insert(notice_deliveries)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        idempotency_key=row.idempotency_key,
        kind=NoticeKind(row.kind),
        request_ref=row.request_ref,
        subject=row.subject,
        recipients=_recipients_json.validate_json(row.recipients),
        status=row.status,
        message_id=row.message_id,
        first_attempt_at=row.first_attempt_at,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        attempts=row.attempts,
    )
