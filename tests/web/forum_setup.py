"""The forum's state the home and public pages are tested against, set up through the
clients as the pages' people would leave it, and a wait for a page to catch up.

A listing is read from Temporal's visibility store, which follows a workflow's own
state by a moment, so a page is reloaded until it shows what the clients just did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from playwright.async_api import Locator, Page

from clients.requests import FundingRequests
from contracts.register import EntryKind
from devtools import seeds
from domain.people import Member
from domain.request.commands import TableRequest
from storage.register import DecisionRegister
from tests.lifecycle.drive import draft_to_options, new_reference, open_vote_with, recommend

RELOADS = 40


async def ready_to_table(forum: FundingRequests) -> str:
    """A new request with its option listed and the recommendation naming it."""
    reference = await draft_to_options(forum, seeds.middlesbrough_draft(new_reference()))
    await recommend(forum, reference)
    return reference


async def tabled_on(forum: FundingRequests, meeting_id: str) -> str:
    """A new request the chair has tabled on the agenda of the meeting ``meeting_id``."""
    reference = await ready_to_table(forum)
    await forum.submit(reference, TableRequest(meeting_id=meeting_id), seeds.CHAIR)
    return reference


async def voting_on(
    forum: FundingRequests, meeting_id: str, present: Iterable[Member] = seeds.MEMBERS
) -> str:
    """A request on the meeting's agenda whose vote is open, nobody having voted."""
    reference = await tabled_on(forum, meeting_id)
    await open_vote_with(forum, reference, present)
    return reference


async def reload_until(page: Page, shown: Locator, text: str) -> None:
    """Reload the page until ``shown`` contains ``text``."""
    for _ in range(RELOADS):
        if await shown.count() and text in (await shown.first.inner_text()):
            return
        await asyncio.sleep(0.25)
        await page.reload()
    raise AssertionError(f"the page never showed {text!r}")


async def reload_until_gone(page: Page, shown: Locator) -> None:
    """Reload the page until nothing matches ``shown``."""
    for _ in range(RELOADS):
        if not await shown.count():
            return
        await asyncio.sleep(0.25)
        await page.reload()
    raise AssertionError("the page kept showing what should have gone")


async def registered(register: DecisionRegister, reference: str, kind: EntryKind) -> None:
    """Wait until the register holds an entry of ``kind`` about ``reference`` (the
    register is written by an activity, a moment after the transition)."""
    for _ in range(RELOADS * 2):
        if any(e.kind is kind for e in register.entries_for(reference)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the register never recorded a {kind} entry for {reference}")
