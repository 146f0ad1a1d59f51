"""The client side of a rolling deploy's first half, run on the previous commit's code.

The rolling-deploy test runs this file's source with a checkout of the previous commit
first on the path, so the bodies it sends are the ones that commit's journeys build,
to that commit's API: an older client of an older API, as before the deploy. It reads
a JSON plan on stdin, drives each request through ``step`` (``table``: that commit's
phase one, create, prepare and table, or withdraw in drafting; ``open``: attendance and
the vote opened, or withdraw before the meeting), and writes how many calls each
request had accepted.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from typing import Any, cast

import httpx

from devtools.seeds import MEMBERS
from tests.api.conftest import Api
from tests.reliability.journeys import Caller, ForumDates, Journey
from tests.reliability.test_worker_killed import Ending, Plan, draft_and_table


async def drive(plan: dict[str, Any]) -> dict[str, int]:
    """Every request's step, concurrently; the calls each had accepted."""
    seats = {member.member_id: member for member in MEMBERS}
    async with httpx.AsyncClient(base_url=plan["api_url"], timeout=120) as http:
        api = Api(http=http, services=cast(Any, None), tokens=plan["tokens"])
        caller = Caller(api, attempt_seconds=30)
        forum = ForumDates(meeting=date.fromisoformat(plan["meeting"]))

        async def one(request: dict[str, Any]) -> tuple[str, int]:
            journey = Journey(caller, forum, request["reference"])
            journey.accepted = request["accepted"]
            if plan["step"] == "table":
                # That commit's own phase, so a change to how a request is tabled is in it.
                await draft_and_table(
                    Plan(
                        journey=journey,
                        ending=Ending(request["ending"]),
                        members=tuple(seats[m] for m in request["members"]),
                        present=tuple(seats[m] for m in request["present"]),
                        votes=(),
                    )
                )
            elif request["ending"] == "withdrawn_when_tabled":
                await journey.withdraw("Withdrawn before the meeting.")
            elif request["ending"] != "withdrawn_in_drafting":
                await journey.open_vote(tuple(seats[m] for m in request["present"]))
            return journey.reference, journey.accepted

        done = await asyncio.gather(*(one(request) for request in plan["requests"]))
    return dict(done)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(drive(json.load(sys.stdin)))))
