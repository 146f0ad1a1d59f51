"""Activities of the meeting workflow: passing unfinished business on to the next meeting."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.meetings import CarryForward

CARRY_IN_SIGNAL = "carry_in"
"""The signal a meeting workflow takes carried items and actions on."""


class MeetingActivities:
    """Signals other meeting workflows; receives its Temporal client."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn(name="meeting_carry_forward")
    async def carry_forward(self, request: CarryForward) -> None:
        """Send the carried items and actions to the next meeting's workflow (by signal only).

        The next meeting must already be scheduled and not yet ended: a meeting that does
        not exist is not started here, and the failure is not retried.
        """
        carried = request.carried
        handle = self._client.get_workflow_handle(request.next_meeting_id)
        try:
            await handle.signal(CARRY_IN_SIGNAL, carried)
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
