"""The minimal workflow's input and result, in a module of their own.

The workflow imports this module passed through the sandbox (as forumflow's
workflows import their messages), so the models are built once per worker, not
once per workflow run: the baseline carries no cost a minimal workflow would not.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contracts.request import StartRequest


class ShapeStep(BaseModel):
    """What forumflow's history adds at one point of a lifecycle (its start, or one
    Update), for the baseline to add the same: patch markers, search-attribute upserts,
    reminder timers started and cancelled."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    patches: int = Field(default=0, ge=0)
    upserts: int = Field(default=0, ge=0)
    timers_started: int = Field(default=0, ge=0)
    timers_cancelled: int = Field(default=0, ge=0)


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
    shape: tuple[ShapeStep, ...] = Field(
        default=(),
        description="forumflow's other history events, one step for the start and one per "
        "Update (bench.history_shape), added by the baseline at the same points with no "
        "rules run (the lifecycles benchmark's baseline with the same history)",
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
