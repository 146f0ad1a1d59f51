"""Who is asking: a bearer token names a user, and each route names the roles it needs.

The API's role check is the first lock; the workflow checks the same roles again from
the actor it is sent, so neither alone guards a transition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiError
from api.services import ApiServices
from domain.people import Role
from storage.accounts import User

_bearer = HTTPBearer(auto_error=False, description="a token minted for the user")


def services(request: Request) -> ApiServices:
    """The process's services, set on the app at start-up."""
    found: ApiServices = request.app.state.services
    return found


def current_user(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> User:
    """The user the bearer token belongs to; 401 without a live token."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(
            401, "unauthenticated", "Sign in: send Authorization: Bearer <token>", headers=challenge
        )
    user = services(request).directory.user_for_token(credentials.credentials)
    if user is None:
        raise ApiError(401, "unauthenticated", "The token is unknown or revoked", headers=challenge)
    return user


def require_role(user: User, allowed: Iterable[Role], doing: str) -> None:
    """403 unless the user holds one of ``allowed``."""
    needed = frozenset(allowed)
    if not user.roles & needed:
        names = " or ".join(
            f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value}" for role in sorted(needed)
        )
        raise ApiError(
            403,
            "forbidden",
            f"Only {names} may {doing}; {user.name} holds "
            f"{', '.join(sorted(r.value for r in user.roles))}",
            rule="role-not-permitted",
        )


def user_with(*allowed: Role, doing: str) -> Callable[..., User]:
    """A dependency: the current user, who must hold one of ``allowed``."""

    def check(user: User = Depends(current_user)) -> User:
        require_role(user, allowed, doing)
        return user

    return check
