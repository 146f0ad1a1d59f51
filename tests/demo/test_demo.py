"""The demo (``python -m devtools demo``) walks both seed cases through the API.

It runs once for the module, on its own throwaway dev server, exactly as the demo
command runs it; the tests read what it printed and the report it returned.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest

from devtools import seeds
from devtools.demo import run_demo
from devtools.demo_forum import DemoReport
from devtools.toolchain import ensure_temporal_cli

MIDDLESBROUGH = seeds.MIDDLESBROUGH_REFERENCE
STAFFORDSHIRE = seeds.STAFFORDSHIRE_REFERENCE


@dataclass(frozen=True)
class DemoRun:
    output: str
    report: DemoReport

    def section(self, title: str) -> str:
        """The lines under ``== title ==``, up to the next section."""
        after = self.output.split(f"== {title}", 1)[1]
        return after.split("\n== ", 1)[0]

    def line_with(self, *parts: str) -> str:
        """The one output line holding every part."""
        found = [line for line in self.output.splitlines() if all(p in line for p in parts)]
        assert len(found) == 1, (parts, found)
        return found[0]


@pytest.fixture(scope="module")
async def demo() -> DemoRun:
    if ensure_temporal_cli() is None:
        pytest.skip("no Go toolchain to build the Temporal CLI")
    out = io.StringIO()
    report = await run_demo(out)
    return DemoRun(output=out.getvalue(), report=report)


def test_both_cases_reach_evaluation_with_minutes_confirmed(demo: DemoRun) -> None:
    """Both requests end in evaluation: approved, minuted with a source, minutes confirmed."""
    assert demo.report.stages == {MIDDLESBROUGH: "evaluation", STAFFORDSHIRE: "evaluation"}
    standing = demo.section("Where each request stands")
    assert f"{MIDDLESBROUGH}: stage evaluation" in standing
    assert f"{STAFFORDSHIRE}: stage evaluation" in standing
    assert "confirm_minutes [minuted -> evaluation]" in demo.line_with("26 September 2018")
    assert "confirm_minutes [minuted -> evaluation]" in demo.line_with("12 June 2019")


def test_the_rules_refusals_appear_with_status_and_rule(demo: DemoRun) -> None:
    """Tabling without a named option, a sourceless minute, a member tabling, an inquorate vote."""
    refused = [(r.reference, r.action, r.status, r.rule) for r in demo.report.refusals]
    assert refused == [
        (MIDDLESBROUGH, "table", 409, "tabling-requires-specific-option"),
        (MIDDLESBROUGH, "record_minute", 409, "minute-requires-funding-source"),
        (STAFFORDSHIRE, "table", 403, "role-not-permitted"),
        (STAFFORDSHIRE, "open_vote", 409, "meeting-inquorate"),
    ]
    assert "table REFUSED, 409 tabling-requires-specific-option" in demo.output
    assert "record_minute REFUSED, 409 minute-requires-funding-source" in demo.output
    summary = demo.section("Refusals the rules produced")
    assert "recommendation names no funding option" in summary
    assert "the minute names no agreed funding option" in summary
    assert "5 of 20 members are recorded present, and the quorum is 8" in summary


def test_register_names_each_source_and_amount(demo: DemoRun) -> None:
    """The register at the end says where each approved pound comes from, in pounds."""
    register = demo.section("The decision register")
    middlesbrough = next(line for line in register.splitlines() if MIDDLESBROUGH in line)
    assert "4 July 2018" in middlesbrough
    assert "approved_as_amended" in middlesbrough
    assert "centrally retained budget" in middlesbrough
    assert "£89,604" in middlesbrough
    assert middlesbrough.rstrip().endswith(" confirmed")
    staffordshire = next(line for line in register.splitlines() if STAFFORDSHIRE in line)
    assert "DSG central school services block" in staffordshire
    assert "£1,000,000" in staffordshire
    sources = {
        (entry.request_ref, option.source, option.amount_pence)
        for entry in demo.report.register
        for option in entry.agreed_options
    }
    assert sources == {
        (MIDDLESBROUGH, "centrally_retained", seeds.TOTAL_PENCE),
        (STAFFORDSHIRE, "dsg_central_school_services", seeds.STAFFORDSHIRE_TOTAL_PENCE),
    }


def test_timeline_uses_uk_dates_and_the_procurement_plan(demo: DemoRun) -> None:
    """Dates read as in the papers (4 July 2018), never ISO; the 003 plan names its dates."""
    assert demo.line_with("4 July 2018", "close_vote [voting -> decided]")
    assert "20 March 2019" in demo.line_with("20 March 2019", "cast_vote (15 for, 1 abstain)")
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", demo.output), "an ISO date reached the output"
    plan = " ".join(demo.output.split("the engine's warning", 1)[1].split("\n  by ", 1)[0].split())
    assert "must decide by 1 April 2019" in plan
    assert "at the 20 March 2019 meeting with papers published by 12 March 2019" in plan
    assert "The annual DSG decision on 1 October 2019 would be six months too late" in plan


def test_no_token_is_printed(demo: DemoRun) -> None:
    """Tokens are minted for every user but never appear in the output."""
    assert "ff_" not in demo.output
    assert "never printed" in demo.output
