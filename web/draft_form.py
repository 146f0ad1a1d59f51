"""The request form: what the officer types for a new request or a change to its draft.

The form is kept as typed (strings), so a page that refuses it shows back exactly what
was typed; ``draft`` turns it into the domain's ``RequestDraft``, whose validation is
the only judge of what a draft may be. Cost lines are added and removed by the form's
own submit buttons ("Add another line", "Remove line 2"), which send what was typed
and get the form back with one line more or less: no JavaScript is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from domain.request.draft import RequestDraft
from web.forms import DateFields, FormErrors, chosen, domain_problems, lines, pence, text
from web.forms import whole_number as count
from web.present import pounds_field

MAX_LINES = 50
"""Cost lines a form may carry: far more than a paper lists, and a bound on the work a
forged form can ask for."""

ADD_LINE = "add-line"
REMOVE_LINE = "remove-line-"
SAVE = "save"

YES, NO = "yes", "no"

_WHAT: dict[str, str] = {
    "reference": "a reference",
    "title": "a title",
    "purpose": "what the money is for",
    "background": "why it is needed",
    "measures": "what will be measured",
}
"""Each text field as the error messages name it ("Enter a title")."""


@dataclass(frozen=True)
class CostLineFields:
    """One cost line as typed."""

    description: str = ""
    quantity: str = ""
    unit_cost: str = ""

    @property
    def empty(self) -> bool:
        """Whether nothing was typed on the line."""
        return not (self.description or self.quantity or self.unit_cost)


@dataclass(frozen=True)
class DraftFields:
    """The request form as typed, to validate or to show back."""

    reference: str = ""
    title: str = ""
    purpose: str = ""
    background: str = ""
    cost_lines: tuple[CostLineFields, ...] = (CostLineFields(),)
    period_start: DateFields = field(default_factory=DateFields)
    period_end: DateFields = field(default_factory=DateFields)
    recurrent: str = ""
    procurement: str = ""
    service_start: DateFields = field(default_factory=DateFields)
    measures: str = ""
    report_due: DateFields = field(default_factory=DateFields)
    co_authors: tuple[str, ...] = ()

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> DraftFields:
        """The form as the browser sent it."""
        cost_lines = tuple(
            CostLineFields(
                text(form, f"cost-{i}-description"),
                text(form, f"cost-{i}-quantity"),
                text(form, f"cost-{i}-unit-cost"),
            )
            for i in range(MAX_LINES)
            if f"cost-{i}-description" in form
        )
        return cls(
            reference=text(form, "reference"),
            title=text(form, "title"),
            purpose=text(form, "purpose"),
            background=text(form, "background"),
            cost_lines=cost_lines or (CostLineFields(),),
            period_start=DateFields.read(form, "period-start"),
            period_end=DateFields.read(form, "period-end"),
            recurrent=text(form, "recurrent"),
            procurement=text(form, "procurement-needed"),
            service_start=DateFields.read(form, "service-start"),
            measures="\n".join(lines(form, "measures")),
            report_due=DateFields.read(form, "report-due"),
            co_authors=chosen(form, "co-authors"),
        )

    @classmethod
    def of(cls, draft: RequestDraft) -> DraftFields:
        """The form filled in with ``draft``, to change it."""
        plan = draft.evaluation_plan
        return cls(
            reference=draft.reference,
            title=draft.title,
            purpose=draft.purpose,
            background=draft.background,
            cost_lines=tuple(
                CostLineFields(
                    line.description, str(line.quantity), pounds_field(line.unit_cost_pence)
                )
                for line in draft.cost_lines
            ),
            period_start=DateFields.of(draft.period.start),
            period_end=DateFields.of(draft.period.end),
            recurrent=YES if draft.recurrent else NO,
            procurement=YES if draft.procurement_needed else NO,
            service_start=DateFields.of(draft.service_start),
            measures="\n".join(plan.measures) if plan else "",
            report_due=DateFields.of(plan.report_due if plan else None),
            co_authors=draft.co_author_ids,
        )

    def with_line_added(self) -> DraftFields:
        """The form with an empty cost line more (up to MAX_LINES)."""
        if len(self.cost_lines) >= MAX_LINES:
            return self
        return replace(self, cost_lines=(*self.cost_lines, CostLineFields()))

    def with_line_removed(self, index: int) -> DraftFields:
        """The form without cost line ``index`` (0-based); the last line always stays."""
        if len(self.cost_lines) <= 1 or not 0 <= index < len(self.cost_lines):
            return self
        kept = self.cost_lines[:index] + self.cost_lines[index + 1 :]
        return replace(self, cost_lines=kept)

    def line_totals(self) -> tuple[int | None, ...]:
        """Each line's quantity x unit cost in pence, where both are numbers."""
        totals: list[int | None] = []
        for line in self.cost_lines:
            ignored = FormErrors()
            quantity = count(line.quantity, "q", "q", ignored)
            unit = pence(line.unit_cost, "u", "u", ignored)
            totals.append(quantity * unit if quantity is not None and unit is not None else None)
        return tuple(totals)

    def total(self) -> int | None:
        """The whole cost in pence, if every line with anything typed has a total."""
        totals = [
            total
            for total, line in zip(self.line_totals(), self.cost_lines, strict=True)
            if not line.empty
        ]
        if not totals or any(total is None for total in totals):
            return None
        return sum(total for total in totals if total is not None)

    def draft(
        self,
        *,
        reference: str,
        author_id: str | None,
        co_author_ids: tuple[str, ...] | None = None,
    ) -> tuple[RequestDraft | None, FormErrors]:
        """The draft the form describes, or None and what to correct.

        ``reference``: the request's (a change cannot give it another). ``co_author_ids``:
        kept as they are when given (only the author names co-authors, so the form
        offers the choice to the author alone); otherwise the ticked boxes.
        """
        errors = FormErrors()
        cost_lines = []
        for i, line in enumerate(self.cost_lines):
            n = i + 1
            quantity = count(
                line.quantity, f"cost-{i}-quantity", f"the quantity on line {n}", errors
            )
            unit = pence(
                line.unit_cost, f"cost-{i}-unit-cost", f"the unit cost on line {n}", errors
            )
            cost_lines.append(
                {"description": line.description, "quantity": quantity, "unit_cost_pence": unit}
            )
        start = self.period_start.value(
            "period-start", "the date the funding starts", errors, required=True
        )
        end = self.period_end.value(
            "period-end", "the date the funding ends", errors, required=True
        )
        if self.recurrent not in (YES, NO):
            errors.add("recurrent", "Select whether the funding is recurrent or one-off")
        if self.procurement not in (YES, NO):
            errors.add("procurement-needed", "Select whether the service needs a procurement")
        procurement = self.procurement == YES
        service_start = (
            self.service_start.value(
                "service-start", "the date the service starts", errors, required=True
            )
            if procurement
            else None
        )
        plan: dict[str, Any] | None = None
        if self.measures or not self.report_due.empty:
            due = self.report_due.value(
                "report-due", "the date the evaluation report is due", errors, required=True
            )
            plan = {"measures": tuple(self.measures.splitlines()), "report_due": due}
        values: dict[str, Any] = {
            "reference": reference,
            "title": self.title,
            "purpose": self.purpose,
            "background": self.background,
            "author_id": author_id,
            "co_author_ids": (
                co_author_ids
                if co_author_ids is not None
                else tuple(dict.fromkeys(self.co_authors))
            ),
            "cost_lines": tuple(cost_lines),
            "period": {"start": start, "end": end},
            "recurrent": self.recurrent == YES,
            "procurement_needed": procurement,
            "service_start": service_start,
            "evaluation_plan": plan,
        }
        # Validated even when some boxes held no value, so every problem is shown at
        # once: a box already refused keeps its own message (one per input).
        try:
            draft = RequestDraft.model_validate(values)
        except ValidationError as error:
            for loc, kind, message in domain_problems(error):
                field_id = draft_field_id(loc)
                errors.add(field_id, _worded(field_id, kind, message))
            draft = None
        errors.in_page_order(self.field_order())
        return (None if errors else draft), errors

    def field_order(self) -> list[str]:
        """The form's inputs in the order they come on the page."""
        order = ["reference", "title", "purpose", "background"]
        for i in range(len(self.cost_lines)):
            order += [f"cost-{i}-description", f"cost-{i}-quantity", f"cost-{i}-unit-cost"]
        for prefix in ("period-start", "period-end"):
            order += [f"{prefix}-day", f"{prefix}-month", f"{prefix}-year"]
        order += ["recurrent", "procurement-needed"]
        order += ["service-start-day", "service-start-month", "service-start-year", "measures"]
        order += ["report-due-day", "report-due-month", "report-due-year", "co-authors"]
        return order


def draft_field_id(loc: tuple[str, ...]) -> str:
    """The form input a draft field's path names (the error summary links to it)."""
    head = loc[0] if loc else ""
    if head == "cost_lines":
        if len(loc) >= 3:
            part = {"unit_cost_pence": "unit-cost"}.get(loc[2], loc[2])
            return f"cost-{loc[1]}-{part}"
        return "cost-0-description"
    if head == "period":
        return "period-end-day" if loc[1:2] == ("end",) else "period-start-day"
    if head == "evaluation_plan":
        return "report-due-day" if "report_due" in loc else "measures"
    return {
        "procurement_needed": "procurement-needed",
        "service_start": "service-start-day",
        "co_author_ids": "co-authors",
        "author_id": "co-authors",
    }.get(head, head or "title")


def _worded(field_id: str, kind: str, message: str) -> str:
    """The domain's verdict on a field in a person's words; its own message where it
    gave one."""
    what = _WHAT.get(field_id)
    line = int(field_id.split("-")[1]) + 1 if field_id.startswith("cost-") else 0
    if field_id.endswith("-description") and line:
        what = f"what line {line} of the cost is for"
    if kind == "string_pattern_mismatch" and field_id == "reference":
        return "Enter a reference of 3 to 41 capital letters, digits or hyphens, like SMF-2018-EHP"
    if message == "Must not be blank" and what is not None:
        return f"Enter {what}"
    if kind == "too_short" and field_id == "measures":
        return "Enter what will be measured, one measure on each line"
    if kind == "string_too_long" and what is not None:
        return f"{what[0].upper()}{what[1:]} must be 20,000 characters or fewer"
    if kind == "greater_than_equal" and field_id.endswith("-quantity"):
        return f"The quantity on line {line} must be at least 1"
    return message


@dataclass(frozen=True)
class FormAction:
    """What the form's button asked for: save, or add or remove a cost line."""

    kind: str
    index: int = field(default=-1)

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> FormAction:
        """The button that sent the form; a form sent by Enter saves."""
        pressed = text(form, "action")
        if pressed == ADD_LINE:
            return cls(ADD_LINE)
        if pressed.startswith(REMOVE_LINE) and pressed[len(REMOVE_LINE) :].isdigit():
            return cls(REMOVE_LINE, int(pressed[len(REMOVE_LINE) :]))
        return cls(SAVE)
