"""The minute form: prefilled from the decision, read back into a ``Minute``.

The agreed option(s), the amount and the period start as the vote agreed them, and the
text from the recommendation and any amendment, so the clerk records what the forum
decided rather than retyping it. What the clerk sends is checked by the engine, which
refuses a minute naming no funding source (seed 000's lesson) with the rule's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.request.decision import Action, Minute
from domain.request.draft import Period
from domain.request.models import RequestState
from domain.request.rules import options_span
from storage.accounts import User
from web.forms import DateFields, FormErrors, chosen, domain_problems, pence, text
from web.present import pounds_field

ACTION_ROWS = 2
"""Actions the form has room for: a minute rarely sets more; another is a later minute."""

# "actions[0].due_meeting" (by place) or "actions[SMF-X-action-1].due_meeting" (by id).
_ACTION_FIELD = re.compile(r"^actions\[(?:(?P<index>\d+)|.*-action-(?P<number>\d+))\]")


@dataclass(frozen=True)
class DueMeeting:
    """A scheduled meeting an action can be due at."""

    meeting_id: str
    day: date


@dataclass(frozen=True)
class ActionTyped:
    """One action row as typed: what, who (a user id) and which meeting (its id)."""

    description: str = ""
    owner: str = ""
    meeting: str = ""

    @property
    def empty(self) -> bool:
        """Whether nothing was typed or chosen in the row."""
        return not (self.description or self.owner or self.meeting)


@dataclass(frozen=True)
class MinuteTyped:
    """What the form shows: the decision's values at first, what was typed after."""

    agreed: tuple[str, ...]
    amount: str
    start: DateFields
    end: DateFields
    text: str
    actions: tuple[ActionTyped, ...] = field(
        default_factory=lambda: tuple(ActionTyped() for _ in range(ACTION_ROWS))
    )


def minute_text(state: RequestState) -> str:
    """The minute's words from the recommendation and the amendments the meeting made."""
    decision, recommendation = state.decision, state.recommendation
    words = recommendation.text if recommendation else state.draft.title
    outcome = decision.outcome.label if decision else "approved"
    minute = f"The forum {outcome} the recommendation: {words}"
    amendments = decision.amendments if decision else state.amendments
    if amendments:
        minute += f" Amended in the meeting: {'; '.join(a.rstrip('.') for a in amendments)}."
    return minute


def prefilled(state: RequestState) -> MinuteTyped:
    """The form as the decision fills it: its options, their total and their span."""
    decision = state.decision
    agreed = decision.chosen_option_ids if decision else ()
    options = [o for o in state.options if o.option_id in agreed]
    span = options_span(options)
    return MinuteTyped(
        agreed=tuple(agreed),
        amount=pounds_field(sum(o.amount_pence for o in options)) if options else "",
        start=DateFields.of(span.start if span else None),
        end=DateFields.of(span.end if span else None),
        text=minute_text(state),
    )


def _period(start: date | None, end: date | None, errors: FormErrors) -> Period | None:
    if start is None or end is None:
        return None
    try:
        return Period(start=start, end=end)
    except ValidationError as error:
        for loc, _, problem in domain_problems(error):
            errors.add("period-start-day" if loc[-1:] == ("start",) else "period-end-day", problem)
        return None


def _action(
    index: int,
    typed: ActionTyped,
    reference: str,
    people: Mapping[str, User],
    meetings: Mapping[str, DueMeeting],
    errors: FormErrors,
) -> Action | None:
    row = f"action-{index}"
    owner, due = people.get(typed.owner), meetings.get(typed.meeting)
    if not typed.description:
        errors.add(f"{row}-description", f"Enter what action {index + 1} is")
    if owner is None:
        errors.add(f"{row}-owner", f"Select who owns action {index + 1}")
    if due is None:
        errors.add(f"{row}-meeting", f"Select the meeting action {index + 1} is due at")
    if owner is None or due is None or not typed.description:
        return None
    return Action(
        action_id=f"{reference}-action-{index + 1}",
        description=typed.description,
        owner=owner.name,
        owner_id=owner.user_id,
        due_meeting=due.day,
        due_meeting_id=due.meeting_id,
    )


def read_minute(
    form: Mapping[str, Any],
    state: RequestState,
    user: User,
    people: Sequence[User],
    meetings: Sequence[DueMeeting],
    errors: FormErrors,
) -> tuple[MinuteTyped, Minute | None]:
    """What was typed, and the minute it makes (None, with ``errors``, when it makes none).

    No option ticked is sent as it is: the engine's refusal says why a minute must name
    its funding source better than this form could.
    """
    listed = {o.option_id for o in state.options}
    typed = MinuteTyped(
        agreed=tuple(i for i in dict.fromkeys(chosen(form, "agreed")) if i in listed),
        amount=text(form, "amount"),
        start=DateFields.read(form, "period-start"),
        end=DateFields.read(form, "period-end"),
        text=text(form, "text"),
        actions=tuple(
            ActionTyped(
                text(form, f"action-{i}-description"),
                text(form, f"action-{i}-owner"),
                text(form, f"action-{i}-meeting"),
            )
            for i in range(ACTION_ROWS)
        ),
    )
    amount = pence(typed.amount, "amount", "the amount agreed", errors)
    start = typed.start.value("period-start", "the start of the period", errors, required=True)
    end = typed.end.value("period-end", "the end of the period", errors, required=True)
    period = _period(start, end, errors)
    if not typed.text:
        errors.add("text", "Enter the minute")
    by_id = {person.user_id: person for person in people}
    due = {meeting.meeting_id: meeting for meeting in meetings}
    actions = [
        _action(i, row, state.reference, by_id, due, errors)
        for i, row in enumerate(typed.actions)
        if not row.empty
    ]
    if errors or amount is None or period is None:
        return typed, None
    decision = state.decision
    try:
        minute = Minute(
            agreed_option_ids=typed.agreed,
            amount_pence=amount,
            period=period,
            amendments=decision.amendments if decision else (),
            actions=tuple(a for a in actions if a is not None),
            text=typed.text,
            recorded_by=user.user_id,
        )
    except ValidationError as error:
        for _, _, problem in domain_problems(error):
            errors.add("text", problem)
        return typed, None
    return typed, minute


def refusal_anchor(field_name: str | None) -> str:
    """The input a refusal of the minute naming ``field_name`` is shown beside."""
    name = (field_name or "").removeprefix("minute.")
    if name.startswith("agreed_option_ids"):
        return "agreed-options"
    if name.startswith("amount_pence"):
        return "amount"
    if name.startswith("period"):
        return "period-start-day"
    row = _ACTION_FIELD.match(name)
    if row is not None:
        index = int(row["index"]) if row["index"] else int(row["number"]) - 1
        return f"action-{index}-meeting" if 0 <= index < ACTION_ROWS else "action-0-description"
    if name.startswith("actions"):
        return "action-0-description"
    return "text"
