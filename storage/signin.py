"""Sign-in for people in a browser: one-time email links, the rate limit on asking for
them, and the server-side sessions they start, in the same database as the users.

A link and a session cookie are bearer secrets like an API token, so only their
SHA-256 digests are stored (256 random bits each: a plain digest makes them
unrecoverable from a copy of the database). A link works once, until it expires; a
session ends on sign-out or after a stretch without requests. Every check of time
reads the clock the store is given, so tests can move it instead of waiting.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from storage.accounts import users_table
from storage.engine import NAMING_CONVENTION, Store, UTCDateTime

Clock = Callable[[], datetime]
"""Now, timezone-aware."""

LINK_LIFETIME = timedelta(minutes=15)
"""How long a sign-in link works, if it is not used first."""

ATTEMPT_WINDOW = timedelta(minutes=15)
"""The rate limit counts the links asked for in this stretch of time."""

# A session's last request is written at most this often: a page that makes several
# requests does not write the database for each.
_TOUCH_EVERY = timedelta(seconds=60)

metadata = MetaData(naming_convention=NAMING_CONVENTION)

sign_in_links_table = Table(
    "sign_in_links",
    metadata,
    Column("link_digest", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey(users_table.c.user_id), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_sign_in_links_user_id", "user_id"),
)

sign_in_attempts_table = Table(
    "sign_in_attempts",
    metadata,
    # SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    # Digests, not the address and IP themselves: counting needs no personal data.
    Column("address_digest", String(64), nullable=False),
    Column("client_digest", String(64), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index("ix_sign_in_attempts_address", "address_digest", "attempted_at"),
    Index("ix_sign_in_attempts_client", "client_digest", "attempted_at"),
    Index("ix_sign_in_attempts_attempted_at", "attempted_at"),
)

web_sessions_table = Table(
    "web_sessions",
    metadata,
    Column("session_digest", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey(users_table.c.user_id), nullable=False),
    Column("signed_in_by", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_web_sessions_user_id", "user_id"),
)


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def digest(secret: str) -> str:
    """What is stored in place of a link, a session token, an address or an IP."""
    return hashlib.sha256(secret.encode()).hexdigest()


class LinkState(enum.Enum):
    """What a sign-in link is worth now."""

    valid = "valid"
    used = "used"
    expired = "expired"
    unknown = "unknown"


@dataclass(frozen=True)
class LinkCheck:
    """A link's state, and whose it is when the store knows it."""

    state: LinkState
    user_id: str | None = None


@dataclass(frozen=True)
class IssuedLink:
    """A fresh link's secret, shown only in the message that carries it."""

    user_id: str
    token: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class LiveSession:
    """A session that is still on: whose it is and how they proved it."""

    user_id: str
    signed_in_by: str


class SignInStore(Store):
    """Links, attempts and sessions in a SQL database.

    ``session_idle``: a session with no request for this long is over. ``clock``: the
    time every expiry is judged by.
    """

    def __init__(self, url: str, *, session_idle: timedelta, clock: Clock = utc_now) -> None:
        super().__init__(url)
        self._idle = session_idle
        self._clock = clock

    def user_ids_for_email(self, address: str) -> list[str]:
        """The users whose address this is, ignoring case; usually one, perhaps none."""
        query = (
            select(users_table.c.user_id)
            .where(func.lower(users_table.c.email) == address.strip().lower())
            .order_by(users_table.c.user_id)
        )
        with self._engine.connect() as conn:
            return [str(row.user_id) for row in conn.execute(query)]

    def allow_attempt(
        self, address: str, client: str, *, per_address: int, per_client: int
    ) -> bool:
        """Count a request for a link from ``client`` to ``address`` unless either has
        asked too often in the last ATTEMPT_WINDOW; whether it was allowed.

        Every address counts, known or not, so the limit says nothing about who has an
        account. Refused requests are not counted: someone flooding a colleague's
        address from elsewhere keeps them out only while the flood goes on.
        """
        now = self._clock()
        since = now - ATTEMPT_WINDOW
        address_key = digest(address.strip().lower())
        client_key = digest(client)
        attempts = sign_in_attempts_table
        with self._engine.begin() as conn:
            conn.execute(delete(attempts).where(attempts.c.attempted_at < since))
            by_address = conn.execute(
                select(func.count())
                .select_from(attempts)
                .where(attempts.c.address_digest == address_key, attempts.c.attempted_at >= since)
            ).scalar_one()
            by_client = conn.execute(
                select(func.count())
                .select_from(attempts)
                .where(attempts.c.client_digest == client_key, attempts.c.attempted_at >= since)
            ).scalar_one()
            if by_address >= per_address or by_client >= per_client:
                return False
            conn.execute(
                insert(attempts).values(
                    address_digest=address_key, client_digest=client_key, attempted_at=now
                )
            )
        return True

    def issue_link(self, user_id: str) -> IssuedLink:
        """A new one-time link for the user, working for LINK_LIFETIME."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + LINK_LIFETIME
        with self._engine.begin() as conn:
            conn.execute(
                insert(sign_in_links_table).values(
                    link_digest=digest(token),
                    user_id=user_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return IssuedLink(user_id=user_id, token=token, issued_at=now, expires_at=expires_at)

    def check_link(self, token: str) -> LinkCheck:
        """What the link is worth, without using it (a mail scanner may look)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(sign_in_links_table).where(
                    sign_in_links_table.c.link_digest == digest(token)
                )
            ).one_or_none()
        if row is None:
            return LinkCheck(LinkState.unknown)
        if row.used_at is not None:
            return LinkCheck(LinkState.used, row.user_id)
        if row.expires_at <= self._clock():
            return LinkCheck(LinkState.expired, row.user_id)
        return LinkCheck(LinkState.valid, row.user_id)

    def use_link(self, token: str) -> LinkCheck:
        """Use the link: ``valid`` (with its user) for the one call that uses it, and
        what it is worth now for every other call, however many race."""
        now = self._clock()
        links = sign_in_links_table
        with self._engine.begin() as conn:
            used = conn.execute(
                update(links)
                .where(
                    links.c.link_digest == digest(token),
                    links.c.used_at.is_(None),
                    links.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(links.c.user_id)
            ).one_or_none()
        if used is not None:
            return LinkCheck(LinkState.valid, str(used.user_id))
        return self.check_link(token)

    def start_session(self, user_id: str, signed_in_by: str) -> str:
        """A new session for the user; the token for their cookie (only its digest is kept)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                insert(web_sessions_table).values(
                    session_digest=digest(token),
                    user_id=user_id,
                    signed_in_by=signed_in_by,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token

    def session(self, token: str) -> LiveSession | None:
        """The live session this token opens, marked as seen now; None if there is none,
        it ended, or it has been idle for too long."""
        now = self._clock()
        sessions = web_sessions_table
        key = digest(token)
        with self._engine.connect() as conn:
            row = conn.execute(
                select(sessions).where(
                    sessions.c.session_digest == key, sessions.c.ended_at.is_(None)
                )
            ).one_or_none()
        if row is None or row.last_seen_at <= now - self._idle:
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            with self._engine.begin() as conn:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.session_digest == key)
                    .values(last_seen_at=now)
                )
        return LiveSession(user_id=str(row.user_id), signed_in_by=str(row.signed_in_by))

    def end_session(self, token: str) -> None:
        """End the session (sign-out); ending one already over changes nothing."""
        sessions = web_sessions_table
        with self._engine.begin() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.session_digest == digest(token), sessions.c.ended_at.is_(None))
                .values(ended_at=self._clock())
            )
