"""Funding requests: create, list, read, and one route per lifecycle transition."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_user, services, user_with
from api.body import body_openapi, json_body
from api.params import CalendarDate
from api.problems import ApiError, responses
from api.services import ApiServices
from api.transitions import add_transition_route, scoped_update_id
from api.utc import UtcRoute, in_utc
from clients.requests import RequestAlreadyExists
from contracts import search_attributes
from contracts.request import (
    AllowedActions,
    AuditTrail,
    RequestDeadlines,
    TransitionResult,
)
from domain.calendar import LONDON, to_london
from domain.commands import COMMAND_TRANSITION, Command, Transition
from domain.deadlines import at_close_of_business
from domain.lifecycle import PERMISSIONS
from domain.models import (
    ForumSettings,
    FundingSource,
    RequestDraft,
    RequestState,
    Role,
    Stage,
)
from storage.accounts import User

router = APIRouter(prefix="/requests", tags=["requests"], route_class=UtcRoute)

Reference = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,40}$")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="send the same key when retrying: the action then takes effect once "
        "(a key counts for the user who sends it and this action only)",
    ),
]


class CreateRequest(BaseModel):
    """A new request: the officer's draft, and optionally the forum's settings and dates."""

    # Strict like the domain's models: a date is an ISO string, never a number of seconds.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    draft: RequestDraft
    settings: ForumSettings | None = None
    scheduled_meetings: tuple[date, ...] = Field(
        default=(), description="the forum's published meeting dates, for the procurement plan"
    )


class RequestSummary(BaseModel):
    """One request in a listing, from its search attributes."""

    model_config = ConfigDict(frozen=True)

    reference: str
    stage: Stage | None
    meeting_date: date | None
    funding_sources: tuple[str, ...]
    next_deadline: datetime | None = Field(
        description="when the next thing is due: 5pm London time on the papers deadline "
        "(tabled) or the evaluation report's day (minuted, evaluation)"
    )
    started_at: datetime | None


class RequestList(BaseModel):
    """Requests matching a filter, newest first."""

    model_config = ConfigDict(frozen=True)

    requests: tuple[RequestSummary, ...]


def _london_midnight_utc(day: date) -> str:
    midnight = datetime.combine(day, time(0, 0), tzinfo=LONDON)
    # isoformat, not strftime: strftime writes the year 578 as "578", which is no timestamp.
    return midnight.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


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
        if existing.draft == sent and first is not None and first.actor_id == user.user_id:
            return JSONResponse(in_utc(existing).model_dump(mode="json"), status_code=200)
        raise
    return await svc.requests.state(body.draft.reference)


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
    # A run that continued as new is an extended request's earlier period; its successor
    # speaks for the request, so leaving it out keeps one row per request within `limit`.
    clauses = [
        "WorkflowType = 'FundingRequestWorkflow'",
        f"TaskQueue = '{svc.task_queue}'",
        "ExecutionStatus != 'ContinuedAsNew'",
    ]
    if stage is not None:
        clauses.append(f"ForumflowStage = '{stage.value}'")
    if meeting_date is not None:
        # Meeting dates are stored as London midnight, an hour before UTC's in summer.
        start = _london_midnight_utc(meeting_date)
        end = _london_midnight_utc(meeting_date + timedelta(days=1))
        clauses.append(f"ForumflowMeetingDate >= '{start}' AND ForumflowMeetingDate < '{end}'")
    if funding_source is not None:
        clauses.append(f"ForumflowFundingSources = '{funding_source.value}'")
    if deadline_before is not None:
        end = _london_midnight_utc(deadline_before + timedelta(days=1))
        clauses.append(f"ForumflowNextDeadline < '{end}'")
    found: dict[str, RequestSummary] = {}
    async for execution in svc.client.list_workflows(" AND ".join(clauses), limit=limit):
        if execution.id in found:
            continue  # a run that ended while the listing was read; the newest came first
        attributes = execution.typed_search_attributes
        meeting = attributes.get(search_attributes.MEETING_DATE)
        deadline = attributes.get(search_attributes.NEXT_DEADLINE)
        found[execution.id] = RequestSummary(
            reference=execution.id,
            stage=Stage(value) if (value := attributes.get(search_attributes.STAGE)) else None,
            # Stored as London midnight, but a visibility store may hand it back in UTC,
            # where a summer date is the evening before.
            meeting_date=to_london(meeting).date() if meeting else None,
            funding_sources=tuple(attributes.get(search_attributes.FUNDING_SOURCES) or ()),
            # Stored as the London day the papers or the report are due; they are due
            # by 5pm that day, as GET /requests/{reference}/deadlines says.
            next_deadline=at_close_of_business(to_london(deadline).date()) if deadline else None,
            started_at=execution.start_time,
        )
        if len(found) >= limit:
            break
    return RequestList(requests=tuple(found.values()))


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
    return await svc.requests.state(reference)


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
    return await svc.requests.audit_trail(reference)


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
    return await svc.requests.deadlines(reference)


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
    return await svc.requests.allowed_actions(reference, tuple(sorted(user.roles)), user.user_id)


async def _refuse_if_finished(svc: ApiServices, reference: str) -> None:
    """409 when ``reference`` names a request whose workflow has ended.

    Temporal answers an Update to a closed workflow with NOT_FOUND, which would tell the
    caller the request does not exist while GET still shows it.
    """
    handle = svc.requests.handle(reference)
    try:
        description = await handle.describe()
    except RPCError:
        return
    if description.status is WorkflowExecutionStatus.RUNNING:
        return
    state = await svc.requests.state(reference)
    raise ApiError(
        409,
        "refused",
        f"Request {reference} is {state.stage.value.replace('_', ' ')}: it has finished and "
        "takes no more actions.",
        rule="workflow-finished",
        field="stage",
    )


def _transition_route(command_type: type[Command], transition: Transition) -> None:
    allowed = PERMISSIONS[transition]
    doing = transition.value.replace("_", " ")
    parse = json_body(command_type)
    check_role = user_with(*allowed, doing=doing)

    async def take(
        reference: Reference,
        user: Annotated[User, Depends(check_role)],
        command: Annotated[Command, Depends(parse)],
        svc: Annotated[ApiServices, Depends(services)],
        idempotency_key: IdempotencyKey = None,
    ) -> TransitionResult:
        update_id = scoped_update_id(transition.value, user, idempotency_key)
        try:
            return await svc.requests.submit(
                reference, command, user.actor(), idempotency_key=update_id
            )
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                await _refuse_if_finished(svc, reference)
            raise

    add_transition_route(
        router,
        take,
        path=f"/{{reference}}/actions/{transition.value}",
        operation="request",
        transition=transition.value,
        command_type=command_type,
        command_base=Command,
        allowed=allowed,
        parse=parse,
        check_role=check_role,
        response_model=TransitionResult,
        statuses=(401, 403, 404, 409, 422),
    )


for _command_type, _transition in COMMAND_TRANSITION.items():
    _transition_route(_command_type, _transition)
