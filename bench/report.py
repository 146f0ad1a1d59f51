"""Benchmark results: each figure next to its baseline and their ratio, as a table and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.measure import ratio

SCHEMA = "forumflow-bench/1"


@dataclass(frozen=True)
class Goal:
    """A limit on the ratio forumflow/baseline, or on forumflow's own figure."""

    limit: float
    on: Literal["ratio", "forumflow"] = "ratio"

    def met(self, metric: Metric) -> bool | None:
        """Whether ``metric`` meets the goal (None when there is no ratio to judge)."""
        value = metric.ratio if self.on == "ratio" else metric.forumflow
        if value is None:
            return None
        return value <= self.limit if metric.better == "lower" else value >= self.limit

    def text(self, better: Literal["lower", "higher"] = "lower") -> str:
        """E.g. ``ratio <= 1.5``, or ``ratio >= 0.9`` for a figure where higher is better."""
        return f"{self.on} {'<=' if better == 'lower' else '>='} {self.limit:g}"


def significant(value: float, digits: int = 6) -> float:
    """``value`` to ``digits`` significant figures: a fixed number of decimals would turn
    a small figure (seconds of a short step) into one the ratio no longer agrees with."""
    return float(f"{value:.{digits}g}")


@dataclass(frozen=True)
class Metric:
    """One figure, measured for forumflow and for the baseline in the same run."""

    name: str
    unit: str
    forumflow: float
    baseline: float
    better: Literal["lower", "higher"] = "lower"
    goal: Goal | None = None

    @property
    def ratio(self) -> float | None:
        """forumflow / baseline."""
        return ratio(self.forumflow, self.baseline)

    def as_json(self) -> dict[str, Any]:
        """The metric with its ratio and goal verdict, as plain data."""
        return {
            "name": self.name,
            "unit": self.unit,
            "forumflow": significant(self.forumflow),
            "baseline": significant(self.baseline),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "better": self.better,
            "goal": None if self.goal is None else self.goal.text(self.better),
            "goal_met": None if self.goal is None else self.goal.met(self),
        }


@dataclass
class BenchmarkResult:
    """One benchmark: its metrics, what the baseline is, and how long it took."""

    key: str
    title: str
    baseline: str
    metrics: list[Metric] = field(default_factory=list)
    setup_seconds: float = 0.0
    seconds: float = 0.0
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The benchmark as plain data."""
        return {
            "key": self.key,
            "title": self.title,
            "baseline": self.baseline,
            "metrics": [metric.as_json() for metric in self.metrics],
            "setup_seconds": round(self.setup_seconds, 2),
            "seconds": round(self.seconds, 2),
            "load_average_before": self.load_before,
            "load_average_after": self.load_after,
            "details": self.details,
        }


def document(results: list[BenchmarkResult], header: dict[str, Any], sizes: Any) -> dict[str, Any]:
    """The whole run as one JSON document."""
    return {
        "schema": SCHEMA,
        **header,
        "sizes": asdict(sizes),
        "benchmarks": [result.as_json() for result in results],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON, creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def _figure(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def table(results: list[BenchmarkResult]) -> str:
    """A plain-text table of every metric: forumflow, baseline, ratio, goal."""
    rows = [("benchmark", "metric", "forumflow", "baseline", "ratio", "goal", "met")]
    for result in results:
        for metric in result.metrics:
            data = metric.as_json()
            met = data["goal_met"]
            rows.append(
                (
                    result.key,
                    f"{metric.name} ({metric.unit}, {metric.better} is better)",
                    _figure(metric.forumflow),
                    _figure(metric.baseline),
                    _figure(metric.ratio),
                    data["goal"] or "",
                    "" if met is None else ("yes" if met else "NO"),
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
