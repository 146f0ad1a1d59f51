"""How a workflow turns a refused command into the error its caller sees.

A domain refusal and invalid input both become a non-retryable ApplicationError whose
``type`` says what went wrong (the RuleViolation's class name, or ``InvalidCommand``)
and whose first detail is plain data with the stable ``rule`` code, so clients (see
forumflow.requests.TransitionRefused) report every workflow's refusals the same way.
"""

from __future__ import annotations

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from domain.errors import RuleViolation

__all__ = ["invalid_input", "refusal"]


def refusal(error: RuleViolation) -> ApplicationError:
    """A domain rule's refusal, carrying its message, rule code and field."""
    return ApplicationError(
        error.message,
        {"rule": error.rule, "field": error.field},
        type=type(error).__name__,
        non_retryable=True,
    )


def invalid_input(name: str, error: ValidationError) -> ApplicationError:
    """Input that did not validate for ``name``, with each problem's field and reason."""
    problems = [
        {"field": ".".join(str(part) for part in issue["loc"]), "rule": issue["msg"]}
        for issue in error.errors(include_url=False, include_input=False)
    ]
    described = "; ".join(f"{p['field'] or '(body)'}: {p['rule']}" for p in problems)
    return ApplicationError(
        f"Invalid {name} request: {described}",
        {"rule": "invalid-input", "problems": problems},
        type="InvalidCommand",
        non_retryable=True,
    )
