"""The benchmark command runs at tiny sizes and writes the JSON it promises.

Only that it runs and what it reports are checked here; speed and memory are
measured by the benchmarks themselves, never asserted in tests.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import BENCHMARK_KEYS, parse_args
from bench.report import SCHEMA

ROOT = Path(__file__).resolve().parents[2]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_quick_benchmarks_emit_valid_json(tmp_path: Path) -> None:
    """``python -m bench --quick`` measures every benchmark and writes well-formed JSON."""
    output = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--output",
            str(output),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    data = json.loads(output.read_text())

    assert data["schema"] == SCHEMA
    assert data["quick"] is True
    assert data["complete"] is True
    assert data["machine"]["cores"] >= 1
    assert data["versions"]["temporalio"].startswith("1.35")
    assert [b["key"] for b in data["benchmarks"]] == list(BENCHMARK_KEYS)
    for benchmark in data["benchmarks"]:
        assert benchmark["baseline"], f"{benchmark['key']} says what its baseline is"
        assert benchmark["metrics"], f"{benchmark['key']} reports figures"
        # The pages (and the vote form) and the API's JSON they are compared with share one
        # forumflow worker.
        one_worker = benchmark["key"] in ("web_pages", "web_votes")
        workers = {"forumflow"} if one_worker else {"forumflow", "baseline"}
        if benchmark["key"] == "memory_per_open_request":
            workers.add("baseline_keeping")
        assert set(benchmark["details"]["worker_log_lines"]) == workers
        for metric in benchmark["metrics"]:
            assert _number(metric["forumflow"])
            assert _number(metric["baseline"])
            if metric["baseline"] == 0:
                # Possible for memory at tiny sizes: the RSS did not move.
                assert metric["ratio"] is None
            else:
                assert metric["ratio"] == pytest.approx(
                    metric["forumflow"] / metric["baseline"], rel=1e-2, abs=1e-3
                )
            assert metric["better"] in ("lower", "higher")
    goals = {m["name"]: m["goal"] for m in data["benchmarks"][0]["metrics"]}
    payload = ", vs a baseline carrying the same payloads"
    assert goals == {
        "p50": "ratio <= 1.15",
        "p99": "ratio <= 1.2",
        f"p50{payload}": "ratio <= 1.15",
        f"p99{payload}": "ratio <= 1.2",
    }
    for metric in data["benchmarks"][0]["metrics"]:
        assert isinstance(metric["goal_met"], bool)
    (lifecycles,) = (b for b in data["benchmarks"] if b["key"] == "lifecycles_per_second")
    # Each level is compared with the bare baseline and with two writing the same rows.
    levels = lifecycles["details"]["levels"]
    same_rows = [m for m in lifecycles["metrics"] if m["name"].endswith("writing the same rows")]
    by_activity = [m for m in lifecycles["metrics"] if m["name"].endswith("through an activity")]
    same_history = [m for m in lifecycles["metrics"] if m["name"].endswith("history events")]
    assert len(same_rows) == len(by_activity) == len(same_history) == len(levels)
    assert len(lifecycles["metrics"]) == 4 * len(levels)
    for metric in same_rows + by_activity + same_history:
        assert metric["forumflow"] > 0
        assert metric["baseline"] > 0
    assert {m["goal"] for m in lifecycles["metrics"]} == {"ratio >= 0.9"}
    for level in levels:
        assert level["seconds"]["baseline_register"] > 0
        assert level["seconds"]["baseline_register_activity"] > 0
        # CPU per lifecycle of the side's worker, the dev server and the client, each side.
        cpu = level["cpu_ms_per_lifecycle"]
        assert set(cpu) == set(level["seconds"])
        for used in cpu.values():
            assert set(used) == {"worker", "server", "client"}
            assert all(ms > 0 for ms in used.values())
    assert lifecycles["details"]["register_baseline"]
    # The last baseline's history has forumflow's upserts, timers and patch markers.
    events = lifecycles["details"]["history_events_of_one_lifecycle"]
    shaped = ("upsert_workflow_search_attributes", "timer_started", "timer_canceled")
    for kind in (*shaped, "marker_recorded", "workflow_execution_update_accepted"):
        assert events["baseline_same_history"].get(kind) == events["forumflow"].get(kind), kind
    assert all(events["forumflow"][kind] > 0 for kind in shaped)
    (memory,) = (b for b in data["benchmarks"] if b["key"] == "memory_per_open_request")
    # Each size is compared with the bare baseline and with one keeping the same payloads.
    keeping = [m for m in memory["metrics"] if m["name"].endswith("keeping the same payloads")]
    assert len(keeping) == len(memory["details"]["rss_kib"])
    assert len(memory["metrics"]) == 2 * len(keeping)
    assert {m["goal"] for m in memory["metrics"]} == {"ratio <= 1.35"}
    assert memory["details"]["keeping_baseline"]
    (two_years,) = (b for b in data["benchmarks"] if b["key"] == "two_year_timeskip")
    goal = "ratio <= 1.5"
    assert [m["goal"] for m in two_years["metrics"]] == [None, goal, goal, goal]
    for side in ("baseline_same_work", "baseline_same_work_by_activity"):
        same_work = two_years["details"]["wall_seconds"][side]
        assert same_work
        assert all(seconds > 0 for seconds in same_work)
    assert "forumflow" in completed.stdout
    assert "ratio" in completed.stdout


def test_unknown_benchmark_is_refused() -> None:
    """``--only`` names benchmarks from a fixed list; anything else is an error."""
    with pytest.raises(SystemExit):
        parse_args(["--only", "latency,warp-speed"])
    assert parse_args(["--only", "latency, listing"]).chosen == ("latency", "listing")


def test_quick_runs_never_overwrite_the_full_results() -> None:
    """Without ``--output``, a quick run writes quick.json and a full run latest.json."""
    assert parse_args(["--quick"]).output.name == "quick.json"
    assert parse_args([]).output.name == "latest.json"
