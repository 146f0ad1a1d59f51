"""Users and their tokens: who is signed in, who may sign in, and minting and revoking
the bearer tokens they sign in with.

A token is shown once, in the answer that mints it; the directory keeps only its digest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status

from api.auth import current_user, require_role, services, user_with
from api.body import body_openapi, json_body
from api.problems import responses
from api.schemas.users import NewToken, RevokedTokens, UserList
from api.services import ApiServices
from api.utc import UtcRoute
from domain.people import Role
from storage.accounts import IssuedToken, NewUser, User

router = APIRouter(tags=["users"], route_class=UtcRoute)

UserIdPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{1,40}$", description='e.g. "sean.hogg"')
]


_parse_new_token = json_body(NewToken)


async def new_token(request: Request) -> NewToken:
    """The body's label, or the default label when no body is sent."""
    if not (await request.body()).strip():
        return NewToken()
    return await _parse_new_token(request)


def _new_token_openapi() -> dict[str, Any]:
    extra = body_openapi(NewToken)
    extra["requestBody"]["required"] = False
    return extra


def clerk_or_self(doing: str) -> Callable[..., User]:
    """A dependency: the current user, who must be the user of the path or a clerk."""

    def check(user_id: UserIdPath, user: Annotated[User, Depends(current_user)]) -> User:
        if user.user_id != user_id:
            require_role(user, {Role.clerk}, doing)
        return user

    return check


_MINTER = clerk_or_self("mint a token for another user")
_REVOKER = clerk_or_self("revoke another user's tokens")


@router.get("/me", response_model=User, responses=responses(401), summary="Who is signed in")
def me(user: Annotated[User, Depends(current_user)]) -> User:
    """The user the bearer token belongs to, with their roles."""
    return user


@router.get(
    "/users",
    response_model=UserList,
    responses=responses(401, 403),
    summary="List users (clerk or chair)",
)
def list_users(
    _: Annotated[User, Depends(user_with(Role.clerk, Role.chair, doing="list the users"))],
    svc: Annotated[ApiServices, Depends(services)],
) -> UserList:
    """Every user who may sign in, by id."""
    return UserList(users=tuple(svc.directory.all()))


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=User,
    responses=responses(401, 403, 409, 413, 422),
    openapi_extra=body_openapi(NewUser),
    summary="Add a user (clerk)",
)
def add_user(
    _: Annotated[User, Depends(user_with(Role.clerk, doing="add a user"))],
    new: Annotated[NewUser, Depends(json_body(NewUser))],
    svc: Annotated[ApiServices, Depends(services)],
) -> User:
    """Add a person with their roles; a member names the group they represent. An id
    taken before is refused (409). The new user signs in once a token is minted."""
    return svc.directory.add(new)


@router.post(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedToken,
    responses=responses(401, 403, 404, 413, 422),
    openapi_extra=_new_token_openapi(),
    summary="Mint a token (clerk, or the user themself)",
)
def mint_token(
    user_id: UserIdPath,
    _: Annotated[User, Depends(_MINTER)],
    body: Annotated[NewToken, Depends(new_token)],
    svc: Annotated[ApiServices, Depends(services)],
) -> IssuedToken:
    """A new bearer token for the user, shown in this answer only: keep it now, it cannot
    be shown again. The body (optional) labels it."""
    return svc.directory.mint_token(user_id, body.label)


@router.delete(
    "/users/{user_id}/tokens",
    response_model=RevokedTokens,
    responses=responses(401, 403, 404, 422),
    summary="Revoke a user's tokens (clerk, or the user themself)",
)
def revoke_tokens(
    user_id: UserIdPath,
    _: Annotated[User, Depends(_REVOKER)],
    svc: Annotated[ApiServices, Depends(services)],
) -> RevokedTokens:
    """Revoke every live token of the user; each then answers 401. Revoking your own
    signs you out everywhere."""
    svc.directory.get(user_id)
    return RevokedTokens(user_id=user_id, revoked=svc.directory.revoke_tokens(user_id))
