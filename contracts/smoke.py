"""What crosses the Temporal boundary for the smoke workflow and its greeting activity."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SmokeInput(_Message):
    """What the smoke workflow is started with."""

    name: str = Field(min_length=1)
    hold_seconds: int = Field(default=0, ge=0, description="durable timer before finishing")


class GreetRequest(_Message):
    """Input of the greeting activity."""

    name: str


class Release(_Message):
    """Lets a held smoke workflow finish before its timer."""

    note: str = ""


class SmokeResult(_Message):
    """What the smoke workflow returns."""

    greeting: str
    released_early: bool
