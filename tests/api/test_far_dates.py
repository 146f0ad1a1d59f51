"""Dates far ahead over the API, on both real servers: a request dated in 2099 goes from
drafting to tabled and answers its deadlines; a date in 2300 is a 422 naming the field;
and requests and meetings started without settings get the configured reminder settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import ApiServices
from config.settings import Settings
from devtools.seeds import MEMBERSHIP, staffordshire_draft
from domain.deadlines import DeadlineKind
from domain.request.draft import EvaluationPlan, FundingOption, FundingSource, Period
from domain.values import evolve
from storage.accounts import UserDirectory
from storage.register import DecisionRegister
from tests.api.conftest import Api
from tests.api.requests_setup import post_action
from tests.lifecycle.drive import new_reference

OFFICER_ID, CHAIR_ID = "sean.hogg", "chair"

SERVICE_START = date(2099, 9, 1)
MEETINGS_2098 = ("2098-06-10", "2098-09-16")


def _draft_2099(reference: str) -> dict[str, Any]:
    """The Staffordshire draft moved to a service starting 1 September 2099."""
    draft = evolve(
        staffordshire_draft(reference),
        period=Period(start=SERVICE_START, end=date(2099, 12, 31)),
        service_start=SERVICE_START,
        evaluation_plan=EvaluationPlan(measures=("Families helped",), report_due=date(2099, 12, 1)),
    )
    return draft.model_dump(mode="json", exclude={"author_id"})


def _option_2099(amount_pence: int) -> dict[str, Any]:
    option = FundingOption(
        option_id="central-block",
        source=FundingSource.dsg_central_school_services,
        amount_pence=amount_pence,
        period=Period(start=SERVICE_START, end=date(2099, 12, 31)),
    )
    return option.model_dump(mode="json")


def _fields(response: httpx.Response) -> set[str]:
    return {problem["field"] for problem in response.json()["problems"]}


async def test_a_request_dated_2099_is_drafted_and_tabled_with_its_deadlines(api: Api) -> None:
    """Service start 1 September 2099 (decide by 1 September 2098): the request is created,
    submitted, given an option and tabled for 10 June 2098, its deadlines answering in
    the years past the calendar's common span at every step."""
    reference = new_reference()
    draft = _draft_2099(reference)
    created = await api.http.post(
        "/requests",
        json={"draft": draft, "scheduled_meetings": list(MEETINGS_2098)},
        headers=api.auth(OFFICER_ID),
    )
    assert created.status_code == 201, created.text
    drafting = await api.http.get(f"/requests/{reference}/deadlines", headers=api.auth(OFFICER_ID))
    assert drafting.status_code == 200, drafting.text
    kinds = {d["kind"]: d for d in drafting.json()["deadlines"]}
    assert kinds[DeadlineKind.procurement_decision.value]["due"].startswith("2098-09-01")

    total = sum(line["quantity"] * line["unit_cost_pence"] for line in draft["cost_lines"])
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (OFFICER_ID, "submit_draft", {}),
        (OFFICER_ID, "add_option", {"option": _option_2099(total)}),
        (
            OFFICER_ID,
            "set_recommendation",
            {"recommendation": {"text": "Agree", "option_ids": ["central-block"]}},
        ),
        (
            CHAIR_ID,
            "table",
            {"meeting_date": MEETINGS_2098[0], "membership": MEMBERSHIP.model_dump(mode="json")},
        ),
    ]
    for user, transition, body in steps:
        response = await post_action(api, user, reference, transition, body)
        assert response.status_code == 200, (transition, response.text)

    state = await api.http.get(f"/requests/{reference}", headers=api.auth(OFFICER_ID))
    assert state.json()["stage"] == "tabled"
    answered = await api.http.get(f"/requests/{reference}/deadlines", headers=api.auth(CHAIR_ID))
    assert answered.status_code == 200, answered.text
    papers = [d for d in answered.json()["deadlines"] if d["kind"] == DeadlineKind.papers.value]
    # 10 June 2098 is a Tuesday; five clear working days before it: Monday 2 June 2098.
    assert papers[0]["due"] == "2098-06-02T16:00:00Z"


async def test_a_period_in_2300_is_a_422_naming_the_field(api: Api) -> None:
    """A draft whose period ends in 2300 is refused with 422 on body.draft.period.end,
    naming the plannable-date rule, and no request is started."""
    reference = new_reference()
    draft = _draft_2099(reference)
    draft["period"]["end"] = "2300-08-31"
    response = await api.http.post("/requests", json={"draft": draft}, headers=api.auth(OFFICER_ID))
    assert response.status_code == 422, response.text
    assert "body.draft.period.end" in _fields(response)
    assert "plannable-date" in response.json()["message"]
    missing = await api.http.get(f"/requests/{reference}", headers=api.auth(OFFICER_ID))
    assert missing.status_code == 404


async def test_tabling_for_2300_is_a_422_naming_the_meeting_date(api: Api) -> None:
    """Tabling for a meeting in 2300 is refused with 422 on body.meeting_date."""
    reference = new_reference()
    created = await api.http.post(
        "/requests", json={"draft": _draft_2099(reference)}, headers=api.auth(OFFICER_ID)
    )
    assert created.status_code == 201, created.text
    body = {"meeting_date": "2300-06-10", "membership": MEMBERSHIP.model_dump(mode="json")}
    response = await post_action(api, CHAIR_ID, reference, "table", body)
    assert response.status_code == 422, response.text
    assert "body.meeting_date" in _fields(response)
    assert "plannable-date" in response.json()["message"]


@pytest.fixture
async def configured(
    env: WorkflowEnvironment,
    task_queue: str,
    api: Api,
    register: DecisionRegister,
    directory: UserDirectory,
) -> AsyncIterator[Api]:
    """The API with reminder settings configured: 14 and 2 days at 9am, papers 3 days."""
    settings = Settings(
        annual_review_schedule=False,
        reminder_days=(14, 2),
        reminder_send_hour=9,
        reminder_timings={DeadlineKind.papers: {"days": (3,)}},
    )
    services = ApiServices.build(
        settings, env.client, task_queue=task_queue, register=register, directory=directory
    )
    transport = httpx.ASGITransport(app=create_app(services), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://forumflow.test") as http:
        yield Api(http=http, services=services, tokens=api.tokens)


async def test_a_request_without_settings_gets_the_configured_reminders(
    configured: Api,
) -> None:
    """Created with no settings, a request carries FORUMFLOW_REMINDER_*'s timings."""
    reference = new_reference()
    created = await configured.http.post(
        "/requests", json={"draft": _draft_2099(reference)}, headers=configured.auth(OFFICER_ID)
    )
    assert created.status_code == 201, created.text
    state = await configured.services.requests.state(reference)
    assert state.settings.reminder_offsets_days == (14, 2)
    assert state.settings.reminder_send_hour == 9
    assert state.settings.reminder_timing("papers").offsets_days == (3,)
    assert state.settings.reminder_timing("evaluation_report").send_hour == 9
