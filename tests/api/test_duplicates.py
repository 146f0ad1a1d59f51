"""Retried requests: the same create or the same keyed action sent twice has one effect."""

from __future__ import annotations

import pytest

from devtools.seeds import MEMBERS, middlesbrough_draft
from domain.request.draft import RequestDraft
from tests.api.conftest import Api
from tests.api.requests_setup import post_action, snapshot, update_count, voting
from tests.lifecycle.drive import new_reference

pytestmark = pytest.mark.devserver_only


async def test_same_create_twice_is_201_then_200_with_one_workflow(api: Api) -> None:
    """A retried create returns the request as it is (200) and starts no second run."""
    draft = middlesbrough_draft(new_reference())
    body = {"draft": draft.model_dump(mode="json")}
    first = await api.http.post("/requests", json=body, headers=api.auth("sean.hogg"))
    assert first.status_code == 201, first.text
    handle = api.services.requests.handle(draft.reference)
    run_id = (await handle.describe()).run_id

    second = await api.http.post("/requests", json=body, headers=api.auth("sean.hogg"))
    assert second.status_code == 200, second.text
    assert second.json() == first.json()
    assert (await handle.describe()).run_id == run_id
    state = await api.services.requests.state(draft.reference)
    assert [entry.transition for entry in state.audit] == ["create"]


async def test_different_draft_under_a_taken_reference_is_409(api: Api) -> None:
    """Creating a different draft under a reference already used is 409 reference-taken,
    and the existing request keeps its draft."""
    draft = middlesbrough_draft(new_reference())
    created = await api.http.post(
        "/requests", json={"draft": draft.model_dump(mode="json")}, headers=api.auth("sean.hogg")
    )
    assert created.status_code == 201, created.text
    other = RequestDraft.model_validate({**dict(draft), "title": "Something else entirely"})
    response = await api.http.post(
        "/requests", json={"draft": other.model_dump(mode="json")}, headers=api.auth("sean.hogg")
    )
    assert response.status_code == 409, response.text
    assert response.json()["rule"] == "reference-taken"
    assert (await api.services.requests.state(draft.reference)).draft == draft


async def test_same_vote_with_the_same_key_counts_once(api: Api) -> None:
    """A vote retried with the same Idempotency-Key is recorded once; both answers are 200
    with the same audit entry, and the retry adds no update events."""
    reference = await voting(api.services.requests)
    member = MEMBERS[0].member_id
    key = {"Idempotency-Key": "vote-retry-1"}
    first = await post_action(api, member, reference, "cast_vote", {"choice": "for"}, key)
    assert first.status_code == 200, first.text
    after_first = await snapshot(api, reference)

    second = await post_action(api, member, reference, "cast_vote", {"choice": "for"}, key)
    assert second.status_code == 200, second.text
    assert second.json()["audit_entry"] == first.json()["audit_entry"]
    assert await snapshot(api, reference) == after_first
    state = await api.services.requests.state(reference)
    assert [vote.member_id for vote in state.votes] == [member]


async def test_same_vote_without_a_key_is_refused_the_second_time(api: Api) -> None:
    """Without an Idempotency-Key the repeated vote is a second vote: 409 one-vote-per-member."""
    reference = await voting(api.services.requests)
    member = MEMBERS[0].member_id
    first = await post_action(api, member, reference, "cast_vote", {"choice": "for"})
    assert first.status_code == 200, first.text
    events = await update_count(api, reference)

    second = await post_action(api, member, reference, "cast_vote", {"choice": "for"})
    assert second.status_code == 409, second.text
    assert second.json()["rule"] == "one-vote-per-member"
    assert await update_count(api, reference) == events
    assert len((await api.services.requests.state(reference)).votes) == 1


async def test_one_key_used_by_two_members_records_both_votes(api: Api) -> None:
    """An Idempotency-Key belongs to the user who sent it: another member sending the same
    key casts their own vote rather than receiving the first member's result."""
    reference = await voting(api.services.requests)
    key = {"Idempotency-Key": "shared-client-key"}
    first, second = MEMBERS[0].member_id, MEMBERS[1].member_id
    one = await post_action(api, first, reference, "cast_vote", {"choice": "for"}, key)
    two = await post_action(api, second, reference, "cast_vote", {"choice": "against"}, key)
    assert one.status_code == two.status_code == 200, (one.text, two.text)
    assert two.json()["audit_entry"]["actor_id"] == second
    state = await api.services.requests.state(reference)
    assert {(v.member_id, v.choice.value) for v in state.votes} == {
        (first, "for"),
        (second, "against"),
    }
