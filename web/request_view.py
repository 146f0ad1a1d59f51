"""What the request pages show, read from the request's workflow through the clients.

A request page asks the workflow one query for three things: its state (the draft,
options, recommendation and audit trail), its deadlines with any warning, and what this
person may do now (the workflow's own allowed transitions, so the pages offer exactly
what the workflow would accept). The home page lists the requests a person wrote or was
named on, with what each needs from them now, which it words from the domain's own
rules: a draft the submission rule refuses, a request the tabling rule refuses, the
deadline that is the officer's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from clients.requests import FundingRequests, NoSuchRequest
from contracts.request import RequestDeadlines
from domain.calendar import to_london
from domain.deadlines import Deadline, DeadlineKind, request_deadlines
from domain.people import Role
from domain.request.commands import Transition
from domain.request.errors import DraftIncomplete, TablingRefused
from domain.request.models import RequestState, Stage
from domain.request.rules import check_draft_complete, check_tabling
from storage.accounts import User
from web.present import due_by, uk_date

LIST_LIMIT = 1000
"""Requests a listing reads: the JSON listing's own upper bound."""

READ_CONCURRENCY = 16
"""Workflows asked at once while a listing is read: enough to overlap the round trips,
few enough not to queue a burst of queries behind one worker."""


@dataclass(frozen=True)
class RequestView:
    """One request as its page shows it to one person."""

    state: RequestState
    deadlines: RequestDeadlines
    allowed: frozenset[Transition]


async def request_view(requests: FundingRequests, reference: str, user: User) -> RequestView:
    """The request's state, deadlines and what ``user`` may do, in one query.

    Raises NoSuchRequest for a reference nobody created.
    """
    overview = await requests.overview(reference, tuple(sorted(user.roles)), user.user_id)
    return RequestView(overview.state, overview.deadlines, frozenset(overview.allowed.transitions))


@dataclass(frozen=True)
class ListedRow:
    """One request in a listing: what it is, where it is, what is next, and any warning."""

    state: RequestState
    deadlines: tuple[Deadline, ...]
    warning: str | None

    @property
    def next_deadline(self) -> Deadline | None:
        """The soonest deadline the request has."""
        return self.deadlines[0] if self.deadlines else None

    @property
    def needs(self) -> str:
        """What the request needs from its officer now."""
        return needs_now(self.state, self.deadlines)


async def listed_rows(requests: FundingRequests, *, only_for: str | None = None) -> list[ListedRow]:
    """Every request on the forum's queue (or only those ``only_for`` wrote or was named
    on), warnings first, then by the soonest deadline.

    Each state is read from its workflow. The deadlines are the domain's
    (``request_deadlines``), worked out from that state; only a request that needs a
    procurement also asks its workflow's deadlines query, because its deadlines depend
    on the meeting dates the workflow holds, and only such a request can carry the
    procurement warning (``procurement_warning``). One query per request rather than two
    is what keeps a long list quick.
    """
    listed = await requests.search(limit=LIST_LIMIT)
    gate = asyncio.Semaphore(READ_CONCURRENCY)

    async def read(reference: str) -> ListedRow | None:
        async with gate:
            try:
                state = await requests.state(reference)
            except NoSuchRequest:
                return None  # listed, then gone: a workflow deleted by retention
            if only_for is not None and not state.is_author_or_co_author(only_for):
                return None
            if not state.draft.procurement_needed:
                return ListedRow(state, tuple(request_deadlines(state)), None)
            asked = await requests.deadlines(reference)
        return ListedRow(state, asked.deadlines, asked.warning)

    rows = [row for row in await asyncio.gather(*(read(r.reference) for r in listed)) if row]
    return sorted(rows, key=_urgency)


def _urgency(row: ListedRow) -> tuple[bool, bool, str, str]:
    deadline = row.next_deadline
    return (
        row.warning is None,
        deadline is None,
        deadline.due.isoformat() if deadline else "",
        row.state.reference,
    )


_TABLING_NEEDS: dict[str, str] = {
    "tabling-requires-funding-options": "Add a funding option",
    "tabling-requires-recommendation": "Write the recommendation",
    "tabling-requires-specific-option": "The recommendation names no option",
    "tabling-recommendation-names-unknown-option": (
        "The recommendation names an option that is not listed"
    ),
    "tabling-requires-options-to-cover-cost": "The options do not cover the cost",
}
"""What a tabling refusal asks of the officer, by the rule that refuses it."""

_DRAFT_NEEDS: dict[str | None, str] = {
    "draft.purpose": "Say what the money is for, then submit the draft",
    "draft.background": "Give the background, then submit the draft",
    "draft.evaluation_plan": "Add an evaluation plan, then submit the draft",
}
"""What a draft the submission rule refuses still needs, by the field it names."""

_WAITING: dict[Stage, str] = {
    Stage.voting: "Nothing: the forum is voting on it",
    Stage.decided: "Nothing: the clerk is writing the minute",
    Stage.minuted: "Nothing: the minutes are waiting to be confirmed",
    Stage.evaluation: "Nothing: the chair decides whether to extend or close it",
    Stage.closed: "Nothing: it is closed",
    Stage.rejected: "Nothing: the forum rejected it",
    Stage.withdrawn: "Nothing: it was withdrawn",
}


def needs_now(state: RequestState, deadlines: Sequence[Deadline]) -> str:
    """What the request needs from its officer now, in a few words."""
    officer_due = [d for d in deadlines if d.responsible_role is Role.officer]
    report = next((d for d in officer_due if d.kind is DeadlineKind.evaluation_report), None)
    if report is not None:
        return f"Evaluation report due {uk_date(to_london(report.due).date())}"
    if state.stage is Stage.drafting:
        try:
            check_draft_complete(state.draft)
        except DraftIncomplete as refused:
            return _DRAFT_NEEDS.get(refused.field, "Complete the draft, then submit it")
        return "Submit the draft"
    if state.stage is Stage.option_listing:
        try:
            check_tabling(state)
        except TablingRefused as refused:
            return _TABLING_NEEDS.get(refused.rule, refused.message)
        return "Nothing: it is ready for the chair to table"
    if state.stage is Stage.tabled:
        papers = next((d for d in officer_due if d.kind is DeadlineKind.papers), None)
        if papers is not None:
            return f"Publish the papers by {due_by(papers.due)}"
        return f"Nothing: it is tabled for {uk_date(state.meeting_date)}"
    return _WAITING[state.stage]
