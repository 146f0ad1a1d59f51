"""The commands people give a meeting, one frozen model per transition.

Each command carries a ``kind`` tag equal to its transition's name, so a workflow can
take any command through one Update (``AnyMeetingCommand`` is a discriminated union).
Who gives the command is not part of it: the actor is a separate argument of
``domain.meeting.lifecycle.apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from domain.meeting.models import CalendarMoment, ItemStatus
from domain.values import DomainModel, MeetingId, PlannableDate, Reference, Text, repeated


class MeetingTransition(StrEnum):
    """Every change people can make to a meeting, named as the audit records it."""

    add_item = "add_item"
    remove_item = "remove_item"
    move_meeting = "move_meeting"
    record_attendance = "record_attendance"
    open_meeting = "open_meeting"
    mark_item = "mark_item"
    add_action = "add_action"
    complete_action = "complete_action"
    confirm_previous_minutes = "confirm_previous_minutes"
    close_meeting = "close_meeting"
    cancel_meeting = "cancel_meeting"
    order_item = "order_item"
    publish_agenda = "publish_agenda"


class MeetingCommand(DomainModel):
    """Base of every meeting command; each has a ``kind`` naming its transition."""


class AddItem(MeetingCommand):
    """The chair puts a request on the agenda; after the papers deadline only with a reason."""

    kind: Literal["add_item"] = "add_item"
    request_ref: Reference
    title: Text
    late_reason: Text | None = None


class RemoveItem(MeetingCommand):
    """The chair takes a request off the agenda before the meeting."""

    kind: Literal["remove_item"] = "remove_item"
    request_ref: Reference
    reason: Text


class MoveMeeting(MeetingCommand):
    """The chair moves the meeting to another time (its id stays the same)."""

    kind: Literal["move_meeting"] = "move_meeting"
    new_starts_at: CalendarMoment
    reason: Text


class RecordMeetingAttendance(MeetingCommand):
    """The clerk records who is present; replaces any earlier attendance."""

    kind: Literal["record_attendance"] = "record_attendance"
    present_member_ids: tuple[Text, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if repeated(self.present_member_ids):
            raise ValueError("present_member_ids: a member is listed more than once")
        return self


class OpenMeeting(MeetingCommand):
    """The chair opens a quorate meeting."""

    kind: Literal["open_meeting"] = "open_meeting"


class MarkItem(MeetingCommand):
    """The clerk records what became of an agenda item."""

    kind: Literal["mark_item"] = "mark_item"
    request_ref: Reference
    status: ItemStatus


class AddAction(MeetingCommand):
    """The clerk logs an action due at this meeting (from a minute, or carried forward)."""

    kind: Literal["add_action"] = "add_action"
    action_id: Text
    request_ref: Reference
    description: Text
    owner: Text
    owner_id: Text | None = Field(
        default=None, description="the owner's user or member id, for reminders and attendance"
    )
    carried_from: tuple[MeetingId, ...] = ()


class CompleteAction(MeetingCommand):
    """The action was done."""

    kind: Literal["complete_action"] = "complete_action"
    action_id: Text


class ConfirmPreviousMinutes(MeetingCommand):
    """The chair confirms the previous meeting's minutes at this one."""

    kind: Literal["confirm_previous_minutes"] = "confirm_previous_minutes"


class CloseMeeting(MeetingCommand):
    """The chair closes the meeting, naming the next one to carry unfinished business to.

    ``next_meeting_date`` is the next meeting's day for the notices; when omitted, the
    date in a "meeting-YYYY-MM-DD..." id is used.
    """

    kind: Literal["close_meeting"] = "close_meeting"
    next_meeting_id: MeetingId | None = None
    next_meeting_date: PlannableDate | None = None

    @model_validator(mode="after")
    def _date_with_id(self) -> Self:
        if self.next_meeting_date is not None and self.next_meeting_id is None:
            raise ValueError("next_meeting_date: give it with the next_meeting_id")
        return self


class CancelMeeting(MeetingCommand):
    """The chair cancels a meeting that has not opened."""

    kind: Literal["cancel_meeting"] = "cancel_meeting"
    reason: Text


class OrderItem(MeetingCommand):
    """The clerk or chair moves an agenda item to another place in the order."""

    kind: Literal["order_item"] = "order_item"
    request_ref: Reference
    position: int = Field(ge=1, description="the item's place on the agenda: 1 is first")


class PublishAgenda(MeetingCommand):
    """The clerk publishes the agenda and papers; publishing again after a change
    records the new publication."""

    kind: Literal["publish_agenda"] = "publish_agenda"


AnyMeetingCommand = Annotated[
    AddItem
    | RemoveItem
    | MoveMeeting
    | RecordMeetingAttendance
    | OpenMeeting
    | MarkItem
    | AddAction
    | CompleteAction
    | ConfirmPreviousMinutes
    | CloseMeeting
    | CancelMeeting
    | OrderItem
    | PublishAgenda,
    Field(discriminator="kind"),
]
"""Any meeting command, told apart by its ``kind``."""

COMMAND_TRANSITION: Mapping[type[MeetingCommand], MeetingTransition] = MappingProxyType(
    {
        AddItem: MeetingTransition.add_item,
        RemoveItem: MeetingTransition.remove_item,
        MoveMeeting: MeetingTransition.move_meeting,
        RecordMeetingAttendance: MeetingTransition.record_attendance,
        OpenMeeting: MeetingTransition.open_meeting,
        MarkItem: MeetingTransition.mark_item,
        AddAction: MeetingTransition.add_action,
        CompleteAction: MeetingTransition.complete_action,
        ConfirmPreviousMinutes: MeetingTransition.confirm_previous_minutes,
        CloseMeeting: MeetingTransition.close_meeting,
        CancelMeeting: MeetingTransition.cancel_meeting,
        OrderItem: MeetingTransition.order_item,
        PublishAgenda: MeetingTransition.publish_agenda,
    }
)
"""Which transition each command asks for."""
