"""Forum meetings: schedule, list, read, the agenda, and one route per meeting transition."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ValidationError

from api.auth import current_user, services, user_with
from api.body import body_openapi, json_body
from api.problems import invalid, responses
from api.schemas.meetings import (
    MeetingAgenda,
    MeetingList,
    MeetingStart,
    MeetingState,
    MeetingTransitionResult,
)
from api.schemas.problems import FieldProblem
from api.services import ApiServices
from api.transitions import RecordRoutes, TransitionRoute, add_transition_routes
from api.utc import UtcRoute
from api.wording import describe_error
from domain.meeting.commands import COMMAND_TRANSITION, MeetingCommand
from domain.meeting.lifecycle import DOING, PERMISSIONS, new_meeting
from domain.meeting.models import MeetingStage
from domain.people import Actor, Role
from domain.values import MEETING_ID_PATTERN
from storage.accounts import User

router = APIRouter(prefix="/meetings", tags=["meetings"], route_class=UtcRoute)


MeetingIdPath = Annotated[
    str,
    Path(pattern=MEETING_ID_PATTERN, description='the meeting id, e.g. "meeting-2018-07-04"'),
]

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
            recorded_after_the_event=start.recorded_after_the_event,
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
    if "settings" not in start.model_fields_set:
        # A meeting scheduled without settings keeps the forum's configured ones.
        start = start.model_copy(update={"settings": svc.settings.forum_settings()})
    _require_startable(start)
    await svc.meetings.schedule(start.payload())
    return MeetingState.of(await svc.meetings.state(start.meeting_id))


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
    return MeetingList.listed(await svc.meetings.search(stage=stage, limit=limit))


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
    return MeetingState.of(await svc.meetings.state(meeting_id))


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
    return MeetingAgenda.of(await svc.meetings.agenda(meeting_id))


async def _send(
    svc: ApiServices,
    meeting_id: str,
    command: MeetingCommand,
    actor: Actor,
    update_id: str | None,
) -> BaseModel:
    return await svc.meetings.submit(meeting_id, command, actor, idempotency_key=update_id)


add_transition_routes(
    router,
    RecordRoutes(
        operation="meeting",
        id_name="meeting_id",
        id_type=MeetingIdPath,
        command_base=MeetingCommand,
        answer=MeetingTransitionResult,
        send=_send,
        statuses=(401, 403, 404, 409, 422, 503),
    ),
    (
        TransitionRoute(
            command_type=command_type,
            transition=transition.value,
            allowed=PERMISSIONS[transition],
            doing=f"{DOING[transition]} a meeting",
        )
        for command_type, transition in COMMAND_TRANSITION.items()
    ),
)
