"""GET /requests: filters over the requests' search attributes, on the dev server's
visibility store, which is eventually consistent: every check polls with a bounded wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from devtools.seeds import CHAIR, JULY_2018_MEETING
from domain.calendar import papers_deadline
from domain.request.commands import Extend
from domain.request.draft import Period
from tests.api.conftest import Api
from tests.api.requests_setup import (
    drafting,
    evaluated,
    listing,
    listing_schools_block,
    poll,
    tabled,
)

pytestmark = pytest.mark.devserver_only

# A winter meeting, so the two tabled requests differ in date and in UK clock offset.
DECEMBER_MEETING = date(2018, 12, 5)


async def _listed(api: Api, params: Mapping[str, str | int]) -> list[dict[str, Any]]:
    response = await api.http.get("/requests", params=params, headers=api.auth("clerk"))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["requests"]
    return found


async def _eventually(
    api: Api, params: Mapping[str, str | int], expected: set[str]
) -> list[dict[str, Any]]:
    """The listing once it shows exactly ``expected`` (fails after a bounded wait)."""
    last: list[dict[str, Any]] = []

    async def shows_expected() -> bool:
        nonlocal last
        last = await _listed(api, params)
        return {r["reference"] for r in last} == expected

    assert await poll(shows_expected), (params, [r["reference"] for r in last], expected)
    return last


async def test_filters_by_stage_meeting_source_and_deadline(api: Api) -> None:
    """Stage, meeting date (a summer London date), funding source and deadline filters each
    return exactly the matching requests, with the meeting date as the UK calendar day."""
    forum = api.services.requests
    draft = await drafting(forum)
    schools = await listing_schools_block(forum)
    july = await tabled(forum)
    december = await tabled(forum, DECEMBER_MEETING)

    await _eventually(api, {}, {draft, schools, july, december})
    await _eventually(api, {"stage": "drafting"}, {draft})
    tabled_rows = await _eventually(api, {"stage": "tabled"}, {july, december})
    by_reference = {row["reference"]: row for row in tabled_rows}
    assert by_reference[july]["meeting_date"] == JULY_2018_MEETING.isoformat()
    assert by_reference[december]["meeting_date"] == DECEMBER_MEETING.isoformat()
    assert by_reference[july]["funding_sources"] == ["centrally_retained"]

    await _eventually(api, {"meeting_date": JULY_2018_MEETING.isoformat()}, {july})
    await _eventually(api, {"meeting_date": DECEMBER_MEETING.isoformat()}, {december})
    day_before = (JULY_2018_MEETING - timedelta(days=1)).isoformat()
    await _eventually(api, {"meeting_date": day_before}, set())

    await _eventually(api, {"funding_source": "dsg_schools_block_dedelegation"}, {schools})
    await _eventually(api, {"funding_source": "centrally_retained"}, {july, december})

    # A tabled request's next deadline is its papers deadline (the filter takes its day).
    due = papers_deadline(JULY_2018_MEETING, 5)
    await _eventually(api, {"deadline_before": due.isoformat()}, {july})
    await _eventually(api, {"deadline_before": (due - timedelta(days=1)).isoformat()}, set())
    await _eventually(api, {"deadline_before": DECEMBER_MEETING.isoformat()}, {july, december})

    await _eventually(
        api,
        {
            "stage": "tabled",
            "funding_source": "centrally_retained",
            "meeting_date": DECEMBER_MEETING.isoformat(),
        },
        {december},
    )


async def test_next_deadline_is_the_instant_the_papers_close(api: Api) -> None:
    """A tabled request's next_deadline is 5pm London on its papers deadline, written in UTC."""
    forum = api.services.requests
    july = await tabled(forum)
    december = await tabled(forum, DECEMBER_MEETING)

    rows = await _eventually(api, {"stage": "tabled"}, {july, december})

    deadlines = {row["reference"]: row["next_deadline"] for row in rows}
    july_due = papers_deadline(JULY_2018_MEETING, 5)
    december_due = papers_deadline(DECEMBER_MEETING, 5)
    assert deadlines[july] == f"{july_due.isoformat()}T16:00:00Z"
    assert deadlines[december] == f"{december_due.isoformat()}T17:00:00Z"
    listed = await api.http.get(f"/requests/{july}/deadlines", headers=api.auth("clerk"))
    (papers,) = [d for d in listed.json()["deadlines"] if d["kind"] == "papers"]
    assert papers["due"] == deadlines[july]


async def test_limit_caps_the_listing(api: Api) -> None:
    """limit=N returns at most N requests, all of them real matches."""
    forum = api.services.requests
    made = {await drafting(forum) for _ in range(3)}
    await _eventually(api, {"stage": "drafting"}, made)
    for limit in (1, 2):
        rows = await _listed(api, {"stage": "drafting", "limit": limit})
        assert len(rows) == limit
        assert {row["reference"] for row in rows} <= made


async def test_extended_request_is_listed_once_as_its_current_period(api: Api) -> None:
    """An extended request (continued as a new run) is listed once, in option listing,
    and its earlier run does not make it match the earlier period's filters."""
    forum = api.services.requests
    extended = await evaluated(forum)
    other = await listing(forum)
    await forum.submit(
        extended,
        Extend(
            new_period=Period(start=date(2019, 9, 1), end=date(2020, 8, 31)),
            reason="Referrals kept rising.",
        ),
        CHAIR,
    )
    rows = await _eventually(api, {"stage": "option_listing"}, {extended, other})
    assert [row["reference"] for row in rows].count(extended) == 1
    await _eventually(api, {"stage": "evaluation"}, set())
    await _eventually(api, {"funding_source": "centrally_retained"}, {other})


async def test_invalid_filters_are_422_naming_the_parameter(api: Api) -> None:
    """An unknown stage, a malformed date and a limit of 0 are 422 naming the query field."""
    for params, field in (
        ({"stage": "shelved"}, "query.stage"),
        ({"meeting_date": "4 July 2018"}, "query.meeting_date"),
        ({"limit": 0}, "query.limit"),
        ({"funding_source": "lottery"}, "query.funding_source"),
    ):
        response = await api.http.get("/requests", params=params, headers=api.auth("clerk"))
        assert response.status_code == 422, response.text
        assert field in {p["field"] for p in response.json()["problems"]}


async def test_a_meeting_day_before_the_year_1000_is_listed_not_refused(api: Api) -> None:
    """A calendar day such as 0578-10-11 is valid input: the listing answers 200 (with
    nothing tabled that day), where the visibility query once got a three-digit year."""
    response = await api.http.get(
        "/requests", params={"meeting_date": "0578-10-11"}, headers=api.auth("clerk")
    )
    assert response.status_code == 200, response.text
    assert response.json()["requests"] == []
