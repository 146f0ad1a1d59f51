"""The register, calendar and user commands against the real API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from clients.requests import FundingRequests
from devtools.seeds import middlesbrough_draft
from tests.cli.conftest import Forum
from tests.lifecycle.drive import approved_request, new_reference

pytestmark = pytest.mark.devserver_only


async def test_register_list_and_export_name_the_source(
    served: Forum, forum: FundingRequests, tmp_path: Path
) -> None:
    """register list shows £ and the source; export writes CSV or JSON rows in pence."""
    reference = await approved_request(forum, draft=middlesbrough_draft(new_reference()))

    listed = await served.ok("clerk", "register", "list")
    assert reference in listed
    assert "centrally retained budget: £89,604" in listed
    assert "decision: approved" in listed
    assert "4 July 2018" in listed
    none = await served.json("clerk", "register", "list", "--source", "dsg_high_needs")
    assert reference not in [e["request_ref"] for e in none["entries"]]

    to_file = tmp_path / "register.csv"
    await served.ok("clerk", "register", "export", "--request", reference, "-o", str(to_file))
    rows = list(csv.DictReader(io.StringIO(to_file.read_text())))
    assert [(r["option_source"], r["option_amount_pence"]) for r in rows] == [
        ("centrally_retained", "8960400")
    ]
    exported = await served.ok(
        "clerk", "register", "export", "--format", "json", "--request", reference
    )
    assert [row["option_amount_pence"] for row in json.loads(exported)] == [8_960_400]
    bad = await served.fails(
        "clerk", "register", "list", "--since", "2019-01-01", "--until", "2018-01-01", code=2
    )
    assert "query.until" in bad.stderr


async def test_calendar_writes_an_ics_file(
    served: Forum, forum: FundingRequests, tmp_path: Path
) -> None:
    """calendar --output writes the iCalendar feed, with the open request's deadlines."""
    await approved_request(forum, draft=middlesbrough_draft(new_reference()))
    target = tmp_path / "forum.ics"
    said = await served.ok("clerk", "calendar", "--output", str(target))
    assert str(target) in said
    feed = target.read_text()
    assert feed.startswith("BEGIN:VCALENDAR")
    assert "Early Help Practitioners" in feed
    assert (await served.ok("clerk", "calendar", "-o", "-")).startswith("BEGIN:VCALENDAR")


async def test_users_me_list_add_token_and_revoke(served: Forum) -> None:
    """The clerk adds a user and mints their token; it signs in until revoked (then exit 4)."""
    me = await served.ok("sean.hogg", "user", "me")
    assert "Sean Hogg" in me
    assert "officer" in me
    assert (await served.json("chair", "user", "me"))["roles"] == ["chair"]

    added = await served.json(
        "clerk",
        "user",
        "add",
        "jo.finance",
        "--name",
        "Jo Finance",
        "--email",
        "jo.finance@council.example.org",
        "--role",
        "officer",
    )
    assert added["user_id"] == "jo.finance"
    listed = await served.ok("clerk", "user", "list")
    assert "jo.finance" in listed
    assert "Jo Finance" in listed
    issued = await served.json("clerk", "user", "token", "jo.finance", "--label", "laptop")
    served.tokens["jo.finance"] = issued["token"]
    assert "Jo Finance" in await served.ok("jo.finance", "user", "me")
    shown_token = await served.ok("clerk", "user", "token", "jo.finance")
    assert "shown this once" in shown_token

    revoked = await served.ok("clerk", "user", "revoke", "jo.finance")
    assert "Revoked 2 token(s) of jo.finance" in revoked
    await served.fails("jo.finance", "user", "me", code=4)
    refused = await served.fails("sean.hogg", "user", "list", code=4)
    assert "clerk" in refused.stderr
    taken = await served.fails(
        "clerk",
        "user",
        "add",
        "jo.finance",
        "--name",
        "Jo Again",
        "--email",
        "jo@council.example.org",
        "--role",
        "officer",
        code=3,
    )
    assert "already exists" in taken.stderr
