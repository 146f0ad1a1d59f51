"""The body of every error the API answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    """One thing wrong with the input."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="dotted path, e.g. body.draft.period.end")
    rule: str = Field(description="what the value must be")


class Problem(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(frozen=True)

    status: int
    error: str = Field(description="stable kind, e.g. forbidden, refused, invalid")
    message: str
    rule: str | None = Field(default=None, description="the refusing rule's code")
    field: str | None = None
    problems: tuple[FieldProblem, ...] = ()
