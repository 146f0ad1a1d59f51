"""The CLI's own vocabulary cannot drift from the API's: every choice list it offers is
the API's enum in its OpenAPI document, value for value and in order, and every
transition the API takes has a command."""

from __future__ import annotations

from enum import StrEnum

import httpx
import pytest

from cli import vocabulary
from domain.request.draft import FundingSource
from tests.cli.conftest import Forum

pytestmark = pytest.mark.devserver_only

CHOICES: dict[str, type[StrEnum]] = {
    "Role": vocabulary.Role,
    "MemberGroup": vocabulary.MemberGroup,
    "Stage": vocabulary.Stage,
    "MeetingStage": vocabulary.MeetingStage,
    "FundingSource": vocabulary.FundingSource,
    "DecisionType": vocabulary.DecisionType,
    "VoteChoice": vocabulary.VoteChoice,
}
"""Each CLI enum, by the name of the API schema it must match."""


async def test_the_cli_offers_exactly_the_apis_choices(served: Forum) -> None:
    """Each CLI choice list equals the API's enum, and the transitions match the commands."""
    async with httpx.AsyncClient(base_url=served.url) as http:
        schemas = (await http.get("/openapi.json")).json()["components"]["schemas"]
    for schema, choices in CHOICES.items():
        assert [c.value for c in choices] == schemas[schema]["enum"], schema
    assert set(vocabulary.REQUEST_COMMANDS) == set(schemas["Transition"]["enum"])
    assert set(vocabulary.MEETING_COMMANDS) == set(schemas["MeetingTransition"]["enum"])


def test_funding_sources_are_named_as_the_papers_name_them() -> None:
    """The CLI labels every source code as the minutes and notices do."""
    assert {source.value: source.label for source in FundingSource} == vocabulary.SOURCE_LABELS
