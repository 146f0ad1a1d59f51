"""Records the replay suite's histories: ``python -m tests.lifecycle.record_histories``.

Runs one request to each stage on the time-skipping server and saves its
history as ``tests/histories/<stage>__<scenario>.json``. Existing files are
never overwritten: they are the record of what running workflows looked like
under earlier code and must keep replaying. Add a scenario to add a history.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from activities.notify import NotificationActivities
from domain.commands import (
    AddOption,
    Close,
    CloseVote,
    Extend,
    RecordMinute,
    SubmitDraft,
    Withdraw,
)
from domain.models import Period, VoteChoice
from forumflow.requests import FundingRequests
from register import DecisionRegister
from register.deliveries import DeliveryLog
from tests.lifecycle.drive import (
    approve,
    everyone_votes,
    minute_and_confirm,
    minute_for,
    open_vote_with,
    recommend_and_table,
    report_evaluation,
)
from tests.lifecycle.scenario import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    MEMBERS,
    OFFICER,
    middlesbrough_draft,
)
from tests.servers import start_environment
from worker.app import WorkerDependencies, build_worker

HISTORY_DIR = Path(__file__).resolve().parent.parent / "histories"
Step = Callable[[FundingRequests, str], Awaitable[None]]


async def _nothing(forum: FundingRequests, reference: str) -> None:
    return None


async def _tabled(forum: FundingRequests, reference: str) -> None:
    await recommend_and_table(forum, reference)


async def _voting(forum: FundingRequests, reference: str) -> None:
    await _tabled(forum, reference)
    await open_vote_with(forum, reference)


async def _decided(forum: FundingRequests, reference: str) -> None:
    await _voting(forum, reference)
    await approve(forum, reference)


async def _minuted(forum: FundingRequests, reference: str) -> None:
    await _decided(forum, reference)
    await forum.submit(reference, RecordMinute(minute=minute_for()), CLERK)


async def _evaluation(forum: FundingRequests, reference: str) -> None:
    await _decided(forum, reference)
    await minute_and_confirm(forum, reference)
    await report_evaluation(forum, reference)


async def _closed(forum: FundingRequests, reference: str) -> None:
    await _evaluation(forum, reference)
    await forum.submit(reference, Close(reason="Posts ended"), CHAIR)


async def _extended(forum: FundingRequests, reference: str) -> None:
    await _evaluation(forum, reference)
    second_year = Period(start=date(2019, 9, 1), end=date(2020, 8, 31))
    await forum.submit(reference, Extend(new_period=second_year, reason="707 referrals"), CHAIR)


async def _rejected(forum: FundingRequests, reference: str) -> None:
    await _voting(forum, reference)
    await everyone_votes(forum, reference, VoteChoice.against, MEMBERS)
    await forum.submit(reference, CloseVote(), CHAIR)


async def _withdrawn(forum: FundingRequests, reference: str) -> None:
    await forum.submit(reference, Withdraw(reason="Funded elsewhere"), OFFICER)


SCENARIOS: dict[str, tuple[Step, bool]] = {
    "drafting__created": (_nothing, False),
    "option_listing__options_listed": (_nothing, True),
    "tabled__tabled": (_tabled, True),
    "voting__vote_open": (_voting, True),
    "decided__approved": (_decided, True),
    "minuted__minuted": (_minuted, True),
    "evaluation__reported": (_evaluation, True),
    "closed__closed": (_closed, True),
    "option_listing__extended": (_extended, True),
    "rejected__rejected": (_rejected, True),
    "withdrawn__withdrawn": (_withdrawn, True),
    # Recorded once deadline alarms existed: overdue deadlines escalate at once.
    "minuted__alarms_escalated": (_minuted, True),
    "evaluation__alarms_reported": (_evaluation, True),
}


async def record() -> None:
    """Run each scenario and save its history."""
    env = await start_environment("time-skipping")
    HISTORY_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        register = DecisionRegister(f"sqlite:///{Path(scratch) / 'register.sqlite3'}")
        register.create_schema()
        deliveries = DeliveryLog(register.engine)
        deliveries.create_schema()
        deps = WorkerDependencies(register, NotificationActivities(None, deliveries))
        async with env, build_worker(env.client, "histories", deps):
            forum = FundingRequests(env.client, "histories")
            for number, (name, (step, list_options)) in enumerate(SCENARIOS.items(), 1):
                if (HISTORY_DIR / f"{name}.json").exists():
                    continue
                draft = middlesbrough_draft(f"HIST-{number:02d}")
                handle = await forum.create(draft, OFFICER)
                if list_options:
                    await forum.submit(draft.reference, SubmitDraft(), OFFICER)
                    await forum.submit(
                        draft.reference, AddOption(option=CENTRALLY_RETAINED), OFFICER
                    )
                await step(forum, draft.reference)
                # A query waits for the pending workflow task, so history is complete.
                await forum.state(draft.reference)
                # The first run's history: for an extension it ends in continue-as-new.
                history = await env.client.get_workflow_handle(
                    draft.reference, run_id=handle.result_run_id
                ).fetch_history()
                (HISTORY_DIR / f"{name}.json").write_text(history.to_json())
                print(f"recorded {name}: {len(history.events)} events")
        register.close()


if __name__ == "__main__":
    asyncio.run(record())
