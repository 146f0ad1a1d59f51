"""What the activities shared by the request and meeting workflows answer.

A workflow names these as the ``result_type`` of an activity it runs by name, so it
decodes the answer without importing the activity, which would load the database and
the mail relay into the workflow sandbox.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.notices import Recipient


class RecordOutcome(BaseModel):
    """Whether a register entry was written now or was already there."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    idempotency_key: str
    written: bool


class DeliveryReceipt(BaseModel):
    """What delivering a notice did: emailed now, delivered before, logged only, or
    queued for the daily digest of everyone it is for; and who it went to, once role
    recipients were looked up in the user directory."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    idempotency_key: str
    outcome: Literal["sent", "already_sent", "logged_only", "queued"]
    message_id: str | None = None
    recipients: tuple[Recipient, ...] = ()
