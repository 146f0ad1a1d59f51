"""The HTTP contract beyond single routes: what the OpenAPI document declares against
what the server does, OPTIONS and 405 answers, the wording of a 422, and the one way
every timestamp is written.

Each check goes through the real app over a real worker and dev server.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import Field, TypeAdapter, ValidationError

from api.openapi.rules import (
    CALENDAR_YEAR_PATTERN,
    CALENDAR_YEARS,
    MISSING_VALIDATORS,
    PYTHON_SPACE,
    UNICODE_SPACE,
)
from api.problems import refused
from clients.records import TransitionRefused
from contracts.register import EntryKind
from devtools.seeds import MEMBERS, middlesbrough_draft
from domain.values import FIRST_PLANNABLE_DAY, LAST_PLANNABLE_DAY, MAX_TEXT_LENGTH
from tests.api.conftest import Api
from tests.api.requests_setup import listing, tabled
from tests.api.test_meetings_api import days_ahead, schedule, start_body
from tests.api.test_register_api import recorded
from tests.lifecycle.drive import evaluated_request, new_reference

pytestmark = pytest.mark.devserver_only

MEMBER = MEMBERS[0].member_id
MEETING = "meeting-2031-01-08"
REFERENCE = "SMF-2018-EHP"

# Phrases of pydantic's own that must never reach a client.
PYDANTIC_WORDING = re.compile(
    r"Input should|Field required|Extra inputs|should have at least|should have at most"
    r"|String should|Value error,|Tuple should|List should|after validation|valid integer"
    r"|Invalid JSON|Unable to parse|JSON input should|Assertion failed|pydantic",
    re.IGNORECASE,
)

ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


async def openapi(api: Api) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = await api.http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def body_validator(document: dict[str, Any], method: str, path: str) -> Draft202012Validator:
    """A validator of the JSON body the document declares for ``method path``."""
    operation = document["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=FormatChecker()
    )


def meeting_start() -> dict[str, Any]:
    """A MeetingStart the server accepts."""
    return start_body(days_ahead(60))


def membership() -> dict[str, Any]:
    """The forum's membership as JSON."""
    return {
        "members": [
            {"member_id": m.member_id, "name": m.name, "group": m.group.value, "email": m.email}
            for m in MEMBERS
        ]
    }


# (method, path in the document, path sent, a valid body, the change that breaks it, field)
LIMITS: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str]] = [
    ("POST", "/meetings", "/meetings", meeting_start(), {"location": " "}, "body.location"),
    (
        "POST",
        "/meetings",
        "/meetings",
        meeting_start(),
        {"starts_at": "1999-06-07T10:00:00+01:00"},
        "body.starts_at",
    ),
    (
        "POST",
        "/meetings",
        "/meetings",
        meeting_start(),
        {"starts_at": "2100-06-07T10:00:00+01:00"},
        "body.starts_at",
    ),
    (
        "POST",
        "/meetings",
        "/meetings",
        meeting_start(),
        {"membership": {"members": [{**membership()["members"][0], "name": ""}]}},
        "body.membership.members.0.name",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/add_item",
        f"/meetings/{MEETING}/actions/add_item",
        {"kind": "add_item", "request_ref": REFERENCE, "title": "Early Help"},
        {"title": "  "},
        "body.title",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/add_item",
        f"/meetings/{MEETING}/actions/add_item",
        {"kind": "add_item", "request_ref": REFERENCE, "title": "Early Help"},
        {"late_reason": ""},
        "body.late_reason",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/remove_item",
        f"/meetings/{MEETING}/actions/remove_item",
        {"kind": "remove_item", "request_ref": REFERENCE, "reason": "Withdrawn"},
        {"reason": ""},
        "body.reason",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/cancel_meeting",
        f"/meetings/{MEETING}/actions/cancel_meeting",
        {"kind": "cancel_meeting", "reason": "No business"},
        {"reason": "\t"},
        "body.reason",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/move_meeting",
        f"/meetings/{MEETING}/actions/move_meeting",
        {"kind": "move_meeting", "new_starts_at": "2031-01-09T10:00:00Z", "reason": "Room"},
        {"reason": " "},
        "body.reason",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/move_meeting",
        f"/meetings/{MEETING}/actions/move_meeting",
        {"kind": "move_meeting", "new_starts_at": "2031-01-09T10:00:00Z", "reason": "Room"},
        {"new_starts_at": "1999-01-09T10:00:00Z"},
        "body.new_starts_at",
    ),
    (
        "POST",
        "/meetings/{meeting_id}/actions/move_meeting",
        f"/meetings/{MEETING}/actions/move_meeting",
        {"kind": "move_meeting", "new_starts_at": "2031-01-09T10:00:00Z", "reason": "Room"},
        {"new_starts_at": "2100-01-09T10:00:00Z"},
        "body.new_starts_at",
    ),
    (
        "POST",
        "/requests/{reference}/actions/close",
        f"/requests/{REFERENCE}/actions/close",
        {"kind": "close", "reason": "Work done"},
        {"reason": ""},
        "body.reason",
    ),
    (
        "POST",
        "/requests/{reference}/actions/defer",
        f"/requests/{REFERENCE}/actions/defer",
        {"kind": "defer", "reason": "More options"},
        {"reason": "   "},
        "body.reason",
    ),
    (
        "POST",
        "/requests/{reference}/actions/extend",
        f"/requests/{REFERENCE}/actions/extend",
        {
            "kind": "extend",
            "new_period": {"start": "2019-09-01", "end": "2020-08-31"},
            "reason": "Referrals rose",
        },
        {"reason": ""},
        "body.reason",
    ),
    (
        "POST",
        "/requests/{reference}/actions/follow_meeting",
        f"/requests/{REFERENCE}/actions/follow_meeting",
        {
            "kind": "follow_meeting",
            "meeting_id": MEETING,
            "from_date": "2031-01-08",
            "meeting_date": "2031-01-15",
            "reason": "Room",
        },
        {"meeting_id": " "},
        "body.meeting_id",
    ),
    (
        "POST",
        "/requests/{reference}/actions/follow_meeting",
        f"/requests/{REFERENCE}/actions/follow_meeting",
        {
            "kind": "follow_meeting",
            "meeting_id": MEETING,
            "from_date": "2031-01-08",
            "meeting_date": "2031-01-15",
            "reason": "Room",
        },
        {"reason": ""},
        "body.reason",
    ),
    (
        "POST",
        "/requests/{reference}/actions/table",
        f"/requests/{REFERENCE}/actions/table",
        {"kind": "table", "meeting_date": "2031-01-08", "membership": membership()},
        {"membership": {"members": [{**membership()["members"][0], "member_id": " "}]}},
        "body.membership.members.0.member_id",
    ),
]


@pytest.mark.parametrize(
    ("method", "documented", "path", "body", "change", "field"),
    LIMITS,
    ids=[f"{case[1].rsplit('/', 1)[-1]}:{case[5]}:{i}" for i, case in enumerate(LIMITS)],
)
async def test_the_document_declares_each_limit_the_server_enforces(
    api: Api,
    method: str,
    documented: str,
    path: str,
    body: dict[str, Any],
    change: dict[str, Any],
    field: str,
) -> None:
    """A blank string or a year outside 2000-2099, refused by the server, breaks the schema too."""
    validator = body_validator(await openapi(api), method, documented)
    broken = {**body, **change}
    assert validator.is_valid(body), list(validator.iter_errors(body))

    response = await api.http.request(method, path, json=broken, headers=api.auth("chair"))

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["problems"]]
    assert not validator.is_valid(broken), f"the document accepts {change} for {documented}"


@pytest.mark.parametrize(
    "query", ["until=0", "since=0", "until=20180704", "since=2018-07-04T00:00"]
)
@pytest.mark.parametrize("path", ["/register", "/register/export.csv", "/register/export.json"])
async def test_a_register_date_that_is_not_a_calendar_date_is_422(
    api: Api, path: str, query: str
) -> None:
    """?until=0 (or any date not written YYYY-MM-DD) is 422 naming the parameter."""
    response = await api.http.get(f"{path}?{query}", headers=api.auth(MEMBER))

    assert response.status_code == 422, response.text
    name = query.split("=")[0]
    assert [p["field"] for p in response.json()["problems"]] == [f"query.{name}"]
    assert "YYYY-MM-DD" in response.json()["message"]


@pytest.mark.parametrize("query", ["meeting_date=0", "deadline_before=0", "meeting_date=1e3"])
async def test_a_listing_date_that_is_not_a_calendar_date_is_422(api: Api, query: str) -> None:
    """?meeting_date=0 on /requests is 422 naming the parameter."""
    response = await api.http.get(f"/requests?{query}", headers=api.auth(MEMBER))

    assert response.status_code == 422, response.text
    name = query.split("=")[0]
    assert [p["field"] for p in response.json()["problems"]] == [f"query.{name}"]


def allowed(response: httpx.Response) -> set[str]:
    """The methods an Allow header lists."""
    return {method.strip() for method in response.headers.get("allow", "").split(",") if method}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/meetings", {"GET", "POST", "OPTIONS"}),
        ("/requests", {"GET", "POST", "OPTIONS"}),
        ("/users", {"GET", "POST", "OPTIONS"}),
        ("/users/chair/tokens", {"POST", "DELETE", "OPTIONS"}),
        (f"/requests/{REFERENCE}", {"GET", "OPTIONS"}),
        (f"/requests/{REFERENCE}/actions/table", {"POST", "OPTIONS"}),
        ("/health", {"GET", "OPTIONS"}),
    ],
)
async def test_options_answers_the_methods_the_path_supports(
    api: Api, path: str, methods: set[str]
) -> None:
    """OPTIONS is 204 with an Allow header naming exactly the path's methods, signed in or not."""
    response = await api.http.options(path)

    assert response.status_code == 204, response.text
    assert allowed(response) == methods
    assert response.content == b""


async def test_options_matches_the_document_on_every_path(api: Api) -> None:
    """For every documented path, OPTIONS lists the documented methods and OPTIONS itself."""
    document = await openapi(api)
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[^}]+\}", "x1", template)
        path = path.replace("/meetings/x1", "/meetings/meeting-x1")
        response = await api.http.options(path)
        documented = {method.upper() for method in operations} | {"OPTIONS"}
        assert response.status_code == 204, (template, response.text)
        assert allowed(response) == documented, template


@pytest.mark.parametrize(
    ("method", "path", "methods"),
    [
        ("PUT", "/meetings", {"GET", "POST", "OPTIONS"}),
        ("DELETE", "/requests", {"GET", "POST", "OPTIONS"}),
        ("PATCH", "/users", {"GET", "POST", "OPTIONS"}),
        ("GET", "/users/chair/tokens", {"POST", "DELETE", "OPTIONS"}),
        ("POST", "/register", {"GET", "OPTIONS"}),
    ],
)
async def test_an_unsupported_method_is_405_with_the_allowed_ones(
    api: Api, method: str, path: str, methods: set[str]
) -> None:
    """A method the path does not take is a 405 Problem whose Allow lists the ones it does."""
    response = await api.http.request(method, path, headers=api.auth("clerk"))

    assert response.status_code == 405, response.text
    assert allowed(response) == methods
    problem = response.json()
    assert (problem["status"], problem["error"]) == (405, "method")
    assert method in problem["message"]


async def post_json(api: Api, user: str, path: str, body: object) -> dict[str, Any]:
    """POST ``body`` as ``user``; the 422 Problem it must answer."""
    response = await api.http.post(path, json=body, headers=api.auth(user))
    assert response.status_code == 422, response.text
    problem: dict[str, Any] = response.json()
    return problem


async def test_an_empty_membership_is_refused_in_the_products_words(api: Api) -> None:
    """Tabling with no members says to list at least one member, not pydantic's tuple wording."""
    reference = await listing(api.services.requests)

    problem = await post_json(
        api,
        "chair",
        f"/requests/{reference}/actions/table",
        {"meeting_date": "2031-01-08", "membership": {"members": []}},
    )

    assert problem["problems"] == [
        {"field": "body.membership.members", "rule": "list at least one member"}
    ]
    assert not PYDANTIC_WORDING.search(problem["message"]), problem["message"]


# (user, path, body, field, words the rule must use)
WORDING: list[tuple[str, str, object, str, str]] = [
    ("chair", "/meetings", {}, "body.meeting_id", "is required"),
    ("chair", "/meetings", {**meeting_start(), "venue": "Hall"}, "body.venue", "not a field"),
    ("chair", "/meetings", {**meeting_start(), "location": ""}, "body.location", "blank"),
    (
        "chair",
        "/meetings",
        {**meeting_start(), "settings": {"quorum_numerator": "2"}},
        "body.settings.quorum_numerator",
        "whole number",
    ),
    (
        "chair",
        "/meetings",
        {**meeting_start(), "settings": {"quorum_numerator": 0}},
        "body.settings.quorum_numerator",
        "1 or more",
    ),
    (
        "chair",
        "/meetings",
        {**meeting_start(), "starts_at": "2031-01-08"},
        "body.starts_at",
        "date and time",
    ),
    (
        "chair",
        "/meetings",
        {**meeting_start(), "starts_at": "2031-01-08T10:00:00"},
        "body.starts_at",
        "offset",
    ),
    ("chair", "/meetings", {**meeting_start(), "meeting_id": "M1"}, "body.meeting_id", "meeting-"),
    (
        "chair",
        f"/requests/{REFERENCE}/actions/table",
        {"meeting_date": "2031-01-08T10:00:00", "membership": membership()},
        "body.meeting_date",
        "YYYY-MM-DD",
    ),
    (
        "chair",
        f"/requests/{REFERENCE}/actions/table",
        {"meeting_date": "2031-02-30", "membership": membership()},
        "body.meeting_date",
        "YYYY-MM-DD",
    ),
    (
        "chair",
        f"/requests/{REFERENCE}/actions/table",
        {"meeting_date": "2031-01-08", "membership": {"members": [{"group": "lords"}]}},
        "body.membership.members.0.group",
        "one of",
    ),
    (
        "chair",
        f"/requests/{REFERENCE}/actions/table",
        {"kind": "defer", "meeting_date": "2031-01-08", "membership": membership()},
        "body.kind",
        "'table'",
    ),
    (
        "chair",
        f"/requests/{REFERENCE}/actions/table",
        {"meeting_date": "2031-01-08", "membership": []},
        "body.membership",
        "object",
    ),
    ("clerk", "/users", {"user_id": "x"}, "body.user_id", "user id"),
    ("chair", f"/requests/{REFERENCE}/actions/defer", b'{"reason": ', "body", "JSON"),
]


@pytest.mark.parametrize(("user", "path", "body", "field", "words"), WORDING)
async def test_a_422_names_the_field_and_the_rule_in_plain_words(
    api: Api, user: str, path: str, body: object, field: str, words: str
) -> None:
    """Each kind of invalid input is worded by the product, naming the field; never pydantic."""
    headers = {**api.auth(user), "Content-Type": "application/json"}
    if isinstance(body, bytes):
        response = await api.http.post(path, content=body, headers=headers)
    else:
        response = await api.http.post(path, json=body, headers=headers)

    assert response.status_code == 422, response.text
    problem = response.json()
    rules = {p["field"]: p["rule"] for p in problem["problems"]}
    assert field in rules, problem
    assert words in rules[field], rules[field]
    assert f"{field}: " in problem["message"]
    for text in (problem["message"], *rules.values()):
        assert not PYDANTIC_WORDING.search(text), text


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("limit=0", "query.limit", "1 or more"),
        ("limit=ten", "query.limit", "whole number"),
        ("stage=shelved", "query.stage", "one of"),
        ("meeting_date=July", "query.meeting_date", "YYYY-MM-DD"),
    ],
)
async def test_a_422_on_a_query_parameter_is_worded_by_the_product(
    api: Api, query: str, field: str, words: str
) -> None:
    """A bad query parameter is refused in the product's words, naming it."""
    response = await api.http.get(f"/requests?{query}", headers=api.auth(MEMBER))

    assert response.status_code == 422, response.text
    problem = response.json()
    rules = {p["field"]: p["rule"] for p in problem["problems"]}
    assert words in rules[field], rules
    assert not PYDANTIC_WORDING.search(problem["message"]), problem["message"]


def instants(value: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON value that is written as a date and time, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from instants(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from instants(item, f"{where}[{index}]")
    elif isinstance(value, str) and ISO_INSTANT.match(value):
        yield where, value


async def test_every_timestamp_the_api_answers_is_utc_with_z(api: Api) -> None:
    """Walking real responses of every kind, each timestamp is UTC written with a Z."""
    forum = api.services.requests
    evaluated = await evaluated_request(forum)
    papers = await tabled(forum)
    meeting = await schedule(api, days_ahead(60))
    await recorded(api, evaluated, [EntryKind.DECISION, EntryKind.MINUTE_CONFIRMED])
    chair = api.auth("chair")
    added = await api.http.post(
        f"/meetings/{meeting}/actions/add_item",
        json={"request_ref": papers, "title": "Early Help"},
        headers=chair,
    )
    assert added.status_code == 200, added.text
    withdrawn = await api.http.post(
        f"/requests/{papers}/actions/withdraw",
        json={"reason": "No longer needed"},
        headers=api.auth("sean.hogg"),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    reads = [
        f"/requests/{evaluated}",
        f"/requests/{evaluated}/audit",
        f"/requests/{evaluated}/deadlines",
        f"/requests/{papers}",
        f"/requests/{papers}/deadlines",
        "/requests",
        f"/meetings/{meeting}",
        f"/meetings/{meeting}/agenda",
        "/meetings",
        "/register",
        "/register/export.json",
        "/me",
        "/users",
    ]
    bodies: list[tuple[str, object]] = [("add_item", added.json()), ("withdraw", withdrawn.json())]
    for path in reads:
        response = await api.http.get(path, headers=chair)
        assert response.status_code == 200, (path, response.text)
        bodies.append((path, response.json()))
    exported = await api.http.get("/register/export.csv", headers=chair)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    bodies.append(("/register/export.csv", rows))

    found = [(path, where, text) for path, body in bodies for where, text in instants(body)]
    wrong = [entry for entry in found if not entry[2].endswith("Z")]
    assert not wrong, wrong
    for _path, _where, text in found:
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() == UTC.utcoffset(None)
    kinds = {where.rsplit(".", 1)[-1] for _path, where, _text in found}
    assert {"at", "decided_at", "due", "starts_at", "recorded_at", "created_at"} <= kinds, kinds
    assert {"next_deadline", "papers_close_at", "scheduled_at", "tabled_at"} <= kinds, kinds


def test_the_year_pattern_admits_exactly_the_calendars_years() -> None:
    """The declared year pattern admits 2000 to 2099 (the plannable years) and no other."""
    pattern = re.compile(CALENDAR_YEAR_PATTERN)
    admitted = [year for year in range(1000, 10000) if pattern.match(f"{year}-01-01T10:00Z")]
    assert admitted == list(range(FIRST_PLANNABLE_DAY.year, LAST_PLANNABLE_DAY.year + 1))
    assert admitted == list(CALENDAR_YEARS)


def test_the_documents_white_space_is_the_servers() -> None:
    """The spelled-out white space is what str.strip() removes and what pydantic's \\s means."""
    everything = [chr(code) for code in range(0x110000)]
    assert set(PYTHON_SPACE) == {char for char in everything if char.isspace()}
    rust_space = TypeAdapter(Annotated[str, Field(pattern=r"^\s$")])
    assert set(UNICODE_SPACE) == {
        char for char in PYTHON_SPACE + "\ufeff" if _admits(rust_space, char)
    }


def _admits(adapter: TypeAdapter[str], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


async def test_a_number_is_not_a_meeting_date_when_creating_a_request(api: Api) -> None:
    """scheduled_meetings: [0] is 422 naming the item (not 1 January 1970), and starts nothing."""
    draft = middlesbrough_draft(new_reference()).model_dump(mode="json", exclude={"author_id"})

    response = await api.http.post(
        "/requests",
        json={"draft": draft, "scheduled_meetings": [0]},
        headers=api.auth("sean.hogg"),
    )

    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == ["body.scheduled_meetings.0"]
    missing = await api.http.get(f"/requests/{draft['reference']}", headers=api.auth(MEMBER))
    assert missing.status_code == 404


async def test_text_as_long_as_the_document_allows_is_taken(api: Api) -> None:
    """Text as long as the document allows is taken, the audit summary quoting it cut to fit."""
    longest = MAX_TEXT_LENGTH
    draft = middlesbrough_draft(new_reference()).model_dump(mode="json", exclude={"author_id"})
    created = await api.http.post(
        "/requests",
        json={"draft": {**draft, "title": "T" * longest}},
        headers=api.auth("sean.hogg"),
    )
    meeting = await api.http.post(
        "/meetings",
        json={**meeting_start(), "location": "L" * longest},
        headers=api.auth("chair"),
    )
    assert (created.status_code, meeting.status_code) == (201, 201), (created.text, meeting.text)
    added = await api.http.post(
        f"/meetings/{meeting.json()['meeting_id']}/actions/add_item",
        json={"request_ref": draft["reference"], "title": "A" * longest},
        headers=api.auth("chair"),
    )

    assert added.status_code == 200, added.text
    for summary in (
        created.json()["audit"][0]["summary"],
        meeting.json()["audit"][0]["summary"],
        added.json()["audit_entry"]["summary"],
    ):
        assert len(summary) == longest
        assert summary.endswith("…")


def test_every_validator_the_document_declares_is_still_there() -> None:
    """Each validator api.openapi.rules declares a rule for still has the name it looks for."""
    assert MISSING_VALIDATORS == []


def test_a_refusal_the_workflow_did_not_mean_shows_no_library_text() -> None:
    """An exception a workflow raised by surprise (pydantic's) is a 409 in the product's words."""
    leaked = "1 validation error for MeetingAuditEntry\nsummary\n  String should have at most"

    problem = refused(TransitionRefused("ValidationError", leaked, {})).problem

    assert (problem.status, problem.rule) == (409, "not-recordable")
    assert not PYDANTIC_WORDING.search(problem.message)
    assert "MeetingAuditEntry" not in problem.message
