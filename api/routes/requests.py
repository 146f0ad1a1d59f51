"""Funding requests: create, list, read, and one route per lifecycle transition."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import current_user, services, user_with
from api.body import body_openapi, json_body
from api.funding_listing import listed_funding
from api.params import CalendarDate
from api.problems import responses
from api.schemas.requests import (
    AllowedActions,
    AuditTrail,
    CreateRequest,
    RequestDeadlines,
    RequestList,
    RequestState,
    TransitionResult,
)
from api.services import ApiServices
from api.transitions import RecordRoutes, TransitionRoute, add_transition_routes
from api.utc import UtcRoute, in_utc
from clients.requests import RequestAlreadyExists
from domain.people import Actor, Role
from domain.request.commands import COMMAND_TRANSITION, Command
from domain.request.draft import FundingSource, RequestDraft
from domain.request.lifecycle import PERMISSIONS
from domain.request.models import Stage
from domain.values import Reference
from storage.accounts import User

router = APIRouter(prefix="/requests", tags=["requests"], route_class=UtcRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestState,
    responses={
        200: {
            "model": RequestState,
            "description": "The same draft sent again by its author (a retry): the request "
            "as it is; nothing is started",
        },
        **responses(401, 403, 409, 413, 422),
    },
    openapi_extra=body_openapi(CreateRequest),
    summary="Create a request (officer)",
)
async def create_request(
    user: Annotated[User, Depends(user_with(Role.officer, doing="create a funding request"))],
    body: Annotated[CreateRequest, Depends(json_body(CreateRequest))],
    svc: Annotated[ApiServices, Depends(services)],
) -> Any:
    """Start the request's workflow in drafting. Sending the same draft again (a retried
    client) returns the request as it is, with 200, and starts nothing."""
    try:
        await svc.requests.create(
            body.draft, user.actor(), body.settings, scheduled_meetings=body.scheduled_meetings
        )
    except RequestAlreadyExists:
        existing = await svc.requests.state(body.draft.reference)
        first = existing.audit[0] if existing.audit else None
        sent = RequestDraft.model_validate({**dict(body.draft), "author_id": user.user_id})
        # The stored citations carry the register's facts, which a retry does not send.
        same = _without_facts(existing.draft) == _without_facts(sent)
        if same and first is not None and first.actor_id == user.user_id:
            answer = in_utc(RequestState.of(existing))
            return JSONResponse(answer.model_dump(mode="json"), status_code=200)
        raise
    return RequestState.of(await svc.requests.state(body.draft.reference))


def _without_facts(draft: RequestDraft) -> RequestDraft:
    """The draft as its author wrote it: its citations without the register's facts."""
    citations = tuple(c.model_copy(update={"entry": None}) for c in draft.citations)
    return draft.model_copy(update={"citations": citations})


@router.get(
    "",
    response_model=RequestList,
    responses=responses(401, 422),
    summary="List and filter requests",
)
async def list_requests(
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
    stage: Stage | None = None,
    meeting_date: CalendarDate | None = Query(default=None, description="tabled for this meeting"),
    funding_source: FundingSource | None = None,
    deadline_before: CalendarDate | None = Query(
        default=None, description="next deadline on or before this day"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> RequestList:
    """Requests on this forum's task queue, filtered by their search attributes."""
    found = await svc.requests.search(
        stage=stage,
        meeting_date=meeting_date,
        funding_source=funding_source,
        deadline_before=deadline_before,
        limit=limit,
    )
    return RequestList.listed(found, await asyncio.to_thread(listed_funding, svc.register))


@router.get(
    "/{reference}",
    response_model=RequestState,
    responses=responses(401, 404, 422),
    summary="A request as it stands",
)
async def get_request(
    reference: Reference,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> RequestState:
    """The request's whole state: draft, options, recommendation, votes, decision, minute."""
    return RequestState.of(await svc.requests.state(reference))


@router.get(
    "/{reference}/audit",
    response_model=AuditTrail,
    responses=responses(401, 404, 422),
    summary="Audit trail",
)
async def get_audit_trail(
    reference: Reference,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> AuditTrail:
    """Every accepted transition and every notice sent, oldest first."""
    return AuditTrail.of(await svc.requests.audit_trail(reference))


@router.get(
    "/{reference}/deadlines",
    response_model=RequestDeadlines,
    responses=responses(401, 404, 422),
    summary="Deadlines",
)
async def get_deadlines(
    reference: Reference,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> RequestDeadlines:
    """What is due on the request and when, with any timing warning."""
    return RequestDeadlines.of(await svc.requests.deadlines(reference))


@router.get(
    "/{reference}/allowed-actions",
    response_model=AllowedActions,
    responses=responses(401, 404, 422),
    summary="What the caller may do next",
)
async def get_allowed_actions(
    reference: Reference,
    user: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> AllowedActions:
    """The transitions the signed-in user's roles allow in the request's current stage."""
    allowed = await svc.requests.allowed_actions(reference, tuple(sorted(user.roles)), user.user_id)
    return AllowedActions.of(allowed)


async def _send(
    svc: ApiServices, reference: str, command: Command, actor: Actor, update_id: str | None
) -> BaseModel:
    return await svc.requests.submit(reference, command, actor, idempotency_key=update_id)


add_transition_routes(
    router,
    RecordRoutes(
        operation="request",
        id_name="reference",
        id_type=Reference,
        command_base=Command,
        answer=TransitionResult,
        send=_send,
        statuses=(401, 403, 404, 409, 422),
    ),
    (
        TransitionRoute(
            command_type=command_type,
            transition=transition.value,
            allowed=PERMISSIONS[transition],
            doing=transition.value.replace("_", " "),
        )
        for command_type, transition in COMMAND_TRANSITION.items()
    ),
)
