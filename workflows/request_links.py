"""The request workflow's messages to its meetings: putting itself on the agenda of the
meeting it is tabled for, and logging its minute's actions at the meetings they are due.

Each goes as a meeting Update whose id is fixed by the request, its cycle, the audit
entry that caused it and the thing sent, so a retried activity (its worker killed
between tabling and the agenda) has one effect: the item is on the agenda exactly once.
Runs inside the workflow sandbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from contracts import names
from contracts.meeting import MeetingMessage, MeetingReply, MeetingUpdate
from domain.errors import RuleViolation
from domain.meeting.commands import AddAction, AddItem
from domain.meeting.errors import DuplicateAgendaItem, DuplicateMeetingAction
from domain.people import Actor
from domain.request.commands import Command, LeaveAgenda, RecordMinute, TableRequest
from domain.request.lifecycle import apply
from domain.request.models import RequestState

SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
ALREADY_THERE = frozenset({DuplicateAgendaItem.rule, DuplicateMeetingAction.rule})
"""Refusals that mean an earlier attempt got there first."""


def messages_for(
    command: Command, actor: Actor, before: RequestState, after: RequestState
) -> list[MeetingMessage]:
    """What an accepted command sends to meetings: tabling by meeting id puts the request
    on that agenda; a minute's actions with a due meeting go into its action log."""
    prefix = f"{after.reference}/c{after.cycle}/{len(before.audit)}"
    if isinstance(command, TableRequest) and after.meeting_id is not None:
        item = AddItem(
            request_ref=after.reference, title=after.draft.title, late_reason=command.late_reason
        )
        return [_message(after.meeting_id, actor, item, f"{prefix}/agenda")]
    if isinstance(command, RecordMinute):
        return [
            _message(
                action.due_meeting_id,
                actor,
                AddAction(
                    action_id=f"{after.reference}/{action.action_id}",
                    request_ref=after.reference,
                    description=action.description,
                    owner=action.owner,
                    owner_id=action.owner_id,
                ),
                f"{prefix}/action/{action.action_id}",
            )
            for action in command.minute.actions
            if action.due_meeting_id is not None
        ]
    return []


def _message(
    meeting_id: str, actor: Actor, command: AddItem | AddAction, key: str
) -> MeetingMessage:
    update = MeetingUpdate.model_validate({"actor": actor, "command": command})
    return MeetingMessage(meeting_id=meeting_id, update=update, update_id=key)


def refused_placement(
    state: RequestState,
    message: MeetingMessage,
    reply: MeetingReply,
    actor: Actor,
    now: datetime,
) -> RequestState | None:
    """The request back in option listing when its meeting would not put it on the agenda
    (with the meeting's reason); None when the meeting accepted, the message was not a
    placement, or the request has moved on meanwhile."""
    if reply.accepted:
        return None
    workflow.logger.warning(
        "a meeting refused the request's message",
        extra={"meeting_id": message.meeting_id, "rule": reply.rule},
    )
    if not isinstance(message.update.command, AddItem):
        return None
    reason = f"{message.meeting_id} could not take it: {reply.message}"
    try:
        return apply(state, LeaveAgenda(meeting_id=message.meeting_id, reason=reason), actor, now)
    except RuleViolation:
        return None


async def send(message: MeetingMessage) -> MeetingReply:
    """Give the meeting the command; a refusal meaning "already done" counts as accepted."""
    reply: MeetingReply = await workflow.execute_activity(
        names.SEND_MEETING_COMMAND_ACTIVITY,
        message,
        result_type=MeetingReply,
        # A meeting answers an Update in milliseconds; a worker killed mid-way is retried soon.
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=SEND_RETRY,
    )
    if not reply.accepted and reply.rule in ALREADY_THERE:
        return reply.model_copy(update={"accepted": True})
    return reply
