"""What each validator the API's models use refuses, written as JSON Schema.

Pydantic writes a schema from a model's types and ``Field`` constraints, but a
validator is code: a text field that refuses blanks, a meeting time refused outside the
working-day calendar's years, or a date that must come with an id, all look unconstrained
to a client. DECLARED says, for each such validator, the rule it enforces, so
:class:`api.openapi.components.ApiJsonSchema` can add it to the document and the
document is the contract the server keeps.

A few rules compare one value with another (a period's end with its start, one member's
id with the others'), which JSON Schema cannot state; those are written in the models'
descriptions and refused with a 422 naming the field like any other.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import AfterValidator, BaseModel

from api.schemas.meetings import MeetingStart
from domain.forum import ForumSettings, ReminderTiming
from domain.meeting.commands import CloseMeeting, RecordMeetingAttendance
from domain.meeting.models import AgendaItem, CalendarMoment
from domain.people import Membership, Role
from domain.request.commands import CloseVote, FollowMeeting, RecordAttendance, TableRequest
from domain.request.decision import Minute
from domain.request.draft import (
    DecisionType,
    EvaluationPlan,
    FundingOption,
    FundingSource,
    Period,
    Recommendation,
    RequestDraft,
)
from domain.values import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY, PlannableDate, Text
from storage.accounts import NewUser

PYTHON_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.strip()`` removes: the characters Python counts as white space."""

UNICODE_SPACE = PYTHON_SPACE.replace("\x1c\x1d\x1e\x1f", "")
"""Unicode's White_Space: what ``\\s`` means in the Rust engine pydantic checks patterns with."""

BLANK_PATTERN = f"^[{PYTHON_SPACE}]*$"
"""A string ``str.strip()`` leaves empty."""

NOT_BLANK: dict[str, Any] = {"minLength": 1, "not": {"pattern": BLANK_PATTERN}}
"""A string with a character ``str.strip()`` keeps: what the domain's Text requires."""

CALENDAR_YEARS = range(FIRST_PLANNABLE_DAY.year, LAST_PLANNABLE_DAY.year + 1)
"""The years a day a person gives can be in: those of domain.values' plannable days."""

CALENDAR_YEAR_PATTERN = r"^20[0-9]{2}-"
"""A day or an instant written in one of CALENDAR_YEARS (2000 to 2099)."""

_STRING = {"type": "string"}
_NULL = {"type": "null"}


def _after_validator(annotated: object) -> Callable[..., Any]:
    found = [m.func for m in typing.get_args(annotated)[1:] if isinstance(m, AfterValidator)]
    if len(found) != 1:
        raise LookupError(f"{annotated} has no single after-validator")
    return found[0]


MISSING_VALIDATORS: list[str] = []
"""Validators named below that a model no longer has; a test keeps this empty, and the
API still starts (its document then lacks that rule) rather than failing to import."""


def _validator(model: type[BaseModel], name: str) -> Callable[..., Any] | None:
    decorators = model.__pydantic_decorators__
    found = decorators.model_validators.get(name) or decorators.field_validators.get(name)
    if found is None:
        MISSING_VALIDATORS.append(f"{model.__name__}.{name}")
        return None
    func: Callable[..., Any] = getattr(found.func, "__func__", found.func)
    return func


def _given(name: str, schema: dict[str, Any] = _STRING) -> dict[str, Any]:
    """``name`` is present and matches ``schema`` (by default: is a string, not null)."""
    return {"required": [name], "properties": {name: schema}}


def _and(*parts: dict[str, Any]) -> dict[str, Any]:
    """Every one of ``parts`` (each of _given or _where) holds."""
    required = [name for part in parts for name in part.get("required", [])]
    properties = {name: sub for part in parts for name, sub in part["properties"].items()}
    return (
        {"required": required, "properties": properties} if required else {"properties": properties}
    )


def _where(**properties: dict[str, Any]) -> dict[str, Any]:
    """Each named property, if present, matches its schema."""
    return {"properties": properties}


def _either(*branches: dict[str, Any]) -> dict[str, Any]:
    """One of the cases a rule allows; each is spelled out (a generator draws from one,
    where an if/then would leave it guessing and discarding)."""
    return {"anyOf": list(branches)}


def _unique(*names: str) -> dict[str, Any]:
    """Each of ``names`` lists no item twice."""
    return {"properties": {name: {"uniqueItems": True} for name in names}}


def _stated(text: str) -> dict[str, Any]:
    """A rule JSON Schema cannot state, added to the schema's description."""
    return {"+description": text}


def _but(enum: type[StrEnum], *left_out: StrEnum) -> dict[str, Any]:
    """Any value of ``enum`` except those ``left_out``."""
    return {"enum": [member.value for member in enum if member not in left_out]}


Rule = dict[str, Any]
"""One part of a validator's rule: property keywords, the cases it allows (anyOf),
other keywords, or a sentence for the description."""

_NON_BLANK_STRING = {"type": "string", **NOT_BLANK}
_BLANK_OR_NULL = {"anyOf": [_NULL, {"type": "string", "pattern": BLANK_PATTERN}]}
_DEDELEGATION = FundingSource.dsg_schools_block_dedelegation

_DECLARATIONS: dict[Callable[..., Any] | None, tuple[Rule, ...]] = {
    _after_validator(Text): (NOT_BLANK,),
    _after_validator(CalendarMoment): (
        {"pattern": CALENDAR_YEAR_PATTERN},
        _stated(
            f"In a year from {CALENDAR_YEARS[0]} to {CALENDAR_YEARS[-1]} (the plannable "
            "days, on the London calendar)."
        ),
    ),
    _after_validator(PlannableDate): (
        {"pattern": CALENDAR_YEAR_PATTERN},
        _stated(f"In a year from {CALENDAR_YEARS[0]} to {CALENDAR_YEARS[-1]}."),
    ),
    _validator(MeetingStart, "_carried_from_previous"): (
        _either(
            _where(carried_items={"maxItems": 0}, carried_actions={"maxItems": 0}),
            _given("previous_meeting_id"),
        ),
        _unique("carried_items", "carried_actions"),
        _stated("Each request and each action is carried in once (request_ref, action_id)."),
    ),
    _validator(AgendaItem, "_late_with_reason"): (
        _either(
            _and(_given("late", {"const": True}), _given("late_reason", _NON_BLANK_STRING)),
            _where(late={"const": False}, late_reason=_BLANK_OR_NULL),
        ),
    ),
    _validator(CloseMeeting, "_date_with_id"): (
        _either(_where(next_meeting_date=_NULL), _given("next_meeting_id")),
    ),
    _validator(RecordMeetingAttendance, "_unique"): (_unique("present_member_ids"),),
    _validator(RecordAttendance, "_unique"): (_unique("present_member_ids"),),
    _validator(Membership, "_unique_ids"): (
        _unique("members"),
        _stated("Each member_id appears once."),
    ),
    _validator(EvaluationPlan, "_unique_measures"): (_unique("measures"),),
    _validator(Minute, "_unique_ids"): (
        _unique("agreed_option_ids", "actions"),
        _stated("Each action's action_id appears once."),
        _either(
            _where(funding_condition=_NULL, funding_due=_NULL),
            _and(_given("funding_condition", _NON_BLANK_STRING), _given("funding_due")),
        ),
    ),
    _validator(TableRequest, "_names_its_meeting"): (
        _either(
            _given("meeting_id"),
            _and(_given("meeting_date"), _given("membership", {"type": "object"})),
        ),
    ),
    _validator(ForumSettings, "_distinct_offsets"): ({"uniqueItems": True},),
    _validator(ForumSettings, "_one_timing_per_kind"): (_stated("Each kind appears once."),),
    _validator(ReminderTiming, "_distinct_offsets"): ({"uniqueItems": True},),
    _validator(ForumSettings, "_proper_fraction"): (
        _stated("quorum_numerator is at most quorum_denominator."),
    ),
    _validator(Period, "_ordered"): (_stated("The end is on or after the start."),),
    _validator(RequestDraft, "_service_start_with_procurement"): (
        _either(
            _and(_given("procurement_needed", {"const": True}), _given("service_start")),
            _where(procurement_needed={"const": False}, service_start=_NULL),
        ),
        _unique("co_author_ids", "citations"),
        _stated("author_id is not one of co_author_ids; each citation's entry_id appears once."),
    ),
    _validator(FundingOption, "_specific"): (
        _either(
            _and(
                _given("source", {"const": FundingSource.other_grant.value}),
                _given("source_detail", _NON_BLANK_STRING),
            ),
            _where(source=_but(FundingSource, FundingSource.other_grant)),
        ),
        _either(
            _where(
                source={"const": _DEDELEGATION.value},
                decision_type={"const": DecisionType.dedelegation.value},
            ),
            _where(
                source=_but(FundingSource, _DEDELEGATION),
                decision_type=_but(DecisionType, DecisionType.dedelegation),
            ),
        ),
    ),
    _validator(Recommendation, "_well_formed"): (
        _unique("option_ids"),
        _either(
            _where(mode={"const": "all_of"}),
            _and(_given("mode", {"const": "one_of"}), _given("option_ids", {"minItems": 2})),
        ),
    ),
    _validator(FollowMeeting, "_moves"): (_stated("meeting_date is another day than from_date."),),
    _validator(CloseVote, "_defer_or_decide"): (
        _either(
            _where(defer_reason=_NULL),
            _where(chair_casting_choice=_NULL, chair_casting_option_id=_NULL),
        ),
    ),
    _validator(NewUser, "_group_for_members"): (
        _either(
            _and(_given("roles", {"contains": {"const": Role.member.value}}), _given("group")),
            _where(roles={"items": _but(Role, Role.member)}, group=_NULL),
        ),
    ),
}

DECLARED: Mapping[Callable[..., Any], tuple[Rule, ...]] = {
    validator: rules for validator, rules in _DECLARATIONS.items() if validator is not None
}
"""For each validator the models use, what it refuses: as JSON Schema keywords where
JSON Schema can say it, in the description where it cannot (a rule comparing one value
with another, such as a period's end with its start)."""
