"""Forum meetings: schedule, list, read, the agenda, and one route per meeting transition."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_user, services, user_with
from api.body import body_openapi, json_body
from api.problems import ApiError, FieldProblem, describe_error, invalid, responses
from api.services import ApiServices
from api.transitions import add_transition_route, scoped_update_id
from api.utc import UtcRoute
from contracts import search_attributes
from domain.calendar import to_london
from domain.meetings import (
    MEETING_COMMAND_TRANSITION,
    MEETING_RULES,
    MeetingAgenda,
    MeetingCommand,
    MeetingStage,
    MeetingStart,
    MeetingState,
    MeetingTransition,
    MeetingTransitionResult,
    new_meeting,
)
from domain.models import Role
from storage.accounts import User

router = APIRouter(prefix="/meetings", tags=["meetings"], route_class=UtcRoute)

MEETING_ID_PATTERN = r"^meeting-[a-z0-9][a-z0-9-]{1,60}$"

MeetingIdPath = Annotated[
    str,
    Path(pattern=MEETING_ID_PATTERN, description='the meeting id, e.g. "meeting-2018-07-04"'),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="send the same key when retrying: the action then takes effect once",
    ),
]

# Visibility returns at most this many meetings to sort; a forum meets a few times a year.
_LIST_CAP = 5000


class MeetingSummary(BaseModel):
    """One meeting in a listing, from its search attributes."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    stage: MeetingStage | None
    meeting_date: date | None = Field(description="the meeting's day in Europe/London")
    papers_close_at: datetime | None = Field(
        description="when the papers close (5pm London time), while they are still open"
    )
    workflow_status: str = Field(description="running, completed, terminated, ...")
    scheduled_at: datetime | None = Field(description="when the meeting was scheduled")


class MeetingList(BaseModel):
    """Meetings of this forum, the latest meeting day first."""

    model_config = ConfigDict(frozen=True)

    meetings: tuple[MeetingSummary, ...]


# What building the state can refuse that MeetingStart's own validation lets through
# (repeated carried business, a day outside the working calendar), and the body field
# at fault, so a 422 names what the caller sent rather than the state's field.
_PROBLEM_FIELDS = (
    ("agenda", "body.carried_items"),
    ("actions", "body.carried_actions"),
    ("working calendar", "body.starts_at"),
)


def _require_startable(start: MeetingStart) -> None:
    """422 if the workflow could not build the meeting from ``start``.

    The workflow builds its state in its constructor; a start it cannot build would
    fail every workflow task and leave a meeting that answers no query. Building the
    same pure state here first refuses such input before anything is started.
    """
    try:
        new_meeting(
            start.meeting_id,
            start.starts_at,
            start.location,
            start.membership,
            start.settings,
            start.previous_meeting_id,
            datetime.now(UTC),
            start.carried_items,
            start.carried_actions,
        )
    except (ValidationError, ValueError) as error:
        messages = (
            [describe_error(issue) for issue in error.errors(include_url=False)]
            if isinstance(error, ValidationError)
            else [str(error)]
        )
        raise invalid(
            tuple(
                FieldProblem(
                    field=next(
                        (body for clue, body in _PROBLEM_FIELDS if clue in message),
                        "body",
                    ),
                    rule=message,
                )
                for message in messages
            )
        ) from None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingState,
    responses=responses(401, 403, 409, 413, 422, 503),
    openapi_extra=body_openapi(MeetingStart),
    summary="Schedule a meeting (chair or clerk)",
)
async def schedule_meeting(
    _: Annotated[User, Depends(user_with(Role.chair, Role.clerk, doing="schedule a meeting"))],
    start: Annotated[MeetingStart, Depends(json_body(MeetingStart))],
    svc: Annotated[ApiServices, Depends(services)],
) -> MeetingState:
    """Start the meeting's workflow; its id is the meeting id and is never reused (409)."""
    _require_startable(start)
    await svc.meetings.schedule(start)
    return await svc.meetings.state(start.meeting_id)


@router.get(
    "",
    response_model=MeetingList,
    responses=responses(401, 422, 503),
    summary="List meetings",
)
async def list_meetings(
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
    stage: MeetingStage | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> MeetingList:
    """Meetings on this forum's task queue, the latest meeting day first."""
    clauses = ["WorkflowType = 'MeetingWorkflow'", f"TaskQueue = '{svc.task_queue}'"]
    if stage is not None:
        clauses.append(f"ForumflowStage = '{stage.value}'")
    found: dict[str, MeetingSummary] = {}
    async for execution in svc.client.list_workflows(" AND ".join(clauses), limit=_LIST_CAP):
        if execution.id in found:
            continue
        attributes = execution.typed_search_attributes
        day = attributes.get(search_attributes.MEETING_DATE)
        value = attributes.get(search_attributes.STAGE)
        papers = attributes.get(search_attributes.NEXT_DEADLINE)
        found[execution.id] = MeetingSummary(
            meeting_id=execution.id,
            stage=MeetingStage(value) if value else None,
            # Stored as London midnight, which is 23:00 UTC the day before in summer.
            meeting_date=to_london(day).date() if day else None,
            papers_close_at=to_london(papers) if papers else None,
            workflow_status=_status_name(execution.status),
            scheduled_at=execution.start_time,
        )
    # SQL visibility cannot order by a search attribute, so the sort happens here.
    ordered = sorted(
        found.values(),
        key=lambda m: (
            m.meeting_date or date.min,
            m.scheduled_at or datetime.min.replace(tzinfo=UTC),
        ),
        reverse=True,
    )
    return MeetingList(meetings=tuple(ordered[:limit]))


def _status_name(value: WorkflowExecutionStatus | None) -> str:
    return value.name.lower() if value is not None else "unknown"


@router.get(
    "/{meeting_id}",
    response_model=MeetingState,
    responses=responses(401, 404, 422, 503),
    summary="A meeting as it stands",
)
async def get_meeting(
    meeting_id: MeetingIdPath,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> MeetingState:
    """The whole meeting: agenda, attendance, action log, audit trail."""
    return await svc.meetings.state(meeting_id)


@router.get(
    "/{meeting_id}/agenda",
    response_model=MeetingAgenda,
    responses=responses(401, 404, 422, 503),
    summary="A meeting's agenda",
)
async def get_agenda(
    meeting_id: MeetingIdPath,
    _: Annotated[User, Depends(current_user)],
    svc: Annotated[ApiServices, Depends(services)],
) -> MeetingAgenda:
    """The agenda as published: when and where, the papers deadline and the items."""
    return await svc.meetings.agenda(meeting_id)


async def _refuse_if_finished(svc: ApiServices, meeting_id: str) -> None:
    """409 when ``meeting_id`` names a meeting whose workflow has ended.

    Temporal answers an Update to a closed workflow with NOT_FOUND, which would tell the
    caller the meeting does not exist while GET still shows it.
    """
    try:
        description = await svc.meetings.handle(meeting_id).describe()
    except RPCError:
        return
    if description.status is WorkflowExecutionStatus.RUNNING:
        return
    state = await svc.meetings.state(meeting_id)
    raise ApiError(
        409,
        "refused",
        f"Meeting {meeting_id} is {state.stage.value.replace('_', ' ')}: it has ended and "
        "takes no more actions.",
        rule="workflow-finished",
        field="stage",
    )


def _transition_route(command_type: type[MeetingCommand], transition: MeetingTransition) -> None:
    allowed, _, doing = MEETING_RULES[transition]
    parse = json_body(command_type)
    check_role = user_with(*allowed, doing=f"{doing} a meeting")

    async def take(
        meeting_id: MeetingIdPath,
        user: Annotated[User, Depends(check_role)],
        command: Annotated[MeetingCommand, Depends(parse)],
        svc: Annotated[ApiServices, Depends(services)],
        idempotency_key: IdempotencyKey = None,
    ) -> MeetingTransitionResult:
        update_id = scoped_update_id(transition.value, user, idempotency_key)
        try:
            return await svc.meetings.submit(
                meeting_id, command, user.actor(), idempotency_key=update_id
            )
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                await _refuse_if_finished(svc, meeting_id)
            raise

    add_transition_route(
        router,
        take,
        path=f"/{{meeting_id}}/actions/{transition.value}",
        operation="meeting",
        transition=transition.value,
        command_type=command_type,
        command_base=MeetingCommand,
        allowed=allowed,
        parse=parse,
        check_role=check_role,
        response_model=MeetingTransitionResult,
        statuses=(401, 403, 404, 409, 422, 503),
    )


for _command_type, _transition in MEETING_COMMAND_TRANSITION.items():
    _transition_route(_command_type, _transition)
