"""The notices forumflow sends people: reminders, escalations, carried-forward actions, warnings.

Pure: rendering a notice reads no clock and does no I/O, so a workflow can build one
and hand it to the delivery activity. Each notice carries an idempotency key that is
stable for what it announces (one deadline's 7-day reminder, one missed action at one
meeting), so a retried or replayed delivery is recognised and sent only once.

Everything a person reads is in plain English, with dates in UK form and times on the
Europe/London wall clock ("by 5pm on Monday 25 March 2024"), whatever zone the
deadline's instant was carried in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, model_validator

from domain.calendar import format_uk_date, to_london
from domain.deadlines import Deadline, DeadlineKind
from domain.people import Role
from domain.values import DomainModel, Email, Text

# A key travels in a mail header and a database primary key: one token, no whitespace.
NoticeKey = Annotated[str, Field(pattern=r"^\S{1,300}$")]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# What is due, as a short noun phrase for subject lines.
_DUE_NOUNS: dict[DeadlineKind, str] = {
    DeadlineKind.papers: "papers",
    DeadlineKind.minutes_draft: "draft minute",
    DeadlineKind.evaluation_report: "evaluation report",
    DeadlineKind.funding_period_end: "extend-or-close decision",
    DeadlineKind.annual_dsg_decision: "annual DSG decision",
    DeadlineKind.procurement_decision: "procurement decision",
    DeadlineKind.action_due: "action",
    DeadlineKind.funding_confirmation: "funding confirmation",
}

_ROLE_LABELS: dict[Role, str] = {
    Role.officer: "officer",
    Role.clerk: "clerk",
    Role.chair: "chair",
    Role.member: "forum member",
}

_SIGN_OFF = "This message was sent automatically by forumflow for the Schools Forum."

_SLUG_MAX = 40


class NoticeKind(StrEnum):
    """Why a notice is sent."""

    reminder = "reminder"
    escalation = "escalation"
    action_carried_forward = "action_carried_forward"
    warning = "warning"
    digest = "digest"
    """One person's notices of a day, in one email, for those who chose the daily digest."""


class Recipient(DomainModel):
    """Someone a notice is for. Without an email address they are only named in the log."""

    name: Text
    email: Email | None = None
    role: Role


class Notice(DomainModel):
    """One message to one or more people, delivered at most once per idempotency key."""

    idempotency_key: NoticeKey
    kind: NoticeKind
    request_ref: str | None = None
    meeting_date: date | None = None
    subject: Text
    body: Text = Field(description="plain text, lines separated by newlines")
    recipients: tuple[Recipient, ...] = Field(min_length=1)
    deadline_key: str | None = None
    due: AwareDatetime | None = None

    @model_validator(mode="after")
    def _subject_one_line(self) -> Self:
        # A line break in a header would let text inject further headers into the email.
        if "\n" in self.subject or "\r" in self.subject:
            raise ValueError("subject: must be a single line")
        return self

    @property
    def addressed(self) -> tuple[Recipient, ...]:
        """The recipients who have an email address."""
        return tuple(r for r in self.recipients if r.email is not None)


# --- formatting ----------------------------------------------------------------------


def format_uk_day(d: date) -> str:
    """A date with its weekday, e.g. "Monday 25 March 2024"."""
    return f"{_WEEKDAYS[d.weekday()]} {format_uk_date(d)}"


def format_london_time(dt: datetime) -> str:
    """The London wall-clock time of an aware instant, as people say it: "5pm", "9:30am"."""
    local = to_london(dt)
    hour12 = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.minute == 0:
        return f"{hour12}{suffix}"
    return f"{hour12}:{local.minute:02d}{suffix}"


def format_london_deadline(dt: datetime) -> str:
    """An aware instant as a deadline in London time: "5pm on Monday 25 March 2024"."""
    return f"{format_london_time(dt)} on {format_uk_day(to_london(dt).date())}"


def _days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _days_remaining(days: int) -> str:
    if days == 0:
        return "none: it is due today"
    return "1 day" if days == 1 else f"{days} days"


def _person(recipient: Recipient, *, with_email: bool = False) -> str:
    described = f"{recipient.name} ({_ROLE_LABELS[recipient.role]}"
    if with_email and recipient.email is not None:
        described += f", {recipient.email}"
    return described + ")"


def _responsible_line(role: Role, people: Sequence[Recipient], *, with_email: bool) -> str:
    named = [_person(p, with_email=with_email) for p in people if p.role is role] or [
        _person(p, with_email=with_email) for p in people
    ]
    return ", ".join(named) if named else f"the {_ROLE_LABELS[role]} for this request"


def _body(*paragraphs: str) -> str:
    return "\n\n".join((*paragraphs, _SIGN_OFF)) + "\n"


def _details(*rows: tuple[str, str | None]) -> str:
    return "\n".join(f"{label}: {value}" for label, value in rows if value is not None)


def _meeting(deadline_meeting: date | None) -> str | None:
    return format_uk_day(deadline_meeting) if deadline_meeting is not None else None


def _if_missed(deadline: Deadline) -> str:
    if deadline.escalates:
        return (
            "If this is not done by the deadline, forumflow will escalate it to the chair "
            "of the Schools Forum as a missed deadline."
        )
    return "If this is not done by the deadline, the request's record will show it as missed."


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _slug(text: str) -> str:
    """A short, stable key fragment for free text; long texts keep a hash so they stay distinct."""
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower()))
    if slug and len(slug) <= _SLUG_MAX:
        return slug
    return f"{slug[:_SLUG_MAX].rstrip('-') or 'item'}-{_short_hash(text)}"


def _require_recipients(recipients: Sequence[Recipient], what: str) -> tuple[Recipient, ...]:
    if not recipients:
        raise ValueError(f"{what} needs at least one recipient")
    return tuple(recipients)


# --- the notices ---------------------------------------------------------------------


def reminder_notice(
    deadline: Deadline,
    days_before: int,
    request_title: str,
    recipients: Sequence[Recipient],
) -> Notice:
    """The reminder sent ``days_before`` days ahead of ``deadline`` to the people responsible.

    "Days remaining" is the reminder's nominal offset: the workflow sends it at that
    offset, and rendering reads no clock.
    """
    if days_before < 0:
        raise ValueError(f"days_before must be >= 0, got {days_before}")
    people = _require_recipients(recipients, f"the reminder for {deadline.key}")
    when = format_london_deadline(deadline.due)
    due_day = format_uk_day(to_london(deadline.due).date())
    noun = _DUE_NOUNS[deadline.kind]
    subject = f"{deadline.request_ref}: {noun} due {_days_phrase(days_before)} ({due_day})"
    body = _body(
        f"Reminder for {deadline.request_ref} ({request_title}): {deadline.label}. "
        f"This must be done by {when}, {_days_phrase(days_before)}.",
        _details(
            ("Request", f"{deadline.request_ref}, {request_title}"),
            ("What is due", deadline.label),
            ("Deadline", f"by {when} (UK time)"),
            ("Days remaining", _days_remaining(days_before)),
            ("Meeting", _meeting(deadline.meeting_date)),
            (
                "Responsible",
                _responsible_line(deadline.responsible_role, people, with_email=False),
            ),
        ),
        _if_missed(deadline),
    )
    return Notice(
        idempotency_key=f"{deadline.key}/reminder/{days_before}d",
        kind=NoticeKind.reminder,
        request_ref=deadline.request_ref,
        meeting_date=deadline.meeting_date,
        subject=subject,
        body=body,
        recipients=people,
        deadline_key=deadline.key,
        due=deadline.due,
    )


def escalation_notice(
    deadline: Deadline,
    request_title: str,
    chair: Recipient,
    responsible: Sequence[Recipient],
) -> Notice:
    """The notice to the chair that ``deadline`` passed with the work not done, and whose it was."""
    when = format_london_deadline(deadline.due)
    due_day = format_uk_day(to_london(deadline.due).date())
    subject = f"{deadline.request_ref}: missed deadline for {_DUE_NOUNS[deadline.kind]} ({due_day})"
    body = _body(
        f"Escalation: a deadline on {deadline.request_ref} ({request_title}) passed at "
        f"{when} and the work has not been done: {deadline.label}.",
        _details(
            ("Request", f"{deadline.request_ref}, {request_title}"),
            ("What was due", deadline.label),
            ("Deadline", f"{when} (UK time), now passed"),
            ("Meeting", _meeting(deadline.meeting_date)),
            (
                "Responsible",
                _responsible_line(deadline.responsible_role, responsible, with_email=True),
            ),
        ),
        "You are receiving this as chair of the Schools Forum. Please decide what "
        "happens next: agree a new date with the person responsible, or take the item "
        "off the agenda. forumflow keeps this deadline marked as missed in the request's "
        "record.",
    )
    return Notice(
        idempotency_key=f"{deadline.key}/escalation",
        kind=NoticeKind.escalation,
        request_ref=deadline.request_ref,
        meeting_date=deadline.meeting_date,
        subject=subject,
        body=body,
        recipients=(chair,),
        deadline_key=deadline.key,
        due=deadline.due,
    )


def action_carried_forward_notice(
    request_ref: str,
    request_title: str,
    action_description: str,
    owner: Recipient | str,
    missed_meeting: date,
    next_meeting: date | None,
    chair: Recipient,
) -> Notice:
    """An action minuted for ``missed_meeting`` was not done: tell the chair (and its owner).

    ``owner`` is a Recipient when the owner can be emailed, or just the name the
    minute gives; either way the body names them.
    """
    owner_name = owner.name if isinstance(owner, Recipient) else owner
    recipients = [chair]
    if isinstance(owner, Recipient) and owner != chair:
        recipients.append(owner)
    if next_meeting is not None:
        subject = f"{request_ref}: action carried forward to {format_uk_day(next_meeting)}"
        next_step = (
            f"It has been carried forward to the meeting on {format_uk_day(next_meeting)}. "
            "If it is missed again it will be carried forward and reported to the chair "
            "again."
        )
    else:
        subject = f"{request_ref}: action not done by {format_uk_day(missed_meeting)}"
        next_step = (
            "No later meeting is scheduled yet, so it has no new date. The chair should "
            "set one when the next meeting is arranged."
        )
    body = _body(
        f"An action on {request_ref} ({request_title}) was due at the meeting on "
        f"{format_uk_day(missed_meeting)} and was not done.",
        _details(
            ("Request", f"{request_ref}, {request_title}"),
            ("Action", action_description),
            ("Owner", owner_name),
            ("Was due at", f"the meeting on {format_uk_day(missed_meeting)}"),
            ("Now due at", _meeting(next_meeting) or "no meeting scheduled yet"),
        ),
        next_step,
    )
    return Notice(
        idempotency_key=(
            f"{request_ref}/action/{_slug(action_description)}/{missed_meeting.isoformat()}"
        ),
        kind=NoticeKind.action_carried_forward,
        request_ref=request_ref,
        meeting_date=next_meeting,
        subject=subject,
        body=body,
        recipients=tuple(recipients),
    )


def warning_notice(
    request_ref: str,
    title: str,
    warning: str,
    recipients: Sequence[Recipient],
    *,
    key: str | None = None,
) -> Notice:
    """A warning about a request (e.g. no meeting can meet the procurement lead-in).

    The key includes a hash of the warning's text, so the same warning is sent once,
    and a different one (the situation changed) is sent again. A warning whose wording
    changes while its facts do not (it names today's date) passes its own stable ``key``.
    """
    people = _require_recipients(recipients, f"the warning for {request_ref}")
    body = _body(
        f"forumflow has a warning about {request_ref} ({title}):",
        warning,
        _details(
            ("Request", f"{request_ref}, {title}"),
            ("Sent to", ", ".join(_person(p) for p in people)),
        ),
        "Nothing is changed automatically. The officer for the request should decide, "
        "with the clerk and the chair, what to do about it before the next deadline.",
    )
    return Notice(
        idempotency_key=key or f"{request_ref}/warning/{_short_hash(warning)}",
        kind=NoticeKind.warning,
        request_ref=request_ref,
        subject=f"{request_ref}: warning about {title}",
        body=body,
        recipients=people,
    )
