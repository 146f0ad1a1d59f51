"""The request routes end to end: HTTP in, a real workflow behind, the register after."""

from __future__ import annotations

import pytest

from contracts.register import AgreedFunding
from devtools.seeds import CENTRALLY_RETAINED, MEMBERS, MEMBERSHIP, middlesbrough_draft
from tests.api.conftest import Api
from tests.lifecycle.drive import minute_for, new_reference

pytestmark = pytest.mark.devserver_only


async def _post(api: Api, user: str, path: str, body: object) -> dict[str, object]:
    response = await api.http.post(path, json=body, headers=api.auth(user))
    assert response.status_code in (200, 201), response.text
    payload: dict[str, object] = response.json()
    return payload


async def test_middlesbrough_request_goes_from_draft_to_register(api: Api) -> None:
    """Officer drafts, chair tables, members vote, clerk minutes: the register has the source."""
    reference = new_reference()
    draft = middlesbrough_draft(reference).model_dump(mode="json")
    created = await _post(api, "sean.hogg", "/requests", {"draft": draft})
    assert created["stage"] == "drafting"
    base = f"/requests/{reference}/actions"
    await _post(api, "sean.hogg", f"{base}/submit_draft", {})
    await _post(
        api,
        "sean.hogg",
        f"{base}/add_option",
        {"option": CENTRALLY_RETAINED.model_dump(mode="json")},
    )
    await _post(
        api,
        "sean.hogg",
        f"{base}/set_recommendation",
        {
            "recommendation": {
                "text": "Fund four posts.",
                "option_ids": [CENTRALLY_RETAINED.option_id],
            }
        },
    )
    await _post(
        api,
        "chair",
        f"{base}/table",
        {"meeting_date": "2018-07-04", "membership": MEMBERSHIP.model_dump(mode="json")},
    )
    await _post(
        api,
        "clerk",
        f"{base}/record_attendance",
        {"present_member_ids": [m.member_id for m in MEMBERS]},
    )
    await _post(api, "chair", f"{base}/open_vote", {})
    for member in MEMBERS:
        await _post(api, member.member_id, f"{base}/cast_vote", {"choice": "for"})
    closed = await _post(api, "chair", f"{base}/close_vote", {})
    assert closed["stage"] == "decided"
    minuted = await _post(
        api, "clerk", f"{base}/record_minute", {"minute": minute_for().model_dump(mode="json")}
    )
    assert minuted["stage"] == "minuted"
    assert api.services.register.funding_source_for(reference) == (
        AgreedFunding(
            option_id=CENTRALLY_RETAINED.option_id,
            source=CENTRALLY_RETAINED.source.value,
            source_detail=CENTRALLY_RETAINED.source_detail,
            amount_pence=CENTRALLY_RETAINED.amount_pence,
        ),
    )
