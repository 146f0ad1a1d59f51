"""What crosses the Temporal boundary for the daily digest: the workflow's input, the
activity's run and its report.

The workflow, its activity and the Schedule that starts it each import these from here,
so none of them needs the others' code (the activity's stores, the workflow sandbox).
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DailyDigestInput(_Message):
    """Which London day's digests to send; by default the day the workflow starts."""

    day: date | None = Field(
        default=None, description="defaults to the day the workflow starts, in Europe/London"
    )


class DigestRun(_Message):
    """Send each person's digest for ``day``: their notices queued up to ``up_to``."""

    day: date
    up_to: AwareDatetime


class DigestSent(_Message):
    """One person's digest: its key, how many notices it lists, and what delivery did."""

    user_id: str
    key: str
    notices: int = Field(ge=1)
    outcome: str = Field(description="the delivery's outcome: sent, already_sent or logged_only")


class DigestReport(_Message):
    """The digests of one day, one per person with notices."""

    day: date
    digests: tuple[DigestSent, ...] = ()
