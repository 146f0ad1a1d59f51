"""The meeting routes end to end: HTTP in, a real meeting workflow behind.

Meetings are timed from the dev server's clock, which is the wall clock: a meeting 60
days out has its papers open, one 2 days out has them closed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

import httpx
import pytest
from temporalio.service import RPCError, RPCStatusCode

from domain.calendar import LONDON
from domain.meeting.commands import MeetingTransition
from domain.meeting.lifecycle import PERMISSIONS
from domain.people import Role
from tests.api.conftest import Api
from tests.meetings import MEMBERSHIP, SETTINGS, quorum_ids, ten_am

pytestmark = pytest.mark.devserver_only

T = TypeVar("T")

MEMBER = "maintained_primary-1"
USER_OF_ROLE = {
    Role.officer: "sean.hogg",
    Role.chair: "chair",
    Role.clerk: "clerk",
    Role.member: MEMBER,
}
ITEM = "SMF-AGENDA-1"


def meeting_id(day: date) -> str:
    """A meeting id for ``day`` that no other test uses."""
    return f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}"


def start_body(starts_at: datetime, **extra: Any) -> dict[str, Any]:
    """A MeetingStart for the scenario's forum, as JSON."""
    return {
        "meeting_id": meeting_id(starts_at.astimezone(LONDON).date()),
        "starts_at": starts_at.isoformat(),
        "location": "Town Hall, Middlesbrough",
        "membership": MEMBERSHIP.model_dump(mode="json"),
        "settings": SETTINGS.model_dump(mode="json"),
        **extra,
    }


def days_ahead(days: int) -> datetime:
    """10am London time ``days`` days from today."""
    return ten_am(days, datetime.now(UTC))


async def schedule(api: Api, starts_at: datetime, **extra: Any) -> str:
    """Schedule a meeting as the clerk; fails the test unless it was scheduled."""
    body = start_body(starts_at, **extra)
    response = await api.http.post("/meetings", json=body, headers=api.auth("clerk"))
    assert response.status_code == 201, response.text
    scheduled: str = body["meeting_id"]
    return scheduled


async def act(
    api: Api, user: str, meeting: str, transition: str, body: object, **headers: str
) -> httpx.Response:
    """POST one meeting transition as ``user``."""
    return await api.http.post(
        f"/meetings/{meeting}/actions/{transition}",
        json=body,
        headers={**api.auth(user), **headers},
    )


async def ok(api: Api, user: str, meeting: str, transition: str, body: object) -> dict[str, Any]:
    """A transition that must be accepted; its result."""
    response = await act(api, user, meeting, transition, body)
    assert response.status_code == 200, f"{transition}: {response.text}"
    result: dict[str, Any] = response.json()
    return result


async def state(api: Api, meeting: str) -> dict[str, Any]:
    """The meeting as GET /meetings/{id} answers it."""
    response = await api.http.get(f"/meetings/{meeting}", headers=api.auth(MEMBER))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 15.0
) -> T:
    """Ask ``probe`` until ``done`` holds (visibility lags the workflows a little)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + seconds
    while True:
        value = await probe()
        if done(value) or loop.time() > give_up:
            return value
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("user", ["chair", "clerk"])
async def test_the_chair_or_clerk_schedules_a_meeting(api: Api, user: str) -> None:
    """POST /meetings by the chair or the clerk is 201 with the scheduled meeting."""
    body = start_body(days_ahead(60))

    response = await api.http.post("/meetings", json=body, headers=api.auth(user))

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["meeting_id"], created["stage"]) == (body["meeting_id"], "scheduled")
    assert datetime.fromisoformat(created["starts_at"]) == days_ahead(60)
    assert (await state(api, body["meeting_id"]))["location"] == "Town Hall, Middlesbrough"


@pytest.mark.parametrize("user", ["sean.hogg", MEMBER])
async def test_an_officer_or_member_cannot_schedule(api: Api, user: str) -> None:
    """POST /meetings by an officer or member is 403 and starts nothing."""
    body = start_body(days_ahead(60))

    response = await api.http.post("/meetings", json=body, headers=api.auth(user))

    assert response.status_code == 403
    assert response.json()["rule"] == "role-not-permitted"
    missing = await api.http.get(f"/meetings/{body['meeting_id']}", headers=api.auth("chair"))
    assert missing.status_code == 404


async def test_a_taken_meeting_id_is_409(api: Api) -> None:
    """Scheduling under an id already used is 409, and the first meeting keeps its time."""
    body = start_body(days_ahead(60))
    first = await api.http.post("/meetings", json=body, headers=api.auth("chair"))
    moved = {**body, "starts_at": days_ahead(61).isoformat()}

    again = await api.http.post("/meetings", json=moved, headers=api.auth("chair"))

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["rule"] == "meeting-id-taken"
    kept = (await state(api, body["meeting_id"]))["starts_at"]
    assert datetime.fromisoformat(kept) == datetime.fromisoformat(body["starts_at"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"meeting_id": "Meeting 1"}, "body.meeting_id"),
        ({"starts_at": "2030-03-05T10:00:00"}, "body.starts_at"),
        ({"starts_at": "2100-03-05T10:00:00+00:00"}, "body.starts_at"),
        ({"location": "   "}, "body.location"),
        ({"membership": {"members": "everyone"}}, "body.membership.members"),
    ],
)
async def test_an_invalid_start_is_422_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    """A malformed MeetingStart field is 422 naming that field, and no meeting starts."""
    body = {**start_body(days_ahead(60)), **change}

    response = await api.http.post("/meetings", json=body, headers=api.auth("chair"))

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["problems"]]
    with pytest.raises(RPCError) as missing:
        await api.services.meetings.handle(body["meeting_id"]).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND


async def test_carried_business_the_meeting_cannot_hold_is_422_before_anything_starts(
    api: Api,
) -> None:
    """The same request carried in twice is 422 naming body.carried_items; nothing starts."""
    item = {
        "request_ref": ITEM,
        "title": "Early Help posts",
        "tabled_at": datetime.now(UTC).isoformat(),
    }
    body = start_body(
        days_ahead(60), previous_meeting_id="meeting-2018-07-04", carried_items=[item, item]
    )

    response = await api.http.post("/meetings", json=body, headers=api.auth("chair"))

    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == ["body.carried_items"]
    missing = await api.http.get(f"/meetings/{body['meeting_id']}", headers=api.auth("chair"))
    assert missing.status_code == 404


async def test_meetings_are_listed_latest_day_first_with_their_london_dates(api: Api) -> None:
    """GET /meetings lists latest meeting day first, on London dates; ?stage= filters."""
    next_year = datetime.now(UTC).year + 1
    days = [date(next_year, 1, 14), date(next_year, 7, 2), date(next_year, 3, 5)]
    ids = {day: await schedule(api, datetime.combine(day, time(10), tzinfo=LONDON)) for day in days}
    await ok(api, "chair", ids[days[2]], "cancel_meeting", {"reason": "No business"})

    async def listing(query: str = "") -> list[dict[str, Any]]:
        response = await api.http.get(f"/meetings{query}", headers=api.auth(MEMBER))
        assert response.status_code == 200, response.text
        meetings: list[dict[str, Any]] = response.json()["meetings"]
        return meetings

    listed = await eventually(listing, lambda found: len(found) == 3)
    cancelled = await eventually(lambda: listing("?stage=cancelled"), lambda found: len(found) == 1)

    assert [m["meeting_id"] for m in listed] == [ids[d] for d in sorted(days, reverse=True)]
    assert [m["meeting_date"] for m in listed] == [d.isoformat() for d in sorted(days)[::-1]]
    assert [m["meeting_id"] for m in cancelled] == [ids[days[2]]]
    summer = next(m for m in listed if m["meeting_id"] == ids[days[1]])
    # 5pm London in summer, written in UTC like every timestamp the API answers.
    assert summer["papers_close_at"].endswith("T16:00:00Z")


async def test_the_agenda_route_publishes_the_items_and_papers_deadline(api: Api) -> None:
    """GET /meetings/{id}/agenda has the item the chair added and the papers deadline."""
    meeting = await schedule(api, days_ahead(60))
    await ok(api, "chair", meeting, "add_item", {"request_ref": ITEM, "title": "Early Help"})

    response = await api.http.get(f"/meetings/{meeting}/agenda", headers=api.auth(MEMBER))

    assert response.status_code == 200
    agenda = response.json()
    assert [(i["request_ref"], i["status"]) for i in agenda["items"]] == [(ITEM, "pending")]
    assert agenda["papers_closed"] is False
    assert date.fromisoformat(agenda["papers_deadline"]) < days_ahead(60).date()


async def test_every_transition_is_taken_over_http_by_the_roles_it_names(api: Api) -> None:
    """Each of the thirteen meeting transitions succeeds for each role PERMISSIONS names."""
    meeting = await schedule(api, days_ahead(60), previous_meeting_id="meeting-2000-01-06")
    taken: set[str] = set()

    async def take(user: str, transition: str, body: object) -> dict[str, Any]:
        result = await ok(api, user, meeting, transition, body)
        taken.add(transition)
        return result

    await take("chair", "add_item", {"request_ref": ITEM, "title": "Early Help"})
    await take("chair", "add_item", {"request_ref": "SMF-AGENDA-2", "title": "Withdrawn"})
    await take("chair", "add_item", {"request_ref": "SMF-AGENDA-3", "title": "High needs"})
    await take("clerk", "order_item", {"request_ref": "SMF-AGENDA-3", "position": 1})
    await take("chair", "order_item", {"request_ref": "SMF-AGENDA-3", "position": 3})
    await take("chair", "remove_item", {"request_ref": "SMF-AGENDA-2", "reason": "Withdrawn"})
    await take("chair", "remove_item", {"request_ref": "SMF-AGENDA-3", "reason": "Next time"})
    await take("clerk", "publish_agenda", {})
    await take("chair", "publish_agenda", {})
    moved_to = days_ahead(61)
    await take("chair", "move_meeting", {"new_starts_at": moved_to.isoformat(), "reason": "Room"})
    for action_id in ("report-back", "circulate-paper"):
        await take(
            "clerk",
            "add_action",
            {"action_id": action_id, "request_ref": ITEM, "description": "Do it", "owner": "SH"},
        )
    await take("clerk", "record_attendance", {"present_member_ids": list(quorum_ids())})
    opened = await take("chair", "open_meeting", {})
    await take("clerk", "mark_item", {"request_ref": ITEM, "status": "decided"})
    await take("sean.hogg", "complete_action", {"action_id": "report-back"})
    await take("clerk", "complete_action", {"action_id": "circulate-paper"})
    await take("chair", "confirm_previous_minutes", {})
    closed = await take(
        "chair", "close_meeting", {"next_meeting_id": f"meeting-{days_ahead(120).date()}"}
    )
    other = await schedule(api, days_ahead(60))
    cancelled = await ok(api, "chair", other, "cancel_meeting", {"reason": "No business"})
    taken.add("cancel_meeting")

    after = await state(api, meeting)
    assert taken == set(MeetingTransition)
    assert (opened["stage"], closed["stage"], cancelled["stage"]) == (
        "in_session",
        "closed",
        "cancelled",
    )
    assert [(i["request_ref"], i["status"]) for i in after["agenda"]] == [(ITEM, "decided")]
    assert [a["done"] for a in after["actions"]] == [True, True]
    assert after["previous_minutes_confirmed_at"] is not None
    assert after["published_at"] is not None
    assert datetime.fromisoformat(after["starts_at"]) == moved_to
    officer_entry = next(e for e in after["audit"] if e["actor_id"] == "sean.hogg")
    assert (officer_entry["transition"], officer_entry["role"]) == ("complete_action", "officer")


ROLE_CHECK_BODIES: dict[MeetingTransition, dict[str, Any]] = {
    MeetingTransition.add_item: {"request_ref": ITEM, "title": "Early Help"},
    MeetingTransition.remove_item: {"request_ref": ITEM, "reason": "Withdrawn"},
    MeetingTransition.move_meeting: {
        "new_starts_at": "2031-01-09T10:00:00+00:00",
        "reason": "Room",
    },
    MeetingTransition.record_attendance: {"present_member_ids": list(quorum_ids())},
    MeetingTransition.open_meeting: {},
    MeetingTransition.mark_item: {"request_ref": ITEM, "status": "decided"},
    MeetingTransition.add_action: {
        "action_id": "report-back",
        "request_ref": ITEM,
        "description": "Report back",
        "owner": "SH",
    },
    MeetingTransition.complete_action: {"action_id": "report-back"},
    MeetingTransition.confirm_previous_minutes: {},
    MeetingTransition.close_meeting: {},
    MeetingTransition.cancel_meeting: {"reason": "No business"},
    MeetingTransition.order_item: {"request_ref": ITEM, "position": 1},
    MeetingTransition.publish_agenda: {},
}


async def test_every_transition_refuses_each_role_it_does_not_name(api: Api) -> None:
    """Each role PERMISSIONS leaves out of a transition gets 403; the audit does not grow."""
    meeting = await schedule(api, days_ahead(60), previous_meeting_id="meeting-2000-01-06")
    before = len((await state(api, meeting))["audit"])
    refusals: list[tuple[str, str, int, str | None]] = []
    expected: list[tuple[str, str, int, str | None]] = []

    for transition, allowed in PERMISSIONS.items():
        for role in sorted(frozenset(Role) - allowed):
            response = await act(
                api, USER_OF_ROLE[role], meeting, transition.value, ROLE_CHECK_BODIES[transition]
            )
            refusals.append(
                (transition.value, role.value, response.status_code, response.json().get("rule"))
            )
            expected.append((transition.value, role.value, 403, "role-not-permitted"))

    assert set(ROLE_CHECK_BODIES) == set(MeetingTransition)
    assert refusals == expected
    assert len((await state(api, meeting))["audit"]) == before


async def test_an_unknown_meeting_is_404(api: Api) -> None:
    """Reading, reading the agenda of, or acting on a meeting never scheduled is 404."""
    unknown = "meeting-1999-01-01-nobody"

    read = await api.http.get(f"/meetings/{unknown}", headers=api.auth("chair"))
    agenda = await api.http.get(f"/meetings/{unknown}/agenda", headers=api.auth("chair"))
    acted = await act(api, "chair", unknown, "add_item", {"request_ref": ITEM, "title": "X"})

    assert [read.status_code, agenda.status_code, acted.status_code] == [404, 404, 404]
    assert acted.json()["error"] == "not_found"


async def test_an_item_after_the_papers_deadline_needs_a_reason(api: Api) -> None:
    """After the papers deadline an item is 409 without late_reason and late with one."""
    meeting = await schedule(api, days_ahead(2))

    refused = await act(api, "chair", meeting, "add_item", {"request_ref": ITEM, "title": "X"})
    agenda = (await state(api, meeting))["agenda"]
    accepted = await ok(
        api,
        "chair",
        meeting,
        "add_item",
        {"request_ref": ITEM, "title": "X", "late_reason": "The posts end before July"},
    )

    assert refused.status_code == 409
    problem = refused.json()
    assert (problem["rule"], problem["field"]) == ("agenda-papers-deadline-passed", "late_reason")
    assert "papers deadline was 5pm on" in problem["message"]
    assert agenda == []
    assert accepted["audit_entry"]["reason"] == "The posts end before July"
    assert (await state(api, meeting))["agenda"][0]["late"] is True


async def test_opening_an_inquorate_meeting_is_409(api: Api) -> None:
    """The chair opening with nobody recorded present is 409 meeting-inquorate; still scheduled."""
    meeting = await schedule(api, days_ahead(60))

    response = await act(api, "chair", meeting, "open_meeting", {})

    assert response.status_code == 409
    assert response.json()["rule"] == "meeting-inquorate"
    assert (await state(api, meeting))["stage"] == "scheduled"


async def test_an_ended_meeting_takes_no_more_actions(api: Api) -> None:
    """Once a closed meeting's workflow has ended, an action on it is 409, not 404 or 500."""
    meeting = await schedule(api, days_ahead(60))
    await ok(api, "clerk", meeting, "record_attendance", {"present_member_ids": list(quorum_ids())})
    await ok(api, "chair", meeting, "open_meeting", {})
    await ok(api, "chair", meeting, "close_meeting", {})
    outcome = await api.services.meetings.handle(meeting).result()

    response = await act(api, "chair", meeting, "cancel_meeting", {"reason": "Too late"})

    assert outcome.stage == "closed"
    assert response.status_code == 409
    assert (response.json()["rule"], response.json()["field"]) == ("workflow-finished", "stage")
    assert (await state(api, meeting))["stage"] == "closed"


@pytest.mark.parametrize(
    ("transition", "body", "field"),
    [
        ("add_item", {"request_ref": ITEM}, "body.title"),
        ("add_item", {"request_ref": "lower-case", "title": "X"}, "body.request_ref"),
        ("mark_item", {"request_ref": ITEM, "status": "lost"}, "body.status"),
        (
            "move_meeting",
            {"new_starts_at": "2031-01-09T10:00:00", "reason": "R"},
            "body.new_starts_at",
        ),
        ("open_meeting", {"kind": "close_meeting"}, "body.kind"),
        ("record_attendance", {"present_member_ids": "everyone"}, "body.present_member_ids"),
    ],
)
async def test_an_invalid_command_is_422_naming_the_field(
    api: Api, transition: str, body: dict[str, Any], field: str
) -> None:
    """A command with a missing or malformed field is 422 naming it; nothing changes."""
    meeting = await schedule(api, days_ahead(60))
    before = await state(api, meeting)
    user = "clerk" if transition in ("mark_item", "record_attendance") else "chair"

    response = await act(api, user, meeting, transition, body)

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["problems"]]
    assert await state(api, meeting) == before


async def test_a_malformed_meeting_id_is_422(api: Api) -> None:
    """A path id that is not a meeting id is 422 naming path.meeting_id."""
    response = await api.http.get("/meetings/Not_A_Meeting", headers=api.auth("chair"))

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["path.meeting_id"]


async def test_a_retried_action_with_its_idempotency_key_takes_effect_once(api: Api) -> None:
    """add_item sent twice with one Idempotency-Key answers twice and adds the item once."""
    meeting = await schedule(api, days_ahead(60))
    body = {"request_ref": ITEM, "title": "Early Help"}

    first = await act(api, "chair", meeting, "add_item", body, **{"Idempotency-Key": "k-1"})
    again = await act(api, "chair", meeting, "add_item", body, **{"Idempotency-Key": "k-1"})
    fresh = await act(api, "chair", meeting, "add_item", body, **{"Idempotency-Key": "k-2"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert fresh.status_code == 409
    assert len((await state(api, meeting))["agenda"]) == 1


async def test_reading_a_meeting_needs_a_token(api: Api) -> None:
    """GET /meetings and GET /meetings/{id} without a token are 401."""
    meeting = await schedule(api, days_ahead(60))

    listing = await api.http.get("/meetings")
    read = await api.http.get(f"/meetings/{meeting}")

    assert (listing.status_code, read.status_code) == (401, 401)
