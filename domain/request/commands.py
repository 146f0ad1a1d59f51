"""The commands people give a request, one frozen model per transition.

Each command carries a ``kind`` tag equal to its transition's name, so that a workflow
can take any command through one Update (``AnyCommand`` is a discriminated union) as
well as through one Update per command. Who gives the command is not part of it: the
actor is a separate argument of ``domain.request.lifecycle.apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from domain.people import Membership
from domain.request.decision import EvaluationReport, Minute, VoteChoice
from domain.request.draft import FundingOption, Period, Recommendation, RequestDraft
from domain.values import DomainModel, MeetingId, Pence, PlannableDate, Slug, Text


class Transition(StrEnum):
    """Every change a request can go through, named as the audit trail records it."""

    edit_draft = "edit_draft"
    submit_draft = "submit_draft"
    add_option = "add_option"
    remove_option = "remove_option"
    set_recommendation = "set_recommendation"
    table = "table"
    follow_meeting = "follow_meeting"
    leave_agenda = "leave_agenda"
    withdraw = "withdraw"
    record_attendance = "record_attendance"
    open_vote = "open_vote"
    amend_recommendation = "amend_recommendation"
    cast_vote = "cast_vote"
    close_vote = "close_vote"
    defer = "defer"
    record_minute = "record_minute"
    confirm_minutes = "confirm_minutes"
    report_evaluation = "report_evaluation"
    confirm_funding = "confirm_funding"
    record_spending = "record_spending"
    extend = "extend"
    close = "close"


class Command(DomainModel):
    """Base of every command."""


class EditDraft(Command):
    """Replace the draft (its reference cannot change)."""

    kind: Literal["edit_draft"] = "edit_draft"
    draft: RequestDraft


class SubmitDraft(Command):
    """Finish drafting and move on to listing funding options."""

    kind: Literal["submit_draft"] = "submit_draft"


class AddOption(Command):
    """List one more funding option."""

    kind: Literal["add_option"] = "add_option"
    option: FundingOption


class RemoveOption(Command):
    """Take a listed option off the request (not while the recommendation names it)."""

    kind: Literal["remove_option"] = "remove_option"
    option_id: Slug


class SetRecommendation(Command):
    """Write (or rewrite) what the forum is asked to agree."""

    kind: Literal["set_recommendation"] = "set_recommendation"
    recommendation: Recommendation


class TableRequest(Command):
    """Put the request on a meeting's agenda, with the forum's membership for that meeting.

    Naming the scheduled meeting (``meeting_id``) puts the request on that meeting's own
    agenda in the same step, and the request follows the meeting from then on; the
    meeting's day and membership are then read from the meeting itself.
    ``late_reason`` is the chair's reason for taking papers after the papers deadline.
    """

    kind: Literal["table"] = "table"
    meeting_id: MeetingId | None = None
    meeting_date: PlannableDate | None = None
    membership: Membership | None = None
    late_reason: Text | None = None

    @model_validator(mode="after")
    def _names_its_meeting(self) -> Self:
        if self.meeting_id is None and (self.meeting_date is None or self.membership is None):
            raise ValueError(
                "meeting_id: name the scheduled meeting to table the request for (or give "
                "both meeting_date and membership)"
            )
        return self


class FollowMeeting(Command):
    """The meeting the request is tabled for has moved to another day: the request follows it.

    Sent by forumflow, as the chair who moved the meeting, to each request on the moved
    meeting's agenda; a chair may also send it for a request tabled without being put on
    the agenda. ``from_date`` must be the day the request is tabled for, so a stale or
    repeated move changes nothing.
    """

    kind: Literal["follow_meeting"] = "follow_meeting"
    meeting_id: Text
    from_date: PlannableDate
    meeting_date: PlannableDate
    reason: Text
    from_meeting_id: MeetingId | None = Field(
        default=None,
        description="set when an unreached item is carried from this meeting to meeting_id",
    )

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.meeting_date == self.from_date:
            raise ValueError("meeting_date: a move takes the meeting to another day")
        return self


class LeaveAgenda(Command):
    """The request's meeting took it off its agenda, or was cancelled: back to option listing.

    Sent by forumflow, as the chair who removed the item or cancelled the meeting, to the
    request tabled for that meeting; ``meeting_id`` must be the meeting it is tabled for,
    so a stale or repeated message changes nothing.
    """

    kind: Literal["leave_agenda"] = "leave_agenda"
    meeting_id: MeetingId
    reason: Text


class Withdraw(Command):
    """The officer withdraws the request before it is decided."""

    kind: Literal["withdraw"] = "withdraw"
    reason: Text


class RecordAttendance(Command):
    """Record who is present; replaces any earlier attendance for this meeting."""

    kind: Literal["record_attendance"] = "record_attendance"
    present_member_ids: tuple[Text, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.present_member_ids)) != len(self.present_member_ids):
            raise ValueError("present_member_ids: a member is listed more than once")
        return self


class OpenVote(Command):
    """The chair opens the vote on the recommendation."""

    kind: Literal["open_vote"] = "open_vote"


class AmendRecommendation(Command):
    """Record an amendment the meeting made to the recommendation."""

    kind: Literal["amend_recommendation"] = "amend_recommendation"
    amendment: Text


class CastVote(Command):
    """A member's vote; ``option_id`` names the option supported in a choice.

    A member casts their own (``member_id`` omitted, or their own); the clerk records a
    member's vote on their behalf by naming the member in ``member_id``.
    """

    kind: Literal["cast_vote"] = "cast_vote"
    choice: VoteChoice
    option_id: Slug | None = None
    member_id: Text | None = Field(
        default=None, description="whose vote the clerk records on their behalf"
    )


class CloseVote(Command):
    """The chair closes the vote: decide it, or defer the request with ``defer_reason``."""

    kind: Literal["close_vote"] = "close_vote"
    defer_reason: Text | None = None
    chair_casting_choice: VoteChoice | None = None
    chair_casting_option_id: Slug | None = None

    @model_validator(mode="after")
    def _defer_or_decide(self) -> Self:
        if self.defer_reason is not None and (
            self.chair_casting_choice is not None or self.chair_casting_option_id is not None
        ):
            raise ValueError(
                "defer_reason: a vote closed by deferring is not decided, so it takes no "
                "casting vote"
            )
        return self


class Defer(Command):
    """The chair sends the request back to option listing, with the reason."""

    kind: Literal["defer"] = "defer"
    reason: Text


class RecordMinute(Command):
    """The clerk records the minute of an approval."""

    kind: Literal["record_minute"] = "record_minute"
    minute: Minute


class ConfirmMinutes(Command):
    """The chair confirms the minutes: the decision is now final."""

    kind: Literal["confirm_minutes"] = "confirm_minutes"


class ConfirmFunding(Command):
    """The officer records that the money an approval waited on is available: who confirmed
    it, on which day, from which agreed option(s) and how much (the minute's, exactly)."""

    kind: Literal["confirm_funding"] = "confirm_funding"
    confirmed_by: Text = Field(description="who confirmed the money, e.g. the finance lead")
    confirmed_on: date
    option_ids: tuple[Slug, ...] = Field(min_length=1)
    amount_pence: Pence


class RecordSpending(Command):
    """The officer records the day spending of the agreed money started (posts filled,
    a contract let): before the funding is confirmed, it is recorded as such."""

    kind: Literal["record_spending"] = "record_spending"
    started_on: date
    description: Text


class ReportEvaluation(Command):
    """The officer reports what the money achieved (a later report replaces an earlier one)."""

    kind: Literal["report_evaluation"] = "report_evaluation"
    report: EvaluationReport


class Extend(Command):
    """The forum extends the work: a new funding cycle for ``new_period`` starts."""

    kind: Literal["extend"] = "extend"
    new_period: Period
    reason: Text


class Close(Command):
    """The forum ends the work; the request is closed."""

    kind: Literal["close"] = "close"
    reason: Text


AnyCommand = Annotated[
    EditDraft
    | SubmitDraft
    | AddOption
    | RemoveOption
    | SetRecommendation
    | TableRequest
    | FollowMeeting
    | LeaveAgenda
    | Withdraw
    | RecordAttendance
    | OpenVote
    | AmendRecommendation
    | CastVote
    | CloseVote
    | Defer
    | RecordMinute
    | ConfirmMinutes
    | ReportEvaluation
    | ConfirmFunding
    | RecordSpending
    | Extend
    | Close,
    Field(discriminator="kind"),
]
"""Any command, told apart by its ``kind`` (for a single Update taking every command)."""

COMMAND_TRANSITION: Mapping[type[Command], Transition] = MappingProxyType(
    {
        EditDraft: Transition.edit_draft,
        SubmitDraft: Transition.submit_draft,
        AddOption: Transition.add_option,
        RemoveOption: Transition.remove_option,
        SetRecommendation: Transition.set_recommendation,
        TableRequest: Transition.table,
        FollowMeeting: Transition.follow_meeting,
        LeaveAgenda: Transition.leave_agenda,
        Withdraw: Transition.withdraw,
        RecordAttendance: Transition.record_attendance,
        OpenVote: Transition.open_vote,
        AmendRecommendation: Transition.amend_recommendation,
        CastVote: Transition.cast_vote,
        CloseVote: Transition.close_vote,
        Defer: Transition.defer,
        RecordMinute: Transition.record_minute,
        ConfirmMinutes: Transition.confirm_minutes,
        ReportEvaluation: Transition.report_evaluation,
        ConfirmFunding: Transition.confirm_funding,
        RecordSpending: Transition.record_spending,
        Extend: Transition.extend,
        Close: Transition.close,
    }
)
"""Which transition each command asks for."""
