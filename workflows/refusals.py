"""How a workflow turns a refused command into the error its caller sees.

A domain refusal and invalid input both become a non-retryable ApplicationError whose
``type`` says what went wrong (the RuleViolation's class name, or ``InvalidCommand``)
and whose first detail is plain data with the stable ``rule`` code, so clients (see
clients.requests.TransitionRefused) report every workflow's refusals the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from domain.errors import RuleViolation

__all__ = ["decode_update", "invalid_input", "refusal"]

UpdateT = TypeVar("UpdateT", bound=BaseModel)


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


def decode_update(
    name: str, args: Sequence[RawValue], known: Collection[str], update_type: type[UpdateT]
) -> UpdateT:
    """The one argument of a dynamic Update named ``name``, checked before any rule runs.

    ``update_type`` must have a ``command`` whose ``kind`` agrees with the name.
    """
    if name not in known:
        raise ApplicationError(
            f"Unknown transition {name!r}; known: {', '.join(sorted(known))}",
            {"rule": "unknown-transition", "field": None},
            type="UnknownTransition",
            non_retryable=True,
        )
    if len(args) != 1:
        raise ApplicationError(
            f"{name} takes exactly one {update_type.__name__} argument, not {len(args)}",
            {"rule": "invalid-input", "field": None},
            type="InvalidCommand",
            non_retryable=True,
        )
    try:
        update = workflow.payload_converter().from_payload(args[0].payload, update_type)
    except ValidationError as error:
        raise invalid_input(name, error) from None
    except Exception as error:
        # An unknown or missing encoding, or bytes that are not JSON, fail in the payload
        # converter itself (KeyError, RuntimeError...): still invalid input, never a retry.
        raise ApplicationError(
            f"{name} could not read its argument: {type(error).__name__}: {error}",
            {"rule": "invalid-input", "field": None},
            type="InvalidCommand",
            non_retryable=True,
        ) from None
    kind = getattr(getattr(update, "command", None), "kind", None)
    if kind != name:
        raise ApplicationError(
            f"The {name} update carries a {kind} command",
            {"rule": "command-kind-mismatch", "field": "command.kind"},
            type="InvalidCommand",
            non_retryable=True,
        )
    return update
