"""The base of every model the API answers with."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """An answer's shape, owned by the API; built from a payload with :meth:`of`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def of(cls, payload: object) -> Self:
        """The answer read from ``payload``'s attributes (a payload model, a dataclass)."""
        return cls.model_validate(payload, from_attributes=True)
