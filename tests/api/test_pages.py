"""GET /requests/{reference}/notice: the minute or decision notice as an HTML page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from clients.requests import FundingRequests
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    MEMBERS,
    OFFICER,
    POSTS_PERIOD,
    TOTAL_PENCE,
    member_actor,
    middlesbrough_draft,
)
from domain.calendar import format_uk_date, to_london
from domain.notices import format_london_deadline
from domain.request.commands import (
    AmendRecommendation,
    CastVote,
    CloseVote,
    ConfirmMinutes,
    RecordMinute,
)
from domain.request.decision import Minute, VoteChoice
from domain.request.draft import RequestDraft
from tests.api.conftest import Api
from tests.api.requests_setup import decided, rejected, tabled, voting
from tests.lifecycle.drive import (
    draft_to_options,
    new_reference,
    open_vote_with,
    recommend_and_table,
)

pytestmark = pytest.mark.devserver_only

HOSTILE_TITLE = "Early Help <script>alert('x')</script> & Co"
AMENDMENT = 'Posts are "full time" & not <em>term time</em> only.'
MINUTE_TEXT = "The forum agreed four posts <b>from September</b>."


def _text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def _amended_and_confirmed(forum: FundingRequests) -> str:
    """A request with a hostile title, approved as amended, minuted and confirmed."""
    base = middlesbrough_draft(new_reference())
    draft = RequestDraft.model_validate({**dict(base), "title": HOSTILE_TITLE})
    reference = await draft_to_options(forum, draft)
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    await forum.submit(reference, AmendRecommendation(amendment=AMENDMENT), CLERK)
    choices = (VoteChoice.for_, VoteChoice.for_, VoteChoice.for_, VoteChoice.against)
    for member, choice in zip(MEMBERS, (*choices, VoteChoice.abstain), strict=False):
        await forum.submit(reference, CastVote(choice=choice), member_actor(member))
    await forum.submit(reference, CloseVote(), CHAIR)
    minute = Minute(
        agreed_option_ids=(CENTRALLY_RETAINED.option_id,),
        amount_pence=TOTAL_PENCE,
        period=POSTS_PERIOD,
        amendments=(AMENDMENT,),
        text=MINUTE_TEXT,
        recorded_by=CLERK.user_id,
    )
    await forum.submit(reference, RecordMinute(minute=minute), CLERK)
    await forum.submit(reference, ConfirmMinutes(), CHAIR)
    return reference


async def test_confirmed_minute_states_source_amount_votes_and_confirmation(api: Api) -> None:
    """The minute page says where the money comes from, how much, for when, at which
    meeting, the outcome and votes, the amendment and minute text, and who confirmed it
    when (London time), to any signed-in member."""
    forum = api.services.requests
    reference = await _amended_and_confirmed(forum)
    response = await api.http.get(
        f"/requests/{reference}/notice", headers=api.auth(MEMBERS[5].member_id)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    text = _text(response.text)
    state = await forum.state(reference)
    assert state.minutes_confirmed_at is not None
    confirmed_at = format_london_deadline(state.minutes_confirmed_at)

    assert "Schools Forum: Minute" in text
    assert "Funded from: centrally retained budget" in text
    assert "Amount £89,604" in text
    assert "Period 1 September 2018 to 31 August 2019" in text
    assert "Meeting 4 July 2018" in text
    assert "Outcome Approved as amended" in text
    assert "For: 3, Against: 1, Abstained: 1" in text
    assert AMENDMENT in text
    assert MINUTE_TEXT in text
    assert "posts managed by the Family Partnership Team" in text
    assert "Minuted by Forum Clerk" in text
    assert f"Minutes confirmed by Forum Chair at {confirmed_at}" in text
    assert format_uk_date(to_london(state.minutes_confirmed_at).date()) in confirmed_at


async def test_user_text_is_escaped(api: Api) -> None:
    """A title, amendment and minute carrying markup come out as text, never as tags."""
    reference = await _amended_and_confirmed(api.services.requests)
    response = await api.http.get(f"/requests/{reference}/notice", headers=api.auth("clerk"))
    assert response.status_code == 200, response.text
    page = response.text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
    assert "<em>" not in page
    assert "<b>" not in page
    assert "&lt;b&gt;from September&lt;/b&gt;" in page
    assert "&quot;full time&quot;" in page


async def test_decision_notice_before_the_minute(api: Api) -> None:
    """An approval not yet minuted has a decision notice with the agreed source and amount,
    saying it awaits its minute."""
    reference = await decided(api.services.requests)
    response = await api.http.get(f"/requests/{reference}/notice", headers=api.auth("chair"))
    assert response.status_code == 200, response.text
    text = _text(response.text)
    assert "Schools Forum: Decision notice" in text
    assert "Funded from: centrally retained budget" in text
    assert "Amount £89,604" in text
    assert "Outcome Approved" in text
    assert "For: 3, Against: 0, Abstained: 0" in text
    assert "Not yet minuted" in text
    assert "Vote closed by Forum Chair" in text


async def test_rejection_notice_says_no_funding_was_agreed(api: Api) -> None:
    """A rejected request's notice says nothing was funded, gives the votes and the reason."""
    forum = api.services.requests
    reference = await rejected(forum)
    response = await api.http.get(
        f"/requests/{reference}/notice", headers=api.auth(OFFICER.user_id)
    )
    assert response.status_code == 200, response.text
    text = _text(response.text)
    assert "Outcome Rejected" in text
    assert "Funded from: nothing: no funding was agreed" in text
    assert "For: 0, Against: 3, Abstained: 0" in text
    decision = (await forum.state(reference)).decision
    assert decision is not None
    assert decision.reason is not None
    assert decision.reason in text
    assert "Amount none agreed (the request asked for £89,604)" in text


async def test_no_notice_before_a_decision(api: Api) -> None:
    """A tabled request and an open vote have no notice yet: 409 saying why."""
    forum = api.services.requests
    for reference, stage in ((await tabled(forum), "tabled"), (await voting(forum), "voting")):
        response = await api.http.get(f"/requests/{reference}/notice", headers=api.auth("clerk"))
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["rule"] == "notice-requires-decision"
        assert f"stage '{stage}'" in problem["message"]
        assert "once the forum has voted" in problem["message"]


async def test_notice_needs_a_token_and_a_real_request(api: Api) -> None:
    """No token is 401, an unknown reference 404 and a malformed one 422, all as Problems."""
    reference = await decided(api.services.requests)
    anonymous = await api.http.get(f"/requests/{reference}/notice")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthenticated"
    unknown = await api.http.get(f"/requests/{new_reference()}/notice", headers=api.auth("chair"))
    assert unknown.status_code == 404
    malformed = await api.http.get("/requests/not-a-ref/notice", headers=api.auth("chair"))
    assert malformed.status_code == 422
    assert malformed.json()["problems"][0]["field"] == "path.reference"


async def test_notice_is_documented_as_html(api: Api) -> None:
    """The OpenAPI document describes the notice as text/html, with Problem error bodies."""
    document = (await api.http.get("/openapi.json")).json()
    answers = document["paths"]["/requests/{reference}/notice"]["get"]["responses"]
    assert "text/html" in answers["200"]["content"]
    assert "application/json" not in answers["200"]["content"]
    for status in ("401", "404", "409", "422"):
        content = answers[status]["content"]
        assert set(content) == {"application/json"}, status
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in document["components"]["schemas"]
