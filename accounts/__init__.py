"""Who may use forumflow: users with roles, and the bearer tokens they sign in with."""

from accounts.store import (
    IssuedToken,
    NewUser,
    UnknownUser,
    User,
    UserAlreadyExists,
    UserDirectory,
)

__all__ = [
    "IssuedToken",
    "NewUser",
    "UnknownUser",
    "User",
    "UserAlreadyExists",
    "UserDirectory",
]
