"""The refusal every domain rule raises, and the refusals both requests and meetings share.

A refusal carries a stable kebab-case ``rule`` code (for programs: the workflow turns it
into an error type, the UI into help text), a ``message`` in plain English for a council
officer that names the rule and the field at fault, and the dotted ``field`` path when one
field is to blame. The message is written where the rule is checked, because that is
where the facts it quotes (amounts, names, dates) are known.

The refusals of one aggregate alone are in ``domain.request.errors`` and
``domain.meeting.errors``; catching a group's base class there (for example
``TablingRefused``) catches every reason a step of that kind can fail.
"""

# ruff: noqa: N818 -- these name refusals the forum recognises, not faults in the code.

from __future__ import annotations

from typing import ClassVar


class RuleViolation(Exception):
    """A domain rule refused a command; nothing was changed."""

    rule: ClassVar[str] = "rule-violation"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # The default reduce replays only ``args``, which would drop ``field``.
        return (_rebuild, (type(self), self.message, self.field))

    def details(self) -> dict[str, str | None]:
        """The refusal as plain data, e.g. for a Temporal ApplicationError's details."""
        return {"rule": self.rule, "message": self.message, "field": self.field}


def _rebuild(cls: type[RuleViolation], message: str, field: str | None) -> RuleViolation:
    return cls(message, field=field)


# --- who may do what, and when -------------------------------------------------------


class RoleNotPermitted(RuleViolation):
    """The actor holds none of the roles the transition needs."""

    rule = "role-not-permitted"


class TransitionNotAllowedInStage(RuleViolation):
    """The transition cannot be taken from the current stage."""

    rule = "transition-not-allowed-in-stage"


# --- who is in the room --------------------------------------------------------------


class NotAMember(RuleViolation):
    """The person named is not on the forum's membership for this meeting."""

    rule = "not-a-member"


class InquorateMeeting(RuleViolation):
    """Fewer than the quorum (two fifths of the membership, by default) are present."""

    rule = "meeting-inquorate"
