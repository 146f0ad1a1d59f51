"""``forum funding confirm`` and ``forum spending record`` against the real API."""

from __future__ import annotations

import pytest

from clients.requests import FundingRequests
from tests.api.requests_setup import conditionally_minuted, london_today
from tests.cli.conftest import Forum

pytestmark = pytest.mark.devserver_only

REFUSED = 3


async def test_spending_then_funding_confirmed_from_the_command_line(
    served: Forum, forum: FundingRequests
) -> None:
    """Spending recorded before the funding, a wrong amount refused, the minute's confirmed."""
    reference = await conditionally_minuted(forum)
    today = london_today().isoformat()
    spent = await served.json(
        "sean.hogg",
        "spending",
        "record",
        reference,
        "--started-on",
        today,
        "--description",
        "Four posts filled",
    )
    assert "before its funding was confirmed" in spent["audit_entry"]["summary"]
    confirm = ("funding", "confirm", reference, "--by", "Head of Finance", "--on", today)
    wrong = await served.fails(
        "sean.hogg", *confirm, "--option", "centrally-retained", "--amount", "£1", code=REFUSED
    )
    assert "funding-amount-differs-from-minute" in wrong.stderr or "£89,604" in wrong.stderr
    done = await served.json(
        "sean.hogg", *confirm, "--option", "centrally-retained", "--amount", "£89,604"
    )
    assert done["transition"] == "confirm_funding"
    assert len(done["register_keys"]) == 1
    state = await served.services.requests.state(reference)
    assert state.funding_confirmation is not None
    assert state.funding_confirmation.confirmed_by == "Head of Finance"
