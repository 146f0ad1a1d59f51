"""How the request routes answer when something is wrong: 401, 403, 404, 409 and 422.

Each answer is a Problem body; the refusals are checked to leave the request's state and
its update events exactly as they were.
"""

from __future__ import annotations

from typing import Any

import pytest

from clients.records import TransitionRefused
from devtools.seeds import JULY_2018_MEETING, MEMBERSHIP, middlesbrough_draft
from domain.people import Role
from domain.request.commands import TableRequest
from tests.api.conftest import Api
from tests.api.requests_setup import (
    ACTOR_FOR_ROLE,
    drafting,
    listing,
    post_action,
    snapshot,
    tabled,
    withdrawn,
)
from tests.lifecycle.drive import new_reference

pytestmark = pytest.mark.devserver_only

PROBLEM_KEYS = {"status", "error", "message", "rule", "field", "problems"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    assert set(problem) == PROBLEM_KEYS
    assert problem["status"] == status
    return problem


def _fields(problem: dict[str, Any]) -> set[str]:
    return {p["field"] for p in problem["problems"]}


async def test_no_or_malformed_authorization_is_401(api: Api) -> None:
    """No header, a non-Bearer scheme and an empty bearer all get 401 with a Bearer challenge."""
    reference = await drafting(api.services.requests)
    for headers in (
        {},
        {"Authorization": f"Token {api.tokens['sean.hogg']}"},
        {"Authorization": "Bearer"},
        {"Authorization": api.tokens["sean.hogg"]},
    ):
        response = await api.http.get(f"/requests/{reference}", headers=headers)
        problem = _problem(response, 401)
        assert problem["error"] == "unauthenticated", headers
        assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_and_revoked_tokens_are_401_and_change_nothing(api: Api) -> None:
    """An unknown token and a revoked one are refused with 401, on reads and on actions."""
    forum = api.services.requests
    reference = await drafting(forum)
    before = await snapshot(api, reference)
    unknown = {"Authorization": "Bearer ff_not-a-token-anyone-was-given"}
    response = await api.http.get(f"/requests/{reference}", headers=unknown)
    assert "unknown or revoked" in _problem(response, 401)["message"]

    officer = api.auth("sean.hogg")
    assert (await api.http.get(f"/requests/{reference}", headers=officer)).status_code == 200
    assert api.services.directory.revoke_tokens("sean.hogg") == 1
    for response in (
        await api.http.get(f"/requests/{reference}", headers=officer),
        await api.http.post(
            f"/requests/{reference}/actions/submit_draft", json={}, headers=officer
        ),
    ):
        assert "unknown or revoked" in _problem(response, 401)["message"]
    assert await snapshot(api, reference) == before


async def test_missing_role_is_403_naming_the_role(api: Api) -> None:
    """A clerk creating a request, and a member opening a vote, get 403 naming the role
    needed and the one held; nothing is started or changed."""
    forum = api.services.requests
    draft = middlesbrough_draft(new_reference())
    response = await api.http.post(
        "/requests", json={"draft": draft.model_dump(mode="json")}, headers=api.auth("clerk")
    )
    problem = _problem(response, 403)
    assert problem["rule"] == "role-not-permitted"
    assert "officer may create a funding request" in problem["message"]
    assert "holds clerk" in problem["message"]
    missing = await api.http.get(f"/requests/{draft.reference}", headers=api.auth("clerk"))
    assert missing.status_code == 404

    reference = await tabled(forum)
    before = await snapshot(api, reference)
    member = "maintained_primary-1"
    response = await post_action(api, member, reference, "open_vote", {})
    problem = _problem(response, 403)
    assert "chair" in problem["message"]
    assert "holds member" in problem["message"]
    assert await snapshot(api, reference) == before


async def test_unknown_reference_is_404_on_read_and_action(api: Api) -> None:
    """A well-formed reference nobody created is 404 on GET, its audit and an action."""
    reference = new_reference()
    officer = api.auth("sean.hogg")
    for response in (
        await api.http.get(f"/requests/{reference}", headers=officer),
        await api.http.get(f"/requests/{reference}/audit", headers=officer),
        await post_action(api, "sean.hogg", reference, "submit_draft", {}),
    ):
        assert _problem(response, 404)["error"] == "not_found"


async def test_rule_refusal_is_409_with_the_rules_message(api: Api) -> None:
    """Tabling a request with no recommendation is 409 with the workflow's own rule and
    message, and adds nothing to its history."""
    forum = api.services.requests
    reference = await listing(forum)
    before = await snapshot(api, reference)
    command = TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP)
    response = await post_action(api, "chair", reference, "table", command.model_dump(mode="json"))
    problem = _problem(response, 409)
    assert problem["rule"] == "tabling-requires-recommendation"
    with pytest.raises(TransitionRefused) as direct:
        await forum.submit(reference, command, ACTOR_FOR_ROLE[Role.chair])
    assert problem["message"] == direct.value.message
    assert await snapshot(api, reference) == before


async def test_invalid_bodies_are_422_naming_the_field_and_change_nothing(api: Api) -> None:
    """Malformed JSON, a missing field, float pence, a wrong date and an unknown field are
    each 422 naming the field at fault, and leave the request as it was."""
    forum = api.services.requests
    reference = await listing(forum)
    before = await snapshot(api, reference)
    draft = middlesbrough_draft(reference).model_dump(mode="json")
    float_pence = {
        **draft,
        "cost_lines": [{**draft["cost_lines"][0], "unit_cost_pence": 10.5}],
    }
    table = TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP).model_dump(
        mode="json"
    )
    cases: list[tuple[str, str, bytes | dict[str, Any], str]] = [
        ("sean.hogg", "edit_draft", b'{"draft": {', "body"),
        ("sean.hogg", "add_option", {}, "body.option"),
        (
            "sean.hogg",
            "edit_draft",
            {"draft": float_pence},
            "body.draft.cost_lines.0.unit_cost_pence",
        ),
        ("chair", "table", {**table, "meeting_date": "04/07/2018"}, "body.meeting_date"),
        ("chair", "table", {**table, "meeting_date": "2018-02-30"}, "body.meeting_date"),
        ("sean.hogg", "submit_draft", {"urgent": True}, "body.urgent"),
    ]
    for user, transition, body, field in cases:
        path = f"/requests/{reference}/actions/{transition}"
        headers = {**api.auth(user), "Content-Type": "application/json"}
        if isinstance(body, bytes):
            response = await api.http.post(path, content=body, headers=headers)
        else:
            response = await api.http.post(path, json=body, headers=headers)
        problem = _problem(response, 422)
        assert problem["error"] == "invalid"
        assert field in _fields(problem), (transition, problem)
        assert field in problem["message"]
        assert await snapshot(api, reference) == before, (transition, field)


async def test_float_pence_on_create_is_422_and_starts_nothing(api: Api) -> None:
    """A draft with 10.5 pence is refused before any workflow starts."""
    draft = middlesbrough_draft(new_reference()).model_dump(mode="json")
    draft["cost_lines"][0]["unit_cost_pence"] = 10.5
    response = await api.http.post(
        "/requests", json={"draft": draft}, headers=api.auth("sean.hogg")
    )
    problem = _problem(response, 422)
    assert "body.draft.cost_lines.0.unit_cost_pence" in _fields(problem)
    assert "whole number of pence" in problem["message"]
    missing = await api.http.get(f"/requests/{draft['reference']}", headers=api.auth("sean.hogg"))
    assert missing.status_code == 404


async def test_bad_reference_in_the_path_is_422(api: Api) -> None:
    """A reference that breaks the pattern is 422 naming path.reference, on reads and actions,
    without asking Temporal."""
    for response in (
        await api.http.get("/requests/smf_lower", headers=api.auth("sean.hogg")),
        await post_action(api, "sean.hogg", "X", "submit_draft", {}),
    ):
        problem = _problem(response, 422)
        assert _fields(problem) == {"path.reference"}


async def test_action_on_a_finished_request_is_409_not_404(api: Api) -> None:
    """Acting on a withdrawn request (its workflow has ended) is 409 workflow-finished
    naming the stage, while the request can still be read."""
    reference = await withdrawn(api.services.requests)
    response = await post_action(api, "sean.hogg", reference, "submit_draft", {})
    problem = _problem(response, 409)
    assert problem["rule"] == "workflow-finished"
    assert "withdrawn" in problem["message"]
    read = await api.http.get(f"/requests/{reference}", headers=api.auth("sean.hogg"))
    assert read.status_code == 200
    assert read.json()["stage"] == "withdrawn"
