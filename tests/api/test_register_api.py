"""The register routes over decisions real requests put there: entries, filters, exports.

Requests are driven through their workflows (tests.lifecycle.drive), and the register
activity writes the entries; the routes then read this test's own register.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Iterable

import pytest

from contracts.register import EntryKind
from devtools.seeds import (
    CENTRALLY_RETAINED,
    MEMBERS,
    POSTS_PERIOD,
    TOTAL_PENCE,
    middlesbrough_draft,
)
from storage.register import EXPORT_COLUMNS
from tests.api.conftest import Api
from tests.lifecycle.drive import approved_request, evaluated_request, new_reference

pytestmark = pytest.mark.devserver_only

MEMBER = MEMBERS[0].member_id
SOURCE = CENTRALLY_RETAINED.source.value


async def recorded(api: Api, reference: str, kinds: Iterable[EntryKind]) -> None:
    """Wait (15s at most) until the register activity has written these kinds of entry."""
    wanted = list(kinds)
    for _ in range(150):
        if [e.kind for e in api.services.register.entries_for(reference)] == wanted:
            return
        await asyncio.sleep(0.1)
    found = [e.kind for e in api.services.register.entries_for(reference)]
    raise AssertionError(f"{reference}: register holds {found}, not {wanted}")


async def entries(api: Api, query: str = "") -> list[dict[str, object]]:
    """GET /register with ``query``, as a member; the entries."""
    response = await api.http.get(f"/register{query}", headers=api.auth(MEMBER))
    assert response.status_code == 200, response.text
    found: list[dict[str, object]] = response.json()["entries"]
    return found


def refs(found: list[dict[str, object]]) -> list[tuple[object, object]]:
    """Each entry's request and kind, in order."""
    return [(entry["request_ref"], entry["kind"]) for entry in found]


async def test_the_register_lists_decisions_and_filters_them(api: Api) -> None:
    """GET /register lists every entry; each filter narrows them as the register does."""
    forum = api.services.requests
    approved = await approved_request(forum)
    confirmed = await evaluated_request(forum, report=False)
    await recorded(api, approved, [EntryKind.DECISION])
    await recorded(api, confirmed, [EntryKind.DECISION, EntryKind.MINUTE_CONFIRMED])

    everything = await entries(api)
    decision = next(e for e in everything if e["request_ref"] == approved)

    assert refs(everything) == [
        (approved, "decision"),
        (confirmed, "decision"),
        (confirmed, "minute_confirmed"),
    ]
    assert (decision["outcome"], decision["amount_pence"]) == ("approved", TOTAL_PENCE)
    assert decision["agreed_options"] == [
        {
            "option_id": CENTRALLY_RETAINED.option_id,
            "source": SOURCE,
            "source_detail": None,
            "amount_pence": TOTAL_PENCE,
        }
    ]
    assert refs(await entries(api, f"?request_ref={approved}")) == [(approved, "decision")]
    assert refs(await entries(api, "?kind=minute_confirmed")) == [(confirmed, "minute_confirmed")]
    assert len(await entries(api, f"?outcome=approved&source={SOURCE}")) == 3
    assert await entries(api, "?outcome=rejected") == []
    assert len(await entries(api, "?since=2018-07-04&until=2018-07-04")) == 3
    assert await entries(api, "?since=2018-07-05") == []


async def test_the_csv_export_names_the_source_and_the_pence(api: Api) -> None:
    """The CSV has its header and the decision's funding source and amount in pence."""
    reference = await approved_request(api.services.requests)
    await recorded(api, reference, [EntryKind.DECISION])

    response = await api.http.get("/register/export.csv", headers=api.auth(MEMBER))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="forumflow-register-\d{4}-\d{2}-\d{2}\.csv"', disposition
    )
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    (row,) = list(reader)
    assert (row["request_ref"], row["kind"], row["outcome"]) == (reference, "decision", "approved")
    assert (row["option_source"], row["option_amount_pence"]) == (SOURCE, str(TOTAL_PENCE))
    assert row["amount_pence"] == "8960400"


async def test_the_json_export_has_the_same_rows_with_numbers(api: Api) -> None:
    """export.json answers the CSV's rows as objects, money as JSON integers."""
    reference = await approved_request(api.services.requests)
    await recorded(api, reference, [EntryKind.DECISION])

    response = await api.http.get("/register/export.json", headers=api.auth("chair"))

    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('.json"')
    (row,) = response.json()
    assert list(row) == list(EXPORT_COLUMNS)
    assert (row["request_ref"], row["option_source"]) == (reference, SOURCE)
    assert row["option_amount_pence"] == TOTAL_PENCE
    assert row["amount_pence"] == TOTAL_PENCE


async def test_decision_rows_give_the_period_agreed(api: Api) -> None:
    """A decision's rows, in both exports and the register, carry the period it agreed."""
    reference = await approved_request(api.services.requests)
    await recorded(api, reference, [EntryKind.DECISION])
    query = f"?request_ref={reference}"

    (row,) = (await api.http.get(f"/register/export.json{query}", headers=api.auth(MEMBER))).json()
    exported = await api.http.get(f"/register/export.csv{query}", headers=api.auth(MEMBER))
    (cells,) = list(csv.DictReader(io.StringIO(exported.text)))
    (entry,) = await entries(api, query)

    period = (POSTS_PERIOD.start.isoformat(), POSTS_PERIOD.end.isoformat())
    assert row["kind"] == "decision"
    assert (row["period_start"], row["period_end"]) == period
    assert (cells["period_start"], cells["period_end"]) == period
    assert (entry["period_start"], entry["period_end"]) == period


async def test_the_json_export_gives_amendments_as_an_array(api: Api) -> None:
    """export.json's amendments is a JSON array of strings; the CSV cell holds it as JSON text."""
    reference = await approved_request(api.services.requests)
    await recorded(api, reference, [EntryKind.DECISION])
    query = f"?request_ref={reference}"

    (row,) = (await api.http.get(f"/register/export.json{query}", headers=api.auth(MEMBER))).json()
    exported = await api.http.get(f"/register/export.csv{query}", headers=api.auth(MEMBER))
    (cells,) = list(csv.DictReader(io.StringIO(exported.text)))

    assert row["amendments"] == []
    assert json.loads(cells["amendments"]) == []
    document = (await api.http.get("/openapi.json")).json()
    (schema,) = [
        operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        for path, operation in document["paths"].items()
        if path == "/register/export.json"
    ]
    row_schema = document["components"]["schemas"][schema["items"]["$ref"].rsplit("/", 1)[-1]]
    assert row_schema["properties"]["amendments"]["type"] == "array"
    assert list(row_schema["properties"]) == list(EXPORT_COLUMNS)


async def test_text_that_a_spreadsheet_would_run_is_exported_inert(api: Api) -> None:
    """A title starting with '=' is prefixed with an apostrophe in the CSV, kept as is in JSON."""
    title = '=HYPERLINK("http://example.org","Early Help")'
    draft = middlesbrough_draft(new_reference()).model_copy(update={"title": title})
    reference = await approved_request(api.services.requests, draft=draft)
    await recorded(api, reference, [EntryKind.DECISION])

    exported = await api.http.get(
        f"/register/export.csv?request_ref={reference}", headers=api.auth(MEMBER)
    )
    as_json = await api.http.get(
        f"/register/export.json?request_ref={reference}", headers=api.auth(MEMBER)
    )

    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["title"] == "'" + title
    assert as_json.json()[0]["title"] == title


async def test_the_exports_take_the_same_filters(api: Api) -> None:
    """A filter that matches nothing leaves the CSV with its header row only."""
    response = await api.http.get("/register/export.csv?kind=evaluation", headers=api.auth(MEMBER))

    assert response.status_code == 200
    assert response.text.splitlines() == [",".join(EXPORT_COLUMNS)]


@pytest.mark.parametrize("path", ["/register", "/register/export.csv", "/register/export.json"])
async def test_reading_the_register_needs_a_token(api: Api, path: str) -> None:
    """Every register route answers 401 without a token."""
    response = await api.http.get(path)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?source=piggy_bank", "query.source"),
        ("?kind=gossip", "query.kind"),
        ("?since=last-tuesday", "query.since"),
        ("?since=2019-01-01&until=2018-01-01", "query.until"),
        ("?request_ref=lower", "query.request_ref"),
    ],
)
@pytest.mark.parametrize("path", ["/register", "/register/export.csv"])
async def test_an_invalid_filter_is_422_naming_it(
    api: Api, path: str, query: str, field: str
) -> None:
    """An unknown source or kind, a malformed date or reference, or until before since: 422."""
    response = await api.http.get(f"{path}{query}", headers=api.auth(MEMBER))

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["problems"]] == [field]
