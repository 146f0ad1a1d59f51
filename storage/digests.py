"""Notices waiting for a person's daily digest, and which digest took them.

A person who chose a daily digest gets no email per notice: the delivery activity
queues the notice here for them instead, once per notice and person (the notice's
idempotency key and the user id are the key, so a retried delivery queues nothing
more). Each day's digest run gathers the person's waiting notices under that day's
digest key, ``digest/<user id>/<London day>``, and sends them in one email through the
delivery log, which makes the email exactly-once per key: a retried run gathers the
same notices under the same key and finds the email sent.

It lives beside the delivery log, in the same database, and follows its rules:
SQLAlchemy Core, SQLite or PostgreSQL, one connection per call.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from domain.notices import Notice, NoticeKind
from storage.accounts import users_table
from storage.engine import NAMING_CONVENTION, Store, UTCDateTime

digests_metadata = MetaData(naming_convention=NAMING_CONVENTION)

notice_digest_items = Table(
    "notice_digest_items",
    digests_metadata,
    Column("notice_key", Text, primary_key=True),
    Column("user_id", String(64), ForeignKey(users_table.c.user_id), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("request_ref", Text, nullable=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("queued_on", Date, nullable=False, comment="the London day it was queued"),
    Column("digest_key", Text, nullable=True, comment="NULL: waiting for the next digest"),
    Index(None, "user_id", "digest_key"),
)


def digest_key(user_id: str, day: date) -> str:
    """The key of ``user_id``'s digest for the London ``day``: one email per person a day."""
    return f"digest/{user_id}/{day.isoformat()}"


class QueuedNotice(BaseModel):
    """One notice waiting for, or gathered into, a person's digest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notice_key: str
    user_id: str
    kind: NoticeKind
    request_ref: str | None
    subject: str
    body: str
    queued_at: datetime
    queued_on: date
    digest_key: str | None


class DigestQueue(Store):
    """Queues notices for people who take a daily digest, and gathers each day's."""

    def queue(self, notice: Notice, user_id: str, *, now: datetime, day: date) -> bool:
        """Keep ``notice`` for ``user_id``'s next digest; False if it was queued before."""
        table = notice_digest_items
        insert = (
            self._insert()
            .values(
                notice_key=notice.idempotency_key,
                user_id=user_id,
                kind=notice.kind.value,
                request_ref=notice.request_ref,
                subject=notice.subject,
                body=notice.body,
                queued_at=now,
                queued_on=day,
                digest_key=None,
            )
            .on_conflict_do_nothing(index_elements=[table.c.notice_key, table.c.user_id])
            .returning(table.c.notice_key)
        )
        with self._engine.begin() as conn:
            return conn.execute(insert).scalar_one_or_none() is not None

    def gather(
        self, user_id: str, key: str, *, up_to: datetime, open_for_more: bool
    ) -> list[QueuedNotice]:
        """The notices under digest ``key`` for ``user_id``, oldest first.

        While ``open_for_more`` (the digest's email has not gone), the person's waiting
        notices queued up to ``up_to`` join it first; once it has gone, the key's notices
        are only read back, and later ones wait for the next day's digest.
        """
        table = notice_digest_items
        with self._engine.begin() as conn:
            if open_for_more:
                conn.execute(
                    update(table)
                    .where(
                        table.c.user_id == user_id,
                        table.c.digest_key.is_(None),
                        table.c.queued_at <= up_to,
                    )
                    .values(digest_key=key)
                )
            rows = conn.execute(
                select(table)
                .where(table.c.user_id == user_id, table.c.digest_key == key)
                .order_by(table.c.queued_at, table.c.notice_key)
            ).all()
        return [_queued(row._mapping) for row in rows]

    def users_for_day(self, day: date, up_to: datetime) -> list[str]:
        """Who has a digest to send for ``day``, by id: notices queued up to ``up_to``
        that no digest has taken, or notices already gathered under that day's key (a
        run that stopped before its email went)."""
        table = notice_digest_items
        query = (
            select(table.c.user_id)
            .where(
                or_(
                    and_(table.c.digest_key.is_(None), table.c.queued_at <= up_to),
                    table.c.digest_key.like(f"digest/%/{day.isoformat()}"),
                )
            )
            .distinct()
            .order_by(table.c.user_id)
        )
        with self._engine.connect() as conn:
            return [str(user_id) for user_id in conn.execute(query).scalars()]

    def items(self, user_id: str, *, waiting_only: bool = False) -> list[QueuedNotice]:
        """Every notice queued for ``user_id`` (only those no digest took, if asked)."""
        table = notice_digest_items
        query = select(table).where(table.c.user_id == user_id)
        if waiting_only:
            query = query.where(table.c.digest_key.is_(None))
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.queued_at, table.c.notice_key)).all()
        return [_queued(row._mapping) for row in rows]

    def _insert(self) -> sqlite.Insert | postgresql.Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(notice_digest_items)
        return sqlite.insert(notice_digest_items)


def _queued(row: object) -> QueuedNotice:
    return QueuedNotice.model_validate(dict(row))  # type: ignore[call-overload]
