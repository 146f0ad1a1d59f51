"""Activities of the meeting workflow: passing unfinished business on to the next meeting,
and a move on to the requests on the agenda."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from clients.records import RecordFinished, TransitionRefused
from clients.requests import NoSuchRequest, send_request_transition
from contracts import names
from domain.meeting.models import CarryForward, FollowMove, FollowOutcome, FollowReport
from domain.request.commands import FollowMeeting
from domain.request.errors import AlreadyAtMeetingDate


class MeetingActivities:
    """Signals other meeting workflows and updates requests; receives its Temporal client."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn(name=names.CARRY_FORWARD_ACTIVITY)
    async def carry_forward(self, request: CarryForward) -> None:
        """Send the carried items and actions to the next meeting's workflow (by signal only).

        The next meeting must already be scheduled and not yet ended: a meeting that does
        not exist is not started here, and the failure is not retried.
        """
        carried = request.carried
        handle = self._client.get_workflow_handle(request.next_meeting_id)
        try:
            await handle.signal(names.CARRY_IN_SIGNAL, carried)
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            raise ApplicationError(
                f"Cannot carry {len(carried.items)} item(s) and {len(carried.actions)} "
                f"action(s) from {carried.from_meeting_id} to {request.next_meeting_id}: no "
                f"meeting {request.next_meeting_id} is running (it was never scheduled, or "
                "has already ended). Schedule it, passing the carried items and actions in "
                "its start.",
                {"rule": "next-meeting-not-found", "next_meeting_id": request.next_meeting_id},
                type="NextMeetingNotFound",
                non_retryable=True,
            ) from error
        activity.logger.info(
            "carried business forward",
            extra={
                "from_meeting_id": carried.from_meeting_id,
                "next_meeting_id": request.next_meeting_id,
                "items": len(carried.items),
                "actions": len(carried.actions),
            },
        )

    @activity.defn(name=names.PASS_ON_MOVE_ACTIVITY)
    async def pass_on_move(self, move: FollowMove) -> FollowReport:
        """Ask each request on the agenda to follow the meeting to its new day.

        Each request gets a ``follow_meeting`` Update whose id is fixed by the move and the
        request, so a retried activity has one effect per request; a request that refuses
        (no longer tabled, tabled for another day) or has ended is reported, not retried.
        """
        outcomes = [await self._follow(move, ref) for ref in move.request_refs]
        activity.logger.info(
            "passed a meeting move on",
            extra={
                "meeting_id": move.meeting_id,
                "to_day": move.to_day.isoformat(),
                "followed": [o.request_ref for o in outcomes if o.followed],
                "not_followed": [o.request_ref for o in outcomes if not o.followed],
            },
        )
        return FollowReport(outcomes=tuple(outcomes))

    async def _follow(self, move: FollowMove, request_ref: str) -> FollowOutcome:
        command = FollowMeeting(
            meeting_id=move.meeting_id,
            from_date=move.from_day,
            meeting_date=move.to_day,
            reason=move.reason,
        )
        try:
            result = await send_request_transition(
                self._client,
                request_ref,
                command,
                move.actor,
                update_id=move.idempotency_key(request_ref),
            )
        except TransitionRefused as refused:
            # An earlier attempt whose answer was lost already moved it.
            followed = refused.rule == AlreadyAtMeetingDate.rule
            return FollowOutcome(request_ref=request_ref, followed=followed, detail=refused.message)
        except (NoSuchRequest, RecordFinished):
            return FollowOutcome(
                request_ref=request_ref,
                followed=False,
                detail=f"no request {request_ref} is running (it has ended, or never existed)",
            )
        return FollowOutcome(
            request_ref=request_ref, followed=True, detail=result.audit_entry.summary
        )
