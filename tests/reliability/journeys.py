"""A request's journey through the HTTP API, as the people who take each step send it.

``Caller`` is a retrying client: each action gets one Idempotency-Key, and a
transport error or a 503 (the workflow service did not answer) is retried with the
same key, which is exactly the retried-client case the key exists for. ``ForumDates``
moves the Middlesbrough request to a given meeting: one ahead of the server's clock
gives deadlines (and reminders) still to come, one long past gives overdue ones.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from devtools.seeds import (
    CENTRALLY_RETAINED,
    EVALUATION,
    MIDDLESBROUGH_RECOMMENDATION,
    middlesbrough_draft,
)
from domain.forum import ForumSettings
from domain.people import Member, Membership
from domain.request.decision import Minute, VoteChoice
from domain.request.draft import FundingOption, Period, RequestDraft
from tests.api.conftest import Api
from tests.lifecycle.drive import minute_for

OFFICER_ID = "sean.hogg"
CHAIR_ID = "chair"
CLERK_ID = "clerk"

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass
class Caller:
    """POSTs and GETs through the app, retrying unanswered calls under the same key.

    With ``attempt_seconds`` the client gives up on an attempt after that long and sends
    it again, as an HTTP client whose read timeout expired would.
    """

    api: Api
    attempt_seconds: float | None = None
    retry_delay: float = 0.25
    answered: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    in_flight: int = 0
    _watches: list[tuple[Callable[[], bool], asyncio.Event]] = field(default_factory=list)

    def when(self, condition: Callable[[], bool]) -> asyncio.Event:
        """An event set once ``condition`` holds after some call has been answered."""
        event = asyncio.Event()
        self._watches.append((condition, event))
        return event

    async def post(self, user: str, path: str, body: object) -> dict[str, Any]:
        """POST ``body`` as ``user``; the parsed 200/201 answer (anything else fails)."""
        headers = {**self.api.auth(user), "Idempotency-Key": f"key-{uuid.uuid4()}"}
        response = await self._send("POST", path, headers, body)
        assert response.status_code in (200, 201), (
            f"POST {path} as {user}: {response.status_code} {response.text}"
        )
        self.answered[path.rsplit("/", 1)[-1]] += 1
        for condition, event in self._watches:
            if condition():
                event.set()
        payload: dict[str, Any] = response.json()
        return payload

    async def get(self, user: str, path: str) -> dict[str, Any]:
        """GET ``path`` as ``user``; the parsed 200 answer."""
        response = await self._send("GET", path, self.api.auth(user), None)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        payload: dict[str, Any] = response.json()
        return payload

    async def read(self, user: str, path: str, model: type[ModelT]) -> ModelT:
        """GET ``path`` as ``user``, parsed as ``model`` from JSON (strict models take JSON)."""
        response = await self._send("GET", path, self.api.auth(user), None)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return model.model_validate_json(response.content)

    async def _attempt(
        self, method: str, path: str, headers: dict[str, str], body: object
    ) -> httpx.Response | None:
        """One try; None when it failed in transport or the client stopped waiting."""
        attempt = asyncio.ensure_future(
            self.api.http.request(
                method, path, headers=headers, json=body if method == "POST" else None
            )
        )
        done, _ = await asyncio.wait({attempt}, timeout=self.attempt_seconds)
        if not done:
            # The client hangs up: whatever the app would still answer is never read.
            attempt.cancel()
            await asyncio.wait({attempt})
            if not attempt.cancelled():
                attempt.exception()  # retrieved, and dropped with the answer
            return None
        try:
            return attempt.result()
        except httpx.TransportError:
            return None

    async def _send(
        self, method: str, path: str, headers: dict[str, str], body: object
    ) -> httpx.Response:
        self.in_flight += 1
        try:
            while True:
                response = await self._attempt(method, path, headers, body)
                if response is not None and response.status_code != 503:
                    return response
                self.retries += 1
                await asyncio.sleep(self.retry_delay)
        finally:
            self.in_flight -= 1


@dataclass(frozen=True)
class ForumDates:
    """The Middlesbrough request moved to a meeting on ``meeting``, funded from 60 days after."""

    meeting: date

    @property
    def period(self) -> Period:
        start = self.meeting + timedelta(days=60)
        return Period(start=start, end=start + timedelta(days=364))

    def draft(self, reference: str) -> RequestDraft:
        base = middlesbrough_draft(reference)
        assert base.evaluation_plan is not None
        plan = base.evaluation_plan.model_copy(
            update={"report_due": self.period.end - timedelta(days=60)}
        )
        return base.model_copy(update={"period": self.period, "evaluation_plan": plan})

    def option(self) -> FundingOption:
        return CENTRALLY_RETAINED.model_copy(update={"period": self.period})

    def minute(self) -> Minute:
        return minute_for().model_copy(update={"period": self.period})


@dataclass
class Journey:
    """One request driven through the API by officer, chair, clerk and members."""

    caller: Caller
    forum: ForumDates
    reference: str
    accepted: int = 0

    @property
    def actions(self) -> str:
        return f"/requests/{self.reference}/actions"

    async def _act(self, user: str, transition: str, body: object) -> dict[str, Any]:
        result = await self.caller.post(user, f"{self.actions}/{transition}", body)
        self.accepted += 1
        return result

    async def create(self, settings: ForumSettings | None = None) -> None:
        """The officer creates the request (with the forum's settings, if given)."""
        body: dict[str, Any] = {"draft": self.forum.draft(self.reference).model_dump(mode="json")}
        if settings is not None:
            body["settings"] = settings.model_dump(mode="json")
        created = await self.caller.post(OFFICER_ID, "/requests", body)
        assert created["stage"] == "drafting"
        self.accepted += 1

    async def withdraw(self, reason: str) -> None:
        await self._act(OFFICER_ID, "withdraw", {"reason": reason})

    async def prepare(self) -> None:
        """The officer submits the draft, lists the option and writes the recommendation."""
        await self._act(OFFICER_ID, "submit_draft", {})
        await self._act(
            OFFICER_ID, "add_option", {"option": self.forum.option().model_dump(mode="json")}
        )
        recommendation = {
            "text": MIDDLESBROUGH_RECOMMENDATION,
            "option_ids": [CENTRALLY_RETAINED.option_id],
        }
        await self._act(OFFICER_ID, "set_recommendation", {"recommendation": recommendation})

    async def table(self, members: tuple[Member, ...]) -> None:
        """The chair tables the request with this membership."""
        membership = Membership(members=members).model_dump(mode="json")
        await self._act(
            CHAIR_ID,
            "table",
            {"meeting_date": self.forum.meeting.isoformat(), "membership": membership},
        )

    async def open_vote(self, present: tuple[Member, ...]) -> None:
        """The clerk records who is present and the chair opens the vote."""
        await self._act(
            CLERK_ID, "record_attendance", {"present_member_ids": [m.member_id for m in present]}
        )
        await self._act(CHAIR_ID, "open_vote", {})

    async def cast(self, member: Member, choice: VoteChoice) -> None:
        """One member's vote."""
        await self._act(member.member_id, "cast_vote", {"choice": choice.value})

    async def vote(self, present: tuple[Member, ...], votes: tuple[VoteChoice, ...]) -> str:
        """Attendance, the vote opened, each present member's vote, the vote closed: the stage."""
        await self.open_vote(present)
        for member, choice in zip(present, votes, strict=True):
            await self.cast(member, choice)
        closed = await self._act(CHAIR_ID, "close_vote", {})
        stage: str = closed["stage"]
        return stage

    async def minute(self) -> None:
        """The clerk records the minute of the approval."""
        await self._act(
            CLERK_ID, "record_minute", {"minute": self.forum.minute().model_dump(mode="json")}
        )

    async def minute_and_evaluate(self) -> None:
        """The clerk minutes, the chair confirms, the officer reports the evaluation."""
        await self.minute()
        await self._act(CHAIR_ID, "confirm_minutes", {})
        await self._act(
            OFFICER_ID, "report_evaluation", {"report": EVALUATION.model_dump(mode="json")}
        )

    async def close(self) -> None:
        await self._act(CHAIR_ID, "close", {"reason": "The posts are now funded by the council."})
