"""Reading what a person typed into a form, and the errors to show them.

A form is read into the domain's own values (pence, dates, tuples) and the domain's
models then validate it: the rules live there, and this module only says in a person's
words what a field needs ("Enter the unit cost in pounds and pence") when what was
typed is not a value at all. Each error names the id of the input it is about, which is
what the GOV.UK error summary links to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.values import MAX_PENCE

_MONEY = re.compile(r"^(?P<pounds>\d{1,3}(,\d{3})+|\d+)(\.(?P<pence>\d{1,2}))?$")
_WHOLE = re.compile(r"^\d+$")
_NAMED = re.compile(r"^(?P<field>[a-z][a-z0-9_]*): (?P<rule>.+)$", re.DOTALL)


@dataclass(frozen=True)
class FieldError:
    """One problem with what was typed: the input's id and what to do about it."""

    field: str
    message: str

    @property
    def summary_item(self) -> dict[str, str]:
        """The error as a ``govukErrorSummary`` list item, linking to its input."""
        return {"text": self.message, "href": f"#{self.field}"}


@dataclass
class FormErrors:
    """The problems found in one form, at most one per input, in the order found."""

    found: list[FieldError] = field(default_factory=list)

    def add(self, field_id: str, message: str) -> None:
        """Record a problem with ``field_id``, unless it already has one."""
        if field_id not in self.by_field:
            self.found.append(FieldError(field_id, message))

    @property
    def by_field(self) -> dict[str, str]:
        """Each input's message, for the ``errorMessage`` beside it."""
        return {error.field: error.message for error in self.found}

    def in_page_order(self, order: list[str]) -> None:
        """Put the problems in the order their inputs come on the page (the summary
        lists them as a person meets them); inputs not in ``order`` go last."""
        place = {field_id: i for i, field_id in enumerate(order)}
        self.found.sort(key=lambda error: place.get(error.field, len(place)))

    def message(self, field_id: str) -> dict[str, str] | bool:
        """The ``errorMessage`` of the input ``field_id``: its message, or false for none."""
        found = self.by_field.get(field_id)
        return {"text": found} if found is not None else False

    @property
    def summary(self) -> list[dict[str, str]]:
        """The ``errorList`` of the error summary."""
        return [error.summary_item for error in self.found]

    def __bool__(self) -> bool:
        return bool(self.found)


def text(form: Mapping[str, Any], name: str) -> str:
    """The field's text with surrounding space removed; empty if it was not sent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def lines(form: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A textarea's non-empty lines, each stripped: one item per line."""
    value = form.get(name)
    if not isinstance(value, str):
        return ()
    return tuple(line.strip() for line in value.splitlines() if line.strip())


def pence(raw: str, field_id: str, what: str, errors: FormErrors) -> int | None:
    """Pounds and pence as typed ("22,401", "£22401.50") in whole pence; None, with an
    error, if it is not an amount of money."""
    cleaned = raw.replace(" ", "").removeprefix("£")
    if not raw:
        errors.add(field_id, f"Enter {what}")
        return None
    found = _MONEY.match(cleaned)
    if found is None:
        errors.add(field_id, f"Enter {what} in pounds and pence, like 22401 or 22401.50")
        return None
    pounds = int(found["pounds"].replace(",", ""))
    part = (found["pence"] or "0").ljust(2, "0")
    amount = pounds * 100 + int(part)
    if amount > MAX_PENCE:
        errors.add(field_id, f"Enter {what} of at most £{MAX_PENCE // 100:,}")
        return None
    return amount


def whole_number(raw: str, field_id: str, what: str, errors: FormErrors) -> int | None:
    """A count typed as digits; None, with an error, otherwise."""
    if not raw:
        errors.add(field_id, f"Enter {what}")
        return None
    if not _WHOLE.match(raw.replace(",", "")):
        errors.add(field_id, f"Enter {what} as a whole number, like 4")
        return None
    return int(raw.replace(",", ""))


@dataclass(frozen=True)
class DateFields:
    """A date as typed into the three boxes of a GOV.UK date input."""

    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def read(cls, form: Mapping[str, Any], prefix: str) -> DateFields:
        """The boxes named ``prefix-day``, ``prefix-month`` and ``prefix-year``."""
        return cls(
            text(form, f"{prefix}-day"), text(form, f"{prefix}-month"), text(form, f"{prefix}-year")
        )

    @classmethod
    def of(cls, day: date | None) -> DateFields:
        """The boxes showing ``day`` (empty for none)."""
        if day is None:
            return cls()
        return cls(str(day.day), str(day.month), str(day.year))

    @property
    def empty(self) -> bool:
        """Whether nothing was typed in any box."""
        return not (self.day or self.month or self.year)

    def items(self, prefix: str, error: bool) -> list[dict[str, Any]]:
        """The ``govukDateInput`` items, with what was typed and the error styling."""
        marked = " govuk-input--error" if error else ""
        return [
            {"name": "day", "classes": "govuk-input--width-2" + marked, "value": self.day},
            {"name": "month", "classes": "govuk-input--width-2" + marked, "value": self.month},
            {"name": "year", "classes": "govuk-input--width-4" + marked, "value": self.year},
        ]

    def value(self, field_id: str, what: str, errors: FormErrors, *, required: bool) -> date | None:
        """The date typed, or None: with an error when it is needed or not a real date.

        ``field_id`` is the date input's id; the error links to its first box.
        """
        first = f"{field_id}-day"
        if self.empty:
            if required:
                errors.add(first, f"Enter {what}")
            return None
        missing = [
            name
            for name, typed in (("day", self.day), ("month", self.month), ("year", self.year))
            if not typed
        ]
        if missing:
            errors.add(
                f"{field_id}-{missing[0]}", f"{what.capitalize()} must include a {missing[0]}"
            )
            return None
        try:
            year = int(self.year)
            if len(self.year) != 4:
                raise ValueError(self.year)
            return date(year, int(self.month), int(self.day))
        except ValueError:
            errors.add(first, f"{what.capitalize()} must be a real date, like 1 April 2019")
            return None


def choice(form: Mapping[str, Any], name: str, allowed: Iterable[str]) -> str | None:
    """The radio chosen, if it is one of ``allowed``; None otherwise."""
    value = text(form, name)
    return value if value in set(allowed) else None


def chosen(form: Any, name: str) -> tuple[str, ...]:
    """Every checkbox ticked under ``name``, in the order sent."""
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist is not None else [form.get(name)]
    return tuple(value.strip() for value in values if isinstance(value, str) and value.strip())


def domain_problems(error: ValidationError) -> list[tuple[tuple[str, ...], str, str]]:
    """Each problem the domain's validation found: the dotted path of the field, the
    error type and the domain's own message (a validator's message that starts by
    naming a field, "end: the period ends ...", is filed under that field)."""
    problems: list[tuple[tuple[str, ...], str, str]] = []
    for issue in error.errors(include_url=False, include_input=False):
        loc = tuple(str(part) for part in issue.get("loc", ()))
        kind = str(issue.get("type", ""))
        message = str(issue.get("msg", ""))
        if kind in ("value_error", "assertion_error"):
            cause = (issue.get("ctx") or {}).get("error")
            message = str(cause) if cause is not None else message
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
            named = _NAMED.match(message)
            if named is not None:
                message = named["rule"]
                if loc[-1:] != (named["field"],):
                    loc = (*loc, named["field"])
        problems.append((loc, kind, _sentence(message)))
    return problems


def _sentence(message: str) -> str:
    """A domain message as a sentence starting with a capital letter."""
    return message[:1].upper() + message[1:] if message else message
