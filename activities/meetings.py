"""The messages between meetings and requests: unfinished business carried to the next
meeting, a move or a removal passed on to the requests on the agenda, a request putting
itself on its meeting's agenda, and the forum's meeting days announced to open requests.

Every message that changes a workflow goes as an Update whose id is fixed by the sender,
so a retried activity (its worker killed half-way) has one effect."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from clients.meetings import MEETINGS, ForumMeetings
from clients.records import RecordFinished, TransitionRefused, send_transition
from clients.requests import FundingRequests, NoSuchRequest, send_request_transition
from contracts import names
from contracts.meeting import MeetingMessage, MeetingReply, MeetingTransitionResult
from contracts.request import ForwardPlan
from domain.meeting.models import (
    CarryForward,
    FollowMove,
    FollowOutcome,
    FollowReport,
    ForwardPlanChange,
    LeaveAgendaMessage,
    MeetingStage,
)
from domain.people import Actor
from domain.request.commands import Command, FollowMeeting, LeaveAgenda
from domain.request.errors import AlreadyAtMeetingDate
from domain.request.models import Stage

PLANNING_STAGES = (Stage.drafting, Stage.option_listing, Stage.tabled, Stage.voting)
"""Requests whose procurement plan and drafting warning depend on the meeting days."""


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
            from_meeting_id=move.from_meeting_id,
        )
        # An earlier attempt whose answer was lost already moved it.
        return await self._tell_request(
            request_ref,
            command,
            move.actor,
            move.idempotency_key(request_ref),
            already=AlreadyAtMeetingDate.rule,
        )

    async def _tell_request(
        self, request_ref: str, command: Command, actor: Actor, update_id: str, already: str
    ) -> FollowOutcome:
        """Send one request ``command``; a refusal with rule ``already`` means an earlier
        attempt took effect."""
        try:
            result = await send_request_transition(
                self._client, request_ref, command, actor, update_id=update_id
            )
        except TransitionRefused as refused:
            followed = refused.rule == already
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

    @activity.defn(name=names.PASS_ON_LEAVE_ACTIVITY)
    async def pass_on_leave(self, leave: LeaveAgendaMessage) -> FollowReport:
        """Send each request taken off the agenda back to option listing, with the reason.

        A request tabled for another meeting by now, or ended, is reported, not retried.
        """
        command = LeaveAgenda(meeting_id=leave.meeting_id, reason=leave.reason)
        outcomes = [
            await self._tell_request(
                ref, command, leave.actor, leave.idempotency_key(ref), already=""
            )
            for ref in leave.request_refs
        ]
        activity.logger.info(
            "passed a removal from the agenda on",
            extra={
                "meeting_id": leave.meeting_id,
                "returned": [o.request_ref for o in outcomes if o.followed],
                "not_returned": [o.request_ref for o in outcomes if not o.followed],
            },
        )
        return FollowReport(outcomes=tuple(outcomes))

    @activity.defn(name=names.SEND_MEETING_COMMAND_ACTIVITY)
    async def send_meeting_command(self, message: MeetingMessage) -> MeetingReply:
        """Give a meeting a command from a request (put it on the agenda, log an action)
        under the request's own Update id; the meeting's refusal is the answer, not an
        error, and a meeting that is not running is a refusal too."""
        update = message.update
        try:
            result = await send_transition(
                self._client,
                MEETINGS,
                message.meeting_id,
                update.command.kind,
                update,
                MeetingTransitionResult,
                message.update_id,
            )
        except TransitionRefused as refused:
            return MeetingReply(accepted=False, rule=refused.rule, message=refused.message)
        except (LookupError, RecordFinished):
            return MeetingReply(
                accepted=False,
                rule="meeting-not-running",
                message=f"no meeting {message.meeting_id} is scheduled (it has ended, or "
                "never existed)",
            )
        return MeetingReply(accepted=True, message=result.audit_entry.summary)

    @activity.defn(name=names.ANNOUNCE_FORWARD_PLAN_ACTIVITY)
    async def announce_forward_plan(self, change: ForwardPlanChange) -> int:
        """Tell every open request on this task queue the forum's meeting days as they now
        stand; returns how many were told.

        Visibility lags a moment behind, so the change that prompted the announcement is
        applied to the listing rather than trusted to appear in it. A signal carries the
        whole plan, so a repeated or reordered announcement leaves each request with the
        days as the latest listing saw them.
        """
        queue = activity.info().task_queue
        try:
            meetings = await ForumMeetings(self._client, queue).search(
                stage=MeetingStage.scheduled, limit=1000
            )
        except RPCError as error:
            if error.status is not RPCStatusCode.UNIMPLEMENTED:
                raise
            # A server without visibility (the time-skipping test server) cannot list
            # requests: nothing to announce to, and retrying cannot change that.
            activity.logger.warning("no visibility on this server: forward plan not announced")
            return 0
        days = {m.meeting_id: m.meeting_date for m in meetings if m.meeting_date is not None}
        days.pop(change.meeting_id, None)
        if change.day is not None:
            days[change.meeting_id] = change.day
        plan = ForwardPlan(meeting_days=tuple(sorted(set(days.values()))))
        requests = FundingRequests(self._client, queue)
        told = 0
        for stage in PLANNING_STAGES:
            for listed in await requests.search(stage=stage, limit=1000):
                try:
                    await requests.handle(listed.reference).signal(names.FORWARD_PLAN_SIGNAL, plan)
                except RPCError as error:
                    if error.status is not RPCStatusCode.NOT_FOUND:
                        raise
                    continue  # ended since it was listed
                told += 1
        activity.logger.info(
            "announced the forward plan",
            extra={"meeting_id": change.meeting_id, "days": len(plan.meeting_days), "told": told},
        )
        return told
