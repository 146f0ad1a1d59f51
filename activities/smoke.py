"""The smoke workflow's greeting activity: proves a worker runs activities at all."""

from __future__ import annotations

from temporalio import activity

from contracts import names
from contracts.smoke import GreetRequest


class SmokeActivities:
    """Activities of the smoke workflow; a class so tests can pass dependencies."""

    def __init__(self, salutation: str = "Hello") -> None:
        self._salutation = salutation

    @activity.defn(name=names.SMOKE_GREET_ACTIVITY)
    async def greet(self, request: GreetRequest) -> str:
        """Greet ``request.name`` with this worker's salutation."""
        activity.logger.info("greeting", extra={"for": request.name})
        return f"{self._salutation}, {request.name}"
