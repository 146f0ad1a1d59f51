"""The user directory: people, their roles and their API tokens, in the same database
as the decision register (a SQLite file by default, PostgreSQL in docker-compose).

A token is shown once, when it is minted, and only its SHA-256 digest is stored: a
copy of the database does not let anyone sign in. Tokens are 256 random bits, so a
plain digest (no salt, no slow hash) is enough to make them unrecoverable.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    MetaData,
    String,
    Table,
    Text,
    false,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from domain.people import Actor, Member, MemberGroup, Role
from domain.values import Email
from storage.engine import Store, UTCDateTime

TOKEN_PREFIX = "ff_"  # noqa: S105 - marks a forumflow token, not a secret

UserId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,40}$")]

# No naming convention: the primary and foreign keys keep the names the database gave
# them, which the migrations leave to it too.
metadata = MetaData()

users_table = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("member_group", String(40), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column(
        "daily_digest",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="notices gathered into one email a day instead of one email each",
    ),
)

tokens_table = Table(
    "api_tokens",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("label", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)


class UnknownUser(LookupError):  # noqa: N818 - a named outcome
    """No user has this id."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"No user with id {user_id!r}")
        self.user_id = user_id


class UserAlreadyExists(ValueError):  # noqa: N818 - a named outcome
    """A user with this id exists already; nothing was changed."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"A user with id {user_id!r} already exists")
        self.user_id = user_id


class NewUser(BaseModel):
    """A person to add: members also name the group they represent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: UserId
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    email: Email
    roles: frozenset[Role] = Field(min_length=1)
    group: MemberGroup | None = Field(default=None, description="forum members only")
    daily_digest: bool = Field(
        default=False,
        description="notices come in one email a day (the daily digest) instead of one each",
    )

    @model_validator(mode="after")
    def _group_for_members(self) -> Self:
        is_member = Role.member in self.roles
        if is_member and self.group is None:
            raise ValueError("group: a forum member must name the group they represent")
        if not is_member and self.group is not None:
            raise ValueError("group: only a user with the member role belongs to a group")
        return self

    @classmethod
    def for_member(cls, member: Member) -> NewUser:
        """The user a forum member signs in as: their member id, name, address and group."""
        return cls(
            user_id=member.member_id,
            name=member.name,
            email=member.email,
            roles=frozenset({Role.member}),
            group=member.group,
        )


class User(NewUser):
    """A person who may sign in, and what they may do."""

    created_at: datetime

    def actor(self) -> Actor:
        """The user as the workflows record them in the audit trail."""
        return Actor(
            user_id=self.user_id,
            name=self.name,
            roles=self.roles,
            group=self.group,
            email=self.email,
        )


class IssuedToken(BaseModel):
    """A freshly minted token; ``token`` is shown this once and never stored."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    label: str
    token: str


def token_digest(token: str) -> str:
    """What is stored in place of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserDirectory(Store):
    """Users and tokens in a SQL database."""

    def add(self, new: NewUser) -> User:
        """Add a user; an id taken before raises UserAlreadyExists."""
        now = datetime.now(UTC)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(users_table).values(
                        user_id=new.user_id,
                        name=new.name,
                        email=new.email,
                        roles=",".join(sorted(role.value for role in new.roles)),
                        member_group=new.group.value if new.group else None,
                        created_at=now,
                        daily_digest=new.daily_digest,
                    )
                )
        except IntegrityError:
            raise UserAlreadyExists(new.user_id) from None
        return User(**new.model_dump(), created_at=now)

    def get(self, user_id: str) -> User:
        """The user with this id, or UnknownUser."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(users_table).where(users_table.c.user_id == user_id)
            ).one_or_none()
        if row is None:
            raise UnknownUser(user_id)
        return _user(row._mapping)

    def all(self) -> list[User]:
        """Every user, by id."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(users_table).order_by(users_table.c.user_id)).all()
        return [_user(row._mapping) for row in rows]

    def holding(self, role: Role) -> list[User]:
        """Every user who holds ``role``, by id."""
        return [user for user in self.all() if role in user.roles]

    def set_daily_digest(self, user_id: str, daily_digest: bool) -> User:
        """Choose whether ``user_id``'s notices come as one daily digest; UnknownUser if none."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(users_table)
                .where(users_table.c.user_id == user_id)
                .values(daily_digest=daily_digest)
            )
        if result.rowcount == 0:
            raise UnknownUser(user_id)
        return self.get(user_id)

    def taking_digests(self) -> list[User]:
        """Every user who chose the daily digest, by id."""
        return [user for user in self.all() if user.daily_digest]

    def is_empty(self) -> bool:
        """Whether nobody has been added yet (the first run seeds the first users)."""
        with self._engine.connect() as conn:
            return conn.execute(select(users_table.c.user_id).limit(1)).first() is None

    def mint_token(self, user_id: str, label: str = "api") -> IssuedToken:
        """A new bearer token for the user; only its digest is kept."""
        self.get(user_id)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            conn.execute(
                insert(tokens_table).values(
                    token_digest=token_digest(token),
                    user_id=user_id,
                    label=label,
                    created_at=datetime.now(UTC),
                )
            )
        return IssuedToken(user_id=user_id, label=label, token=token)

    def revoke_tokens(self, user_id: str) -> int:
        """Revoke every live token of the user; how many were revoked."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(tokens_table)
                .where(tokens_table.c.user_id == user_id, tokens_table.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        return int(result.rowcount)

    def user_for_token(self, token: str) -> User | None:
        """Who a live token belongs to; None for an unknown or revoked token."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        query = (
            select(users_table)
            .join(tokens_table, tokens_table.c.user_id == users_table.c.user_id)
            .where(
                tokens_table.c.token_digest == token_digest(token),
                tokens_table.c.revoked_at.is_(None),
            )
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return _user(row._mapping) if row is not None else None


def _user(row: object) -> User:
    mapping = dict(row)  # type: ignore[call-overload]
    roles = frozenset(Role(value) for value in str(mapping["roles"]).split(",") if value)
    group = mapping["member_group"]
    return User(
        user_id=mapping["user_id"],
        name=mapping["name"],
        email=mapping["email"],
        roles=roles,
        group=MemberGroup(group) if group else None,
        created_at=mapping["created_at"],
        daily_digest=bool(mapping["daily_digest"]),
    )
