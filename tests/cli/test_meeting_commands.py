"""The meeting commands against the real API and meeting workflows: schedule, read,
run the agenda and action log, close, and cancel."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from devtools.seeds import MEMBERS
from domain.calendar import LONDON, format_uk_date
from tests.cli.conftest import EXAMPLES, Forum
from tests.lifecycle.drive import new_reference

pytestmark = pytest.mark.devserver_only

MEMBERSHIP = str(EXAMPLES / "membership.json")


def future_day(days: int) -> date:
    """A London day ``days`` from today: meetings must lie ahead of the real clock."""
    return (datetime.now(UTC).astimezone(LONDON) + timedelta(days=days)).date()


def meeting_id(day: date) -> str:
    """A meeting id no other test uses, dated like the forum's ids."""
    return f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:6]}"


async def test_a_meeting_from_scheduling_to_close(served: Forum) -> None:
    """Every meeting command once, in the order a meeting runs, as chair and clerk."""
    day = future_day(40)
    first = meeting_id(day)
    following = meeting_id(day + timedelta(days=60))
    scheduled = await served.ok(
        "clerk",
        "meeting",
        "schedule",
        first,
        "--starts-at",
        f"{day.isoformat()}T14:00",
        "--location",
        "Civic Centre, Committee Room 2",
        "--membership",
        MEMBERSHIP,
        "--previous",
        "meeting-2018-07-04",
    )
    assert f"{format_uk_date(day)} 14:00" in scheduled
    assert "scheduled" in scheduled
    nxt = await served.json(
        "chair",
        "meeting",
        "schedule",
        following,
        "--starts-at",
        f"{(day + timedelta(days=60)).isoformat()}T14:00",
        "--location",
        "Civic Centre",
        "--membership",
        MEMBERSHIP,
    )
    assert nxt["starts_at"].startswith((day + timedelta(days=60)).isoformat())

    for _ in range(50):
        listed = await served.json("clerk", "meeting", "list")
        if {first, following} <= {m["meeting_id"] for m in listed["meetings"]}:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the meetings never showed in the listing")
    assert first in await served.ok("clerk", "meeting", "list", "--stage", "scheduled")

    reference, dropped = new_reference(), new_reference()
    await served.ok(
        "chair", "meeting", "add-item", first, "--request", reference, "--title", "Early Help"
    )
    await served.ok(
        "chair", "meeting", "add-item", first, "--request", dropped, "--title", "Dropped"
    )
    removed = await served.ok(
        "chair", "meeting", "remove-item", first, "--request", dropped, "--reason", "Withdrawn."
    )
    assert dropped in removed
    moved_day = day + timedelta(days=1)
    await served.ok(
        "chair",
        "meeting",
        "move",
        first,
        "--starts-at",
        f"{moved_day.isoformat()}T10:00",
        "--reason",
        "The room is taken.",
    )
    agenda = await served.ok("clerk", "meeting", "agenda", first)
    assert f"{format_uk_date(moved_day)} 10:00" in agenda
    assert reference in agenda
    assert dropped not in agenda
    agenda_json = await served.json("clerk", "meeting", "agenda", first)
    assert [(i["request_ref"], i["status"]) for i in agenda_json["items"]] == [
        (reference, "pending")
    ]

    await served.ok("clerk", "meeting", "attendance", first, "--file", MEMBERSHIP)
    opened = await served.json("chair", "meeting", "open", first)
    assert opened["stage"] == "in_session"
    await served.ok(
        "clerk", "meeting", "mark-item", first, "--request", reference, "--status", "decided"
    )
    await served.ok(
        "clerk",
        "meeting",
        "add-action",
        first,
        "--action-id",
        "report-back",
        "--request",
        reference,
        "--description",
        "Report the referrals.",
        "--owner",
        "sean.hogg",
    )
    done = await served.ok("clerk", "meeting", "complete-action", first, "report-back")
    assert "report-back" in done
    confirmed = await served.ok("chair", "meeting", "confirm-previous", first)
    assert "meeting-2018-07-04" in confirmed
    closed = await served.json(
        "chair",
        "meeting",
        "close",
        first,
        "--next-meeting",
        following,
        "--next-date",
        (day + timedelta(days=60)).isoformat(),
    )
    assert closed["stage"] == "closed"

    shown = await served.ok("clerk", "meeting", "show", first)
    assert "closed" in shown
    assert "report-back" in shown
    state = await served.json("clerk", "meeting", "show", first)
    assert len(state["present_member_ids"]) == len(MEMBERS)
    assert state["next_meeting_id"] == following

    cancelled = await served.json(
        "chair", "meeting", "cancel", following, "--reason", "No business."
    )
    assert cancelled["stage"] == "cancelled"


async def test_a_meeting_from_a_json_file_and_its_refusals(served: Forum) -> None:
    """schedule --file takes a MeetingStart; opening an inquorate meeting exits 3."""
    day = future_day(50)
    scheduled = meeting_id(day)
    start = {
        "meeting_id": scheduled,
        "starts_at": f"{day.isoformat()}T14:00:00+00:00",
        "location": "Town Hall",
        "membership": {"members": [m.model_dump(mode="json") for m in MEMBERS]},
    }
    result = await served.run(
        "chair", "meeting", "schedule", "--file", "-", stdin=json.dumps(start)
    )
    assert result.exit_code == 0, result.stderr
    refused = await served.fails("chair", "meeting", "open", scheduled, code=3)
    assert "quorum" in refused.stderr
    taken = await served.fails(
        "chair", "meeting", "schedule", "--file", MEMBERSHIP, code=2
    )  # a membership is no meeting: the API names the missing fields
    assert "meeting_id" in taken.stderr
