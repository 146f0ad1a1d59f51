"""The follow-through of a decision over HTTP: a conditional approval's funding state on
the request and in the listing, confirming funding and recording spending through their
action routes, citations the register does not support refused by rule (409), and
citations shown as "cited by"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from contracts.register import EntryKind
from devtools.seeds import (
    CENTRALLY_RETAINED,
    MEMBERS,
    OFFICER,
    TOTAL_PENCE,
    middlesbrough_draft,
)
from domain.calendar import format_uk_date
from domain.request.draft import Citation, FundingSource
from tests.api.conftest import Api
from tests.api.requests_setup import conditionally_minuted, london_today, poll, post_action
from tests.lifecycle.drive import (
    draft_to_options,
    evaluated_request,
    new_reference,
    recommend_and_table,
)

pytestmark = pytest.mark.devserver_only

MEMBER = MEMBERS[0].member_id


def confirmation(**changes: object) -> dict[str, Any]:
    return {
        "confirmed_by": "Head of Schools Finance",
        "confirmed_on": london_today().isoformat(),
        "option_ids": [CENTRALLY_RETAINED.option_id],
        "amount_pence": TOTAL_PENCE,
        **changes,
    }


async def test_a_conditional_approval_shows_its_funding_state_and_takes_its_confirmation(
    api: Api,
) -> None:
    """The request and the listing say the funding is not confirmed, with its date; a wrong
    amount is refused naming the field; the minute's amount is confirmed into the register."""
    reference = await conditionally_minuted(api.services.requests)
    due = london_today() + timedelta(days=60)

    got = (await api.http.get(f"/requests/{reference}", headers=api.auth(MEMBER))).json()
    assert got["funding_state"] == "not_confirmed"
    assert got["funding_state_text"].endswith(f"to be confirmed by {format_uk_date(due)}")
    assert got["minute"]["funding_due"] == due.isoformat()

    async def listed() -> dict[str, Any] | None:
        response = await api.http.get("/requests?stage=minuted", headers=api.auth(MEMBER))
        rows = [r for r in response.json()["requests"] if r["reference"] == reference]
        return rows[0] if rows else None

    assert await poll(lambda: _truthy(listed()))
    row = await listed()
    assert row is not None
    assert row["funding"] == {
        "state": "not_confirmed",
        "condition": "pending the DSG allocation",
        "due_date": due.isoformat(),
        "confirmed_on": None,
    }

    wrong = await post_action(
        api, OFFICER.user_id, reference, "confirm_funding", confirmation(amount_pence=100)
    )
    assert wrong.status_code == 409, wrong.text
    assert (wrong.json()["rule"], wrong.json()["field"]) == (
        "funding-amount-differs-from-minute",
        "amount_pence",
    )
    spent = await post_action(
        api,
        OFFICER.user_id,
        reference,
        "record_spending",
        {"started_on": london_today().isoformat(), "description": "Four posts filled"},
    )
    assert spent.status_code == 200, spent.text
    right = await post_action(api, OFFICER.user_id, reference, "confirm_funding", confirmation())
    assert right.status_code == 200, right.text

    register = (
        await api.http.get(f"/register?request_ref={reference}", headers=api.auth(MEMBER))
    ).json()["entries"]
    by_kind = {entry["kind"]: entry for entry in register}
    assert by_kind["funding_pending"]["due_date"] == due.isoformat()
    assert by_kind["spending_started"]["outcome"] == "before_funding_confirmed"
    confirmed = by_kind["funding_confirmed"]
    assert confirmed["agreed_options"][0]["source"] == "centrally_retained"
    assert confirmed["amount_pence"] == TOTAL_PENCE
    assert row is not None
    assert await poll(lambda: _confirmed(listed()))


async def _truthy(found: Any) -> bool:
    return (await found) is not None


async def _confirmed(found: Any) -> bool:
    row = await found
    return row is not None and row["funding"]["state"] == "confirmed"


async def test_a_citation_the_register_refutes_is_409_and_a_good_one_is_cited_by(
    api: Api,
) -> None:
    """Seed 000's "approved from the DSG" is refused by rule, naming the field, creating
    nothing; the minuted source is accepted and shows as "cited by"."""
    forum = api.services.requests
    july = await evaluated_request(forum, report=False)
    (approval,) = [
        e for e in api.services.register.entries_for(july) if e.kind is EntryKind.DECISION
    ]
    dsg = Citation(
        entry_id=approval.idempotency_key,
        request_ref=july,
        claimed_source=FundingSource.dsg_schools_block_dedelegation,
        claim="approved from the DSG",
    )
    draft = middlesbrough_draft(new_reference()).model_copy(update={"citations": (dsg,)})
    body = {"draft": draft.model_dump(mode="json", exclude={"author_id"})}
    refused = await api.http.post("/requests", json=body, headers=api.auth(OFFICER.user_id))
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["rule"] == "citation-source-not-recorded"
    assert problem["field"] == "draft.citations[0].claimed_source"
    missing = await api.http.get(f"/requests/{draft.reference}", headers=api.auth(MEMBER))
    assert missing.status_code == 404

    good = draft.model_copy(
        update={
            "reference": new_reference(),
            "citations": (
                dsg.model_copy(update={"claimed_source": FundingSource.centrally_retained}),
            ),
        }
    )
    reference = await draft_to_options(forum, good)
    await recommend_and_table(forum, reference)
    cited_by = (
        await api.http.get(
            "/register", params={"cites": approval.idempotency_key}, headers=api.auth(MEMBER)
        )
    ).json()["entries"]
    assert [(e["request_ref"], e["kind"], e["cites"]) for e in cited_by] == [
        (reference, "citation", approval.idempotency_key)
    ]
    page = (await api.http.get(f"/requests/{reference}", headers=api.auth(MEMBER))).json()
    assert page["draft"]["citations"][0]["entry"]["minutes_confirmed"] is True
