"""Every way the domain refuses a change to a meeting, one class per rule.

The base class and the refusals a request shares (RoleNotPermitted,
TransitionNotAllowedInStage, NotAMember, InquorateMeeting) are in ``domain.errors``.
"""

from __future__ import annotations

from domain.errors import RuleViolation

# --- the agenda ----------------------------------------------------------------------


class PapersDeadlinePassed(RuleViolation):
    """An item added after the papers deadline without the chair's reason for a late item."""

    rule = "agenda-papers-deadline-passed"


class DuplicateAgendaItem(RuleViolation):
    """The request is already on this meeting's agenda."""

    rule = "agenda-duplicate-item"


class UnknownAgendaItem(RuleViolation):
    """The request named is not on this meeting's agenda."""

    rule = "agenda-unknown-item"


class AgendaPositionInvalid(RuleViolation):
    """An item was moved to a place the agenda does not have."""

    rule = "agenda-position-invalid"


# --- moving the meeting --------------------------------------------------------------


class MeetingMovedIntoPast(RuleViolation):
    """A meeting can only be moved to a time that has not yet come."""

    rule = "meeting-move-into-past"


class MeetingTimeUnchanged(RuleViolation):
    """A move must change the meeting's start time."""

    rule = "meeting-move-same-time"


# --- the action log ------------------------------------------------------------------


class DuplicateMeetingAction(RuleViolation):
    """An action with this action_id is already in the meeting's action log."""

    rule = "action-duplicate"


class UnknownMeetingAction(RuleViolation):
    """The action named is not in this meeting's action log."""

    rule = "action-unknown"


class ActionAlreadyDone(RuleViolation):
    """The action was already recorded as done."""

    rule = "action-already-done"


# --- minutes and the next meeting ----------------------------------------------------


class NoPreviousMeeting(RuleViolation):
    """There are no previous minutes to confirm: the meeting has no previous meeting."""

    rule = "minutes-no-previous-meeting"


class PreviousMinutesAlreadyConfirmed(RuleViolation):
    """The previous meeting's minutes were confirmed earlier at this meeting."""

    rule = "minutes-already-confirmed"


class NextMeetingInvalid(RuleViolation):
    """The next meeting named on closing is this meeting, or is not after it."""

    rule = "next-meeting-invalid"
