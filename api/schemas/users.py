"""The API's models of users and tokens: listings, a new token's label, a revocation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from storage.accounts import User


class UserList(BaseModel):
    """Every user, by id."""

    model_config = ConfigDict(frozen=True)

    users: tuple[User, ...]


class NewToken(BaseModel):
    """What to call a new token, so its owner can tell their tokens apart."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(default="api", min_length=1, max_length=100, pattern=r"\S")


class RevokedTokens(BaseModel):
    """How many live tokens of the user were revoked."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    revoked: int = Field(ge=0)
