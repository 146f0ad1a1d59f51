"""Exit codes tell outcomes apart (0, 1, 2, 3, 4, 5), errors go to stderr with the API's
message, and the global options also come from the environment."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli.conftest import EXAMPLES, Forum, free_socket
from tests.lifecycle.drive import new_reference

pytestmark = pytest.mark.devserver_only

DRAFT = str(EXAMPLES / "middlesbrough-draft.json")


def test_help_documents_the_exit_codes() -> None:
    """forum --help lists every exit code and what it means."""
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for documented in (
        "0 ok",
        "1 failed",
        "2 invalid input",
        "3 refused by a rule",
        "4 not signed in or not allowed",
        "5 not found",
    ):
        assert documented in text


async def test_ok_is_0_and_not_found_is_5(served: Forum) -> None:
    """A request that exists shows with 0; one that does not exits 5 naming it."""
    reference = new_reference()
    await served.ok("sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference)
    assert (await served.run("clerk", "request", "show", reference)).exit_code == 0
    missing = await served.fails("clerk", "request", "show", new_reference(), code=5)
    assert "No such request" in missing.stderr
    await served.fails("clerk", "meeting", "show", "meeting-1999-01-01-none", code=5)


async def test_invalid_input_is_2_from_the_cli_or_the_api(served: Forum) -> None:
    """Bad arguments are refused before any call; a 422 names the field; both exit 2."""
    reference = new_reference()
    await served.ok("sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference)
    await served.ok("sean.hogg", "request", "submit", reference)
    bad_stage = await served.fails("clerk", "request", "list", "--stage", "pondering", code=2)
    assert "--stage" in bad_stage.stderr
    bad_money = await served.fails(
        "sean.hogg", "option", "add", reference, "--amount", "£12.345", code=2
    )
    assert "not an amount in pounds" in bad_money.stderr
    bad_date = await served.fails(
        "chair", "table", reference, "--meeting-date", "4/7/2018", "--file", DRAFT, code=2
    )
    assert "YYYY-MM-DD" in bad_date.stderr

    no_period = await served.fails(
        "sean.hogg",
        "option",
        "add",
        reference,
        "--id",
        "central",
        "--source",
        "centrally_retained",
        "--amount",
        "89604.00",
        code=2,
    )
    assert "body.option.period" in no_period.stderr
    state = await served.json("clerk", "request", "show", reference)
    assert state["options"] == []


async def test_a_rule_refusing_is_3_and_names_the_rule(served: Forum) -> None:
    """Opening a vote on a request still listing options exits 3 with the rule's message."""
    reference = new_reference()
    await served.ok("sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference)
    refused = await served.fails("chair", "vote", "open", reference, code=3)
    assert "drafting" in refused.stderr
    as_json = await served.fails("chair", "vote", "open", reference, code=3, json_output=True)
    problem = json.loads(as_json.stderr)
    assert problem["status"] == 409
    assert problem["rule"]


async def test_not_signed_in_or_not_allowed_is_4(served: Forum) -> None:
    """No token, an unknown token, or a role that may not act: exit 4 with the reason."""
    reference = new_reference()
    await served.ok("sean.hogg", "request", "create", "--file", DRAFT, "--reference", reference)
    unsigned = await served.fails(None, "request", "show", reference, code=4)
    assert "Sign in" in unsigned.stderr
    served.tokens["nobody"] = "ff_not-a-token"
    unknown = await served.fails("nobody", "request", "show", reference, code=4)
    assert "unknown or revoked" in unknown.stderr
    forbidden = await served.fails("maintained_primary-1", "request", "submit", reference, code=4)
    assert "may submit draft" in forbidden.stderr
    assert "[role-not-permitted]" in forbidden.stderr
    assert (await served.json("clerk", "request", "show", reference))["stage"] == "drafting"


async def test_cannot_connect_is_1(served: Forum) -> None:
    """Pointing at a closed port exits 1 and says the API cannot be reached."""
    with free_socket() as closed:  # bound but never listening: connections are refused
        port = closed.getsockname()[1]
        failed = await served.fails(
            "clerk", "request", "list", code=1, url=f"http://127.0.0.1:{port}"
        )
    assert "Cannot reach the forumflow API" in failed.stderr


async def test_api_url_and_token_come_from_the_environment(served: Forum) -> None:
    """FORUM_API_URL and FORUM_TOKEN stand in for --api-url and --token."""
    result = await served.run(
        None,
        "--json",
        "user",
        "me",
        env={"FORUM_API_URL": served.url, "FORUM_TOKEN": served.tokens["chair"]},
        global_flags=False,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["user_id"] == "chair"
