"""Schemathesis over the whole OpenAPI document, signed in as each role.

Cases come from schemathesis's own Hypothesis strategies for every operation the
document lists, both valid data (positive) and data the document says is invalid
(negative); paths naming a request use a real request half the time, so reads answer
with a real workflow's state. Each case goes through the same app over httpx, and
each response is checked: never a 5xx, its status documented, its body matching the
documented schema and content type. Every failure is collected and reported at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forumflow.requests import FundingRequests
from tests.api.conftest import Api
from tests.lifecycle.drive import draft_to_options, evaluated_request, new_reference
from tests.lifecycle.scenario import MEMBERS, middlesbrough_draft

pytestmark = [
    pytest.mark.devserver_only,
    pytest.mark.timeout(900),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ROLES = {
    "officer": "sean.hogg",
    "chair": "chair",
    "clerk": "clerk",
    "member": MEMBERS[0].member_id,
}
EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
BASE_URL = "http://forumflow.test"

Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]


def to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis's requests-style keyword arguments, as httpx takes them."""
    sent: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or None,
    }
    if kwargs.get("cookies"):
        sent["cookies"] = kwargs["cookies"]
    if "json" in kwargs:
        sent["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        sent["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        sent["data"] = kwargs["data"]
    return sent


def strategy_for(
    operation: Operation, token: str, references: list[str]
) -> st.SearchStrategy[AnyCase]:
    """Positive and negative cases for ``operation``, signed in, often naming real requests."""
    headers = {"Authorization": f"Bearer {token}"}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=headers),
    ]
    if "{reference}" in operation.path:
        strategies += [
            operation.as_strategy(
                GenerationMode.POSITIVE, headers=headers, path_parameters={"reference": reference}
            )
            for reference in references
        ]
    return st.one_of(strategies)


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_operation_conforms_to_the_document(
    api: Api, forum: FundingRequests, role: str
) -> None:
    """For each role, no generated case gets a 5xx or an undocumented status, body or type."""
    references = [
        await draft_to_options(forum, middlesbrough_draft(new_reference())),
        await evaluated_request(forum),
    ]
    document = (await api.http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    token = api.tokens[ROLES[role]]
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an invalid operation: {result.err()}"
        operations.append(result.ok())

    def send(case: AnyCase) -> None:
        kwargs = case.as_transport_kwargs(base_url=BASE_URL)
        response: httpx.Response = asyncio.run_coroutine_threadsafe(
            api.http.request(**to_httpx(kwargs)), loop
        ).result(timeout=120)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            failures.append(
                f"{case.operation.label} -> {response.status_code}: {group.exceptions[0]}"[:1500]
            )

    def run(operation: Operation) -> None:
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy_for(operation, token, references))
        def examples(case: AnyCase) -> None:
            send(case)

        examples()

    for operation in operations:
        await asyncio.to_thread(run, operation)

    cases = statuses.total()
    print(
        f"\nschemathesis as {role}: {len(operations)} operations, {cases} cases, "
        f"statuses {dict(sorted(statuses.items()))}, {len(failures)} failures"
    )
    assert cases >= len(operations) * 2
    assert not failures, f"{len(failures)} of {cases} cases failed:\n" + "\n\n".join(
        sorted(set(failures))[:15]
    )
