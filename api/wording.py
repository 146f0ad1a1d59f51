"""Invalid input in the product's words: each pydantic or FastAPI error as the rule the
value broke, naming its field, never echoing the input and never in pydantic's wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from api.schemas.problems import FieldProblem
from domain.values import MEETING_ID_PATTERN, REFERENCE_PATTERN, SLUG_PATTERN


def validation_problems(errors: Iterable[Mapping[str, Any]]) -> tuple[FieldProblem, ...]:
    """Pydantic or FastAPI errors as field problems, in the product's words.

    Pydantic's own messages ("Tuple should have at least 1 item after validation") never
    reach a client: each error type is worded here, naming the field, and the input is
    never echoed back. A validator's own message that starts by naming a field
    ("service_start: a request that needs ...") is filed under that field.
    """
    listed = list(errors)
    # A list whose items were refused also counts as too short "after validation": the
    # refused items are the problem, so that count is left out.
    item_locs = {tuple(error.get("loc", ())) for error in listed}
    problems: dict[tuple[str, str], FieldProblem] = {}
    for error in listed:
        loc = tuple(str(part) for part in error.get("loc", ()))
        if error.get("type") == "too_short" and _has_refused_items(error, item_locs):
            continue
        rule = describe_error(error)
        named = _NAMED_FIELD.match(rule) if error.get("type") in _OWN_MESSAGES else None
        if named is not None:
            # A field validator names its own field, already the last part of loc.
            rule = named["rule"]
            loc = loc if loc[-1:] == (named["field"],) else (*loc, named["field"])
        field = ".".join(loc) or "body"
        problems.setdefault((field, rule), FieldProblem(field=field, rule=rule))
    return tuple(problems.values())


def _has_refused_items(error: Mapping[str, Any], locs: set[tuple[Any, ...]]) -> bool:
    where = tuple(error.get("loc", ()))
    return any(len(loc) > len(where) and loc[: len(where)] == where for loc in locs)


_OWN_MESSAGES = frozenset({"value_error", "assertion_error"})
"""Error types whose message is the product's own: a validator's ValueError."""

_NAMED_FIELD = re.compile(r"^(?P<field>[a-z][a-z0-9_]*): (?P<rule>.+)$", re.DOTALL)

KNOWN_PATTERNS: dict[str, str] = {
    REFERENCE_PATTERN: "must be a request reference: 3 to 41 capital letters, "
    "digits or hyphens, e.g. SMF-2018-EHP",
    MEETING_ID_PATTERN: "must be a meeting id: meeting- then lower-case "
    "letters, digits or hyphens, e.g. meeting-2018-07-04",
    SLUG_PATTERN: "must be an id of 2 to 41 lower-case letters, digits or "
    "hyphens, e.g. centrally-retained",
    r"^[a-z0-9][a-z0-9._-]{1,40}$": "must be a user id: 2 to 41 lower-case letters, digits, "
    "dots, hyphens or underscores, e.g. sean.hogg",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "must be an email address, e.g. name@example.org",
    r"^[a-z][a-z_]{1,39}$": "must be a word of lower-case letters and underscores, e.g. approved",
    r"\S": "must not be blank",
}
"""What each pattern the API uses means, as a person would say it."""


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic or FastAPI error as the rule the value broke, in plain words."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
    name = loc[-1] if loc else ""
    if kind in _OWN_MESSAGES:
        cause = ctx.get("error")
        text = str(cause) if cause is not None else str(error.get("msg", ""))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "too_short":
        return f"list at least {_count(ctx.get('min_length'), _noun(name))}"
    if kind == "too_long":
        return f"list at most {_count(ctx.get('max_length'), _noun(name))}"
    if kind == "string_too_short":
        least = ctx.get("min_length")
        return "must not be empty" if least == 1 else f"must be at least {least} characters long"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return KNOWN_PATTERNS.get(pattern, f"must match the pattern {pattern}")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        unit = " of pence" if name.endswith("pence") else ""
        return f"must be a whole number{unit}, written without quotes or a decimal point"
    if kind in ("enum", "literal_error"):
        choices = str(ctx.get("expected", ""))
        return f"must be one of {choices}" if kind == "enum" else f"must be {choices}"
    if kind == "json_invalid":
        where = _JSON_POSITION.search(str(ctx.get("error", "")))
        at = f" (it goes wrong at line {where[1]}, column {where[2]})" if where else ""
        return f"must be well-formed JSON: one JSON object{at}"
    bound = _BOUNDS.get(kind)
    if bound is not None:
        key, words = bound
        return words.format(ctx.get(key))
    return _WORDS.get(kind, "is not a value this field takes")


_JSON_POSITION = re.compile(r"line (\d+) column (\d+)")

_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than_equal": ("ge", "must be {} or more"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be {} or less"),
    "less_than": ("lt", "must be less than {}"),
    "multiple_of": ("multiple_of", "must be a multiple of {}"),
}

_DATE = "must be a date written YYYY-MM-DD, e.g. 2018-07-04"
_INSTANT = (
    "must be a date and time with its UTC offset, e.g. 2018-07-04T10:00:00+01:00 or "
    "2018-07-04T09:00:00Z"
)
_WORDS: dict[str, str] = {
    "missing": "is required",
    "missing_argument": "is required",
    "missing_keyword_only_argument": "is required",
    "missing_positional_only_argument": "is required",
    "extra_forbidden": "is not a field of this body; leave it out",
    "unexpected_keyword_argument": "is not a field of this body; leave it out",
    "unexpected_positional_argument": "is not accepted here",
    "multiple_argument_values": "is given more than once",
    "json_type": "must be JSON",
    "string_type": "must be text (a JSON string)",
    "string_unicode": "must be valid Unicode text",
    "string_not_ascii": "must be plain ASCII text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "decimal_type": "must be a decimal number",
    "decimal_parsing": "must be a decimal number",
    "decimal_max_digits": "has too many digits",
    "decimal_max_places": "has too many decimal places",
    "decimal_whole_digits": "has too many digits before the decimal point",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dataclass_type": "must be an object",
    "dataclass_exact_type": "must be an object",
    "dict_type": "must be an object",
    "frozen_dict_type": "must be an object",
    "mapping_type": "must be an object",
    "ordered_dict_type": "must be an object",
    "counter_type": "must be an object",
    "arguments_type": "must be an object",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "deque_type": "must be a list",
    "iterable_type": "must be a list",
    "named_tuple_type": "must be a list",
    "set_item_not_hashable": "must list plain values",
    "iteration_error": "could not be read as a list",
    "none_required": "must be null",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_past": "must be a date in the past",
    "date_future": "must be a date in the future",
    "datetime_type": _INSTANT,
    "datetime_parsing": _INSTANT,
    "datetime_object_invalid": _INSTANT,
    "datetime_from_date_parsing": _INSTANT,
    "datetime_past": "must be a moment in the past",
    "datetime_future": "must be a moment in the future",
    "timezone_aware": "must give its UTC offset, e.g. 2018-07-04T10:00:00+01:00 or "
    "2018-07-04T09:00:00Z",
    "timezone_naive": "must not give a UTC offset",
    "timezone_offset": "has the wrong UTC offset",
    "time_type": "must be a time written HH:MM:SS",
    "time_parsing": "must be a time written HH:MM:SS",
    "time_delta_type": "must be a duration",
    "time_delta_parsing": "must be a duration",
    "union_tag_invalid": "names a kind this field does not take",
    "union_tag_not_found": "must say which kind it is",
    "url_type": "must be a URL",
    "url_parsing": "must be a URL",
    "url_syntax_violation": "must be a URL",
    "url_too_long": "is too long for a URL",
    "url_scheme": "must be a URL with a scheme this field takes",
    "uuid_type": "must be a UUID",
    "uuid_parsing": "must be a UUID",
    "uuid_version": "must be a UUID of another version",
    "bytes_type": "must be text",
    "bytes_too_short": "is too short",
    "bytes_too_long": "is too long",
    "bytes_invalid_encoding": "must be text in the expected encoding",
    "frozen_field": "cannot be changed",
    "frozen_instance": "cannot be changed",
    "recursion_loop": "refers back to itself",
    "recursion_depth_exceeded": "is nested too deeply",
    "complex_type": "must be a number",
    "complex_str_parsing": "must be a number",
    "fraction_type": "must be a number",
    "fraction_parsing": "must be a number",
}
"""Fixed wording for the error types that take no detail."""


def _noun(name: str) -> str:
    words = name.replace("_", " ").strip() or "item"
    return words[:-1] if words.endswith("s") and not words.endswith("ss") else words


def _count(number: object, noun: str) -> str:
    if number == 1:
        return f"one {noun}"
    return f"{number} {noun}s"
