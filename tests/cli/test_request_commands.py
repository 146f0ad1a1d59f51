"""The request commands against the real API: the Middlesbrough request from draft to
register, and each side road (withdraw, amend, defer, extend, close) once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from clients.requests import FundingRequests
from devtools.seeds import MEMBERS, middlesbrough_draft
from tests.cli.conftest import EXAMPLES, Forum
from tests.lifecycle.drive import approved_request, evaluated_request, new_reference

pytestmark = pytest.mark.devserver_only

DRAFT = str(EXAMPLES / "middlesbrough-draft.json")
MEMBERSHIP = str(EXAMPLES / "membership.json")
OPTION = str(EXAMPLES / "option-centrally-retained.json")
MINUTE = str(EXAMPLES / "minute.json")
EVALUATION = str(EXAMPLES / "evaluation.json")
DRAFT_JSON = json.loads(Path(DRAFT).read_text())
QUORUM = MEMBERS[:8]  # 8 of 20 is the quorum


async def to_option_listing(forum: Forum, reference: str) -> None:
    """The officer drafts and submits the Middlesbrough request."""
    await forum.ok("sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference)
    await forum.ok("sean.hogg", "request", "submit", reference)


async def to_voting(forum: Forum, reference: str) -> None:
    """Drafted, the centrally retained option listed and recommended, tabled, vote open."""
    await to_option_listing(forum, reference)
    await forum.ok("sean.hogg", "option", "add", reference, "--file", OPTION)
    await forum.ok(
        "sean.hogg",
        "recommend",
        reference,
        "--text",
        "The forum agrees to fund four Early Help Practitioner posts.",
        "--option",
        "centrally-retained",
    )
    await forum.ok(
        "chair", "table", reference, "--meeting-date", "2018-07-04", "--file", MEMBERSHIP
    )
    present = ",".join(m.member_id for m in QUORUM)
    await forum.ok("clerk", "attendance", reference, "--present", present)
    await forum.ok("chair", "vote", "open", reference)


async def test_middlesbrough_request_from_draft_to_register(served: Forum, tmp_path: Path) -> None:
    """Officer drafts, chair tables, members vote, clerk minutes: the register names the source."""
    reference = new_reference()
    created = await served.ok(
        "sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference
    )
    assert reference in created
    assert "£89,604" in created
    assert "1 September 2018 to 31 August 2019" in created

    edited = dict(DRAFT_JSON)
    edited["title"] = "Early Help Practitioners (four posts)"
    await served.ok(
        "sean.hogg", "request", "edit", reference, "--file", "-", stdin=json.dumps(edited)
    )
    shown = await served.json("sean.hogg", "request", "show", reference)
    assert shown["draft"]["title"] == "Early Help Practitioners (four posts)"
    assert shown["draft"]["reference"] == reference

    await served.ok("sean.hogg", "request", "submit", reference)
    listed_option = await served.ok(
        "sean.hogg",
        "option",
        "add",
        reference,
        "--id",
        "schools-block",
        "--source",
        "dsg_schools_block_dedelegation",
        "--amount",
        "£89,604",
        "--start",
        "2018-09-01",
        "--end",
        "2019-08-31",
    )
    assert "stage: option listing" in listed_option
    state = await served.json("sean.hogg", "request", "show", reference)
    assert [o["amount_pence"] for o in state["options"]] == [8_960_400]
    await served.ok("sean.hogg", "option", "remove", reference, "schools-block")
    await served.ok("sean.hogg", "option", "add", reference, "--file", OPTION)
    await served.ok(
        "sean.hogg",
        "recommend",
        reference,
        "--text",
        "The forum agrees to fund four posts.",
        "--option",
        "centrally-retained",
    )
    tabled = await served.ok(
        "chair", "table", reference, "--meeting-date", "2018-07-04", "--file", MEMBERSHIP
    )
    assert "tabled" in tabled
    await served.ok("clerk", "attendance", reference, "--file", MEMBERSHIP)
    await served.ok("chair", "vote", "open", reference)
    for member in MEMBERS:
        await served.ok(member.member_id, "vote", "cast", reference, "for")
    decided = await served.json("chair", "vote", "close", reference)
    assert decided["stage"] == "decided"
    assert decided["register_keys"]
    minuted = await served.json("clerk", "minute", "record", reference, "--file", MINUTE)
    assert minuted["stage"] == "minuted"

    shown = await served.ok("clerk", "request", "show", reference)
    assert "minuted" in shown
    assert "20 for, 0 against, 0 abstaining" in shown
    assert "centrally retained budget" in shown

    written = await served.json(
        "clerk", "request", "notice", reference, "--output", str(tmp_path / "notice.html")
    )
    assert written["bytes"] > 0
    page = (tmp_path / "notice.html").read_text()
    assert "£89,604" in page
    assert page == await served.ok("clerk", "request", "notice", reference)

    register = await served.ok("clerk", "register", "list", "--request", reference)
    assert "centrally retained budget: £89,604" in register
    entries = await served.json("clerk", "register", "list", "--request", reference)
    agreed = entries["entries"][0]["agreed_options"]
    assert [(o["source"], o["amount_pence"]) for o in agreed] == [("centrally_retained", 8_960_400)]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Wait until ``check`` holds: listings read Temporal's visibility, which lags a little."""
    for _ in range(int(seconds / 0.2)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the listing never showed it")


async def test_reading_commands_print_tables_and_json(served: Forum) -> None:
    """show, audit, deadlines, actions and list print for people, and --json parses."""
    reference = new_reference()
    await to_option_listing(served, reference)
    await served.ok("sean.hogg", "option", "add", reference, "--file", OPTION)

    trail = await served.ok("clerk", "request", "audit", reference)
    assert "Sean Hogg" in trail
    assert "drafting -> option listing" in trail
    audit = await served.json("clerk", "request", "audit", reference)
    assert [e["transition"] for e in audit["entries"]] == ["create", "submit_draft", "add_option"]

    due = await served.json("clerk", "request", "deadlines", reference)
    assert due["reference"] == reference
    assert isinstance(due["deadlines"], list)
    assert f"Deadlines of {reference}" in await served.ok(
        "clerk", "request", "deadlines", reference
    )

    allowed = await served.json("sean.hogg", "request", "actions", reference)
    assert allowed["stage"] == "option_listing"
    assert "add_option" in allowed["transitions"]
    assert "forum option add" in await served.ok("sean.hogg", "request", "actions", reference)
    chair_may = await served.json("chair", "request", "actions", reference)
    assert chair_may["transitions"] == ["table"]

    async def listed() -> bool:
        found = await served.json("clerk", "request", "list", "--stage", "option_listing")
        return reference in [r["reference"] for r in found["requests"]]

    await eventually(listed)
    table = await served.ok("clerk", "request", "list", "--funding-source", "centrally_retained")
    assert reference in table
    assert "option listing" in table
    drafting = await served.json("clerk", "request", "list", "--stage", "drafting")
    assert reference not in [r["reference"] for r in drafting["requests"]]


async def test_side_roads_amend_defer_follow_and_withdraw(served: Forum) -> None:
    """amend, close --defer, follow-meeting, defer and withdraw each move the request."""
    reference = new_reference()
    await to_voting(served, reference)
    amended = await served.json(
        "clerk", "amend", reference, "--text", "Posts are full time, not term time only."
    )
    assert amended["stage"] == "voting"
    deferred = await served.json(
        "chair", "vote", "close", reference, "--defer", "The forum wants a costed alternative."
    )
    assert deferred["stage"] == "option_listing"
    shown = await served.ok("clerk", "request", "show", reference)
    assert "The forum wants a costed alternative." in shown

    await served.ok(
        "chair", "table", reference, "--meeting-date", "2018-09-26", "--file", MEMBERSHIP
    )
    followed = await served.ok(
        "chair",
        "follow-meeting",
        reference,
        "--meeting",
        "meeting-2018-09-26",
        "--from",
        "2018-09-26",
        "--to",
        "2018-10-03",
        "--reason",
        "The hall is booked.",
    )
    assert "tabled" in followed
    state = await served.json("clerk", "request", "show", reference)
    assert state["meeting_date"] == "2018-10-03"
    await served.ok("chair", "defer", reference, "--reason", "Awaiting the schools block figures.")
    withdrawn = await served.json(
        "sean.hogg", "withdraw", reference, "--reason", "Funded from elsewhere."
    )
    assert withdrawn["stage"] == "withdrawn"


async def test_after_the_decision_confirm_report_extend_and_close(
    served: Forum, forum: FundingRequests
) -> None:
    """minutes confirm, evaluation report, extend and close, on approved requests."""
    extended = await approved_request(forum, draft=middlesbrough_draft(new_reference()))
    await served.ok("clerk", "minute", "record", extended, "--file", MINUTE)
    confirmed = await served.ok("chair", "minutes", "confirm", extended)
    assert "evaluation" in confirmed
    report = await served.json("sean.hogg", "evaluation", "report", extended, "--file", EVALUATION)
    assert report["stage"] == "evaluation"
    result = await served.json(
        "chair",
        "extend",
        extended,
        "--start",
        "2019-09-01",
        "--end",
        "2020-08-31",
        "--reason",
        "707 referrals: the forum extends the posts.",
    )
    assert result["cycle"] == 2

    closing = await evaluated_request(forum, draft=middlesbrough_draft(new_reference()))
    closed = await served.json("chair", "close", closing, "--reason", "The work is done.")
    assert closed["stage"] == "closed"
