"""The minimal workflow's input and result, in a module of their own.

The workflow imports this module passed through the sandbox (as forumflow's
workflows import their messages), so the models are built once per worker, not
once per workflow run: the baseline carries no cost a minimal workflow would not.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contracts.request import StartRequest


class BaselineInput(BaseModel):
    """How long the baseline workflow sleeps, in how many timers (0: none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    timers: int = Field(default=0, ge=0)
    total_seconds: float = Field(default=0.0, ge=0)
    notices: bool = Field(
        default=False, description="run one (no-op) notice activity as each timer fires"
    )
    register_by_activity: bool = Field(
        default=False,
        description="write register entries through an ordinary activity, as forumflow "
        "does, instead of a local activity",
    )
    request: StartRequest | None = Field(
        default=None,
        description="a request's own start payload, kept for the run as a request keeps its "
        "draft (the memory benchmark's baseline that holds the same payloads)",
    )


class BaselineResult(BaseModel):
    """What the baseline workflow did."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    updates: int
    timers_fired: int
