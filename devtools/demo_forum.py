"""The people of the demo acting through the HTTP API, and the timeline they print.

``Forum`` sends each person's actions with their own token, checks the API answered as
the walk-through expects (an accepted action, or a refusal with the expected status),
and prints one timeline entry per step, dated as in the seed papers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

import httpx
from pydantic import BaseModel

from contracts.register import RegisterEntry
from domain.calendar import format_uk_date, to_london
from domain.people import Member
from domain.request.commands import CastVote, Command
from domain.request.decision import VoteChoice
from domain.request.draft import RequestDraft
from domain.request.lifecycle import transition_of
from domain.values import format_pence
from storage.accounts import User

WHEN_WIDTH = 20
WRAP = 100


class DemoError(RuntimeError):
    """The API answered a step in a way the walk-through did not expect."""


@dataclass(frozen=True)
class Refusal:
    """An action a rule refused: who tried what, and the API's answer."""

    reference: str
    user_id: str
    action: str
    status: int
    rule: str | None
    message: str


@dataclass
class DemoReport:
    """What the walk-through ended with."""

    stages: dict[str, str] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    register: list[RegisterEntry] = field(default_factory=list)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    # Rule codes are hyphenated: keep them whole, so they read (and grep) as one word.
    return textwrap.wrap(
        text, WRAP, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _uk_deadline(due: str) -> str:
    moment = to_london(datetime.fromisoformat(due))
    return (
        f"5pm, {format_uk_date(moment.date())}"
        if moment.hour == 17
        else format_uk_date(moment.date())
    )


class Forum:
    """People acting on requests through the API, printing the timeline as they go."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        users: Mapping[str, User],
        tokens: Mapping[str, str],
        out: TextIO,
        report: DemoReport,
    ) -> None:
        self.http = http
        self.users = users
        self.tokens = tokens
        self.out = out
        self.report = report

    def entry(self, when: str, headline: str, detail: str = "") -> None:
        """One timeline entry: the date, what happened, and the detail wrapped beneath."""
        lead = f"  {when:<{WHEN_WIDTH}} "
        indent = " " * len(lead)
        # The headline stays on one line, so each step reads (and greps) whole.
        lines = [lead + headline, *_wrap(detail, indent, indent)]
        print("\n".join(lines), file=self.out)

    def bullet(self, text: str) -> None:
        """A line of a summary section."""
        print("\n".join(_wrap(text, "  - ", "    ")), file=self.out)

    def _who(self, user_id: str) -> str:
        return f"{self.users[user_id].name} ({user_id})"

    def _auth(self, user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}

    async def get(self, user_id: str, path: str) -> Any:
        """GET ``path`` as ``user_id``; the JSON body."""
        response = await self.http.get(path, headers=self._auth(user_id))
        if response.status_code != 200:
            raise DemoError(f"GET {path}: {response.status_code} {response.text}")
        return response.json()

    async def create(
        self,
        when: str,
        user_id: str,
        draft: RequestDraft,
        scheduled_meetings: Sequence[date] = (),
    ) -> None:
        """The officer starts a request with its draft."""
        body = {
            "draft": _body(draft),
            "scheduled_meetings": [day.isoformat() for day in scheduled_meetings],
        }
        response = await self.http.post("/requests", json=body, headers=self._auth(user_id))
        if response.status_code != 201:
            raise DemoError(f"POST /requests: {response.status_code} {response.text}")
        cost = " + ".join(
            f"{line.quantity} x {format_pence(line.unit_cost_pence)}" for line in draft.cost_lines
        )
        self.entry(
            when,
            f"{self._who(user_id)} drafts {draft.reference} [-> {response.json()['stage']}]",
            f"{draft.title}: {cost} = {format_pence(draft.total_pence)}, {draft.period.label}.",
        )

    async def _post(self, user_id: str, reference: str, command: Command) -> httpx.Response:
        action = transition_of(command).value
        return await self.http.post(
            f"/requests/{reference}/actions/{action}",
            json=_body(command),
            headers=self._auth(user_id),
        )

    async def act(
        self, when: str, user_id: str, reference: str, command: Command, *, quiet: bool = False
    ) -> dict[str, Any]:
        """An action the rules accept; prints who did it and the audit trail's summary."""
        response = await self._post(user_id, reference, command)
        action = transition_of(command).value
        if response.status_code != 200:
            raise DemoError(f"{action} on {reference}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        if not quiet:
            entry = result["audit_entry"]
            moved = (
                f" [{entry['from_stage']} -> {entry['to_stage']}]"
                if entry["from_stage"] != entry["to_stage"]
                else ""
            )
            self.entry(when, f"{self._who(user_id)}: {action}{moved}", entry["summary"])
        return result

    async def refused(
        self, when: str, user_id: str, reference: str, command: Command, status: int
    ) -> Refusal:
        """An action a rule refuses with ``status``; prints the rule and its message."""
        response = await self._post(user_id, reference, command)
        action = transition_of(command).value
        if response.status_code != status:
            raise DemoError(
                f"{action} on {reference}: expected {status}, got "
                f"{response.status_code} {response.text}"
            )
        problem = response.json()
        refusal = Refusal(
            reference=reference,
            user_id=user_id,
            action=action,
            status=response.status_code,
            rule=problem.get("rule"),
            message=problem["message"],
        )
        self.report.refusals.append(refusal)
        self.entry(
            when,
            f"{self._who(user_id)}: {action} REFUSED, {refusal.status} {refusal.rule}",
            refusal.message,
        )
        return refusal

    async def votes(
        self, when: str, reference: str, choices: Iterable[tuple[Member, VoteChoice]]
    ) -> None:
        """Each member casts a vote; one line sums them up."""
        counts: dict[VoteChoice, int] = {}
        for member, choice in choices:
            await self.act(when, member.member_id, reference, CastVote(choice=choice), quiet=True)
            counts[choice] = counts.get(choice, 0) + 1
        tally = ", ".join(f"{n} {choice.value}" for choice, n in counts.items())
        self.entry(when, f"{sum(counts.values())} members: cast_vote ({tally})")

    async def warning(self, user_id: str, reference: str) -> str | None:
        """The engine's warning about the request's deadlines, if it has one."""
        found = await self.get(user_id, f"/requests/{reference}/deadlines")
        warning = found.get("warning")
        return str(warning) if warning else None

    async def deadlines(self, user_id: str, reference: str) -> list[str]:
        """The request's deadlines as the engine computed them, one line each."""
        found = await self.get(user_id, f"/requests/{reference}/deadlines")
        return [
            f"{deadline['label']}: by {_uk_deadline(deadline['due'])}"
            for deadline in found["deadlines"]
        ]
