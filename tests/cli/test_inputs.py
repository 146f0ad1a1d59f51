"""The CLI without a server: what people type becomes what the API takes, statuses
become exit codes, and every transition has its command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import typer
import typer.main

from cli.client import ExitCode, describe_problem, exit_code_for
from cli.inputs import parse_london_time, pounds_to_pence, split_ids
from cli.main import app
from cli.render.values import london_time, money, uk_date
from cli.vocabulary import MEETING_COMMANDS, REQUEST_COMMANDS

pytestmark = pytest.mark.devserver_only


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("£89,604", 8_960_400),
        ("89604", 8_960_400),
        ("89604.00", 8_960_400),
        ("GBP 22,401", 2_240_100),
        ("£12.5", 1_250),
        ("0.01", 1),
        (" £1,000,000.99 ", 100_000_099),
    ],
)
def test_pounds_become_whole_pence(typed: str, pence: int) -> None:
    """Amounts typed as a paper writes them are sent as whole pence."""
    assert pounds_to_pence(typed) == pence


@pytest.mark.parametrize("typed", ["£12.345", "-5", "89,60,4", "1e3", "£", "twelve", "12,5"])
def test_amounts_that_are_not_whole_pence_are_refused(typed: str) -> None:
    """Fractions of a penny, negatives and malformed figures are refused, never rounded."""
    with pytest.raises(typer.BadParameter):
        pounds_to_pence(typed)


def test_a_time_without_offset_is_london_wall_time() -> None:
    """2018-07-04T14:00 means 2pm in London (BST), 13:00 UTC; an offset given is kept."""
    assert parse_london_time("2018-07-04T14:00").astimezone(UTC) == datetime(
        2018, 7, 4, 13, 0, tzinfo=UTC
    )
    assert parse_london_time("2018-12-04T14:00").astimezone(UTC).hour == 14
    assert parse_london_time("2018-07-04T14:00+00:00").astimezone(UTC).hour == 14


def test_money_and_days_are_shown_as_a_paper_writes_them() -> None:
    """Pence show as pounds (pence only when there are some); days and times in London."""
    assert [money(p) for p in (8_960_400, 1_250, 1, None)] == ["£89,604", "£12.50", "£0.01", "-"]
    assert uk_date("2018-09-01") == "1 September 2018"
    assert london_time("2018-07-04T13:00:00Z") == "4 July 2018 14:00"
    assert london_time("2018-12-04T14:00:00Z") == "4 December 2018 14:00"
    assert uk_date("2018-07-04T23:30:00Z") == "5 July 2018"


def test_ids_may_be_repeated_or_comma_separated() -> None:
    """--present a,b --present c gives a, b, c in order."""
    assert split_ids(["a,b", " c ", ""]) == ["a", "b", "c"]


def test_statuses_map_to_exit_codes_and_problems_read_as_one_message() -> None:
    """401/403 are 4, 404 is 5, 409 is 3, 422 is 2, 5xx is 1; a Problem names its rule."""
    assert [exit_code_for(s) for s in (401, 403, 404, 409, 422, 500, 503)] == [
        ExitCode.not_allowed,
        ExitCode.not_allowed,
        ExitCode.not_found,
        ExitCode.refused,
        ExitCode.invalid,
        ExitCode.failed,
        ExitCode.failed,
    ]
    problem = '{"status": 409, "error": "refused", "message": "No.", "rule": "r-1"}'
    assert describe_problem(409, problem) == "No. [r-1]"
    assert describe_problem(502, "<html>Bad gateway</html>") == "HTTP 502: <html>Bad gateway</html>"


def _resolves(command: str) -> bool:
    found: Any = typer.main.get_command(app)
    for name in command.split()[1:]:
        subcommands = getattr(found, "commands", {})
        if name not in subcommands:
            return False
        found = subcommands[name]
    return True


def test_every_transition_command_exists() -> None:
    """The command named for each request and meeting transition is a real forum command."""
    for command in (*REQUEST_COMMANDS.values(), *MEETING_COMMANDS.values()):
        assert _resolves(command), command
    assert not _resolves("forum meeting adjourn")
