"""``python -m bench``: run the benchmarks, print a table, write JSON.

The dev server (the Temporal CLI's, started as the tests start it: in-memory SQLite
unless ``--dev-db`` names a file, headless, with forumflow's search attributes)
serves the latency, lifecycle, memory and listing benchmarks; the Java
time-skipping test server serves the two-year benchmark. Both binaries come from
``devtools.toolchain``.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.harness import FULL, QUICK, Server, Sizes
from bench.machine import machine, versions
from bench.measure import load_average
from bench.pages import FULL_PAGES, QUICK_PAGES, web_pages
from bench.report import BenchmarkResult, document, table, write_json
from bench.source import snapshot
from bench.suite import latency, lifecycles, memory_and_listing
from bench.timeskip import timeskip
from bench.votes import FULL_VOTES, QUICK_VOTES, web_votes
from config.logs import configure_logging
from contracts import search_attributes
from devtools.devserver import dynamic_config_args
from devtools.toolchain import ToolchainError, ensure_temporal_cli

BENCHMARKS = ("latency", "lifecycles", "memory", "timeskip", "listing", "pages", "votes")
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUTPUT = RESULTS / "latest.json"
QUICK_OUTPUT = RESULTS / "quick.json"
NAMESPACE = "bench"


def _progress(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


BENCHMARK_KEYS = (
    "update_latency",
    "lifecycles_per_second",
    "memory_per_open_request",
    "two_year_timeskip",
    "list_by_stage",
    "web_pages",
    "web_votes",
)


class Recorder:
    """Collects results and rewrites the JSON after each benchmark, so a run that
    fails or is stopped part-way still leaves what it measured."""

    def __init__(self, output: Path, header: dict[str, Any], sizes: Sizes, started: float) -> None:
        self.output = output
        self.header = header
        self.sizes = sizes
        self.results: list[BenchmarkResult] = []
        self._started = started

    def add(self, *results: BenchmarkResult) -> None:
        """Keep ``results`` and write everything so far (marked incomplete)."""
        self.results += results
        self.write(complete=False)

    def ordered(self) -> list[BenchmarkResult]:
        """The results in the fixed order of BENCHMARK_KEYS."""
        order = {key: index for index, key in enumerate(BENCHMARK_KEYS)}
        return sorted(self.results, key=lambda result: order[result.key])

    def write(self, *, complete: bool) -> None:
        """Write the JSON document."""
        header = {
            **self.header,
            "complete": complete,
            "total_seconds": round(time.perf_counter() - self._started, 1),
            "load_average_at_end": load_average(),
        }
        write_json(self.output, document(self.ordered(), header, self.sizes))


async def run(
    chosen: tuple[str, ...],
    sizes: Sizes,
    work_dir: Path,
    recorder: Recorder,
    dev_db: Path | None = None,
) -> None:
    """Run the chosen benchmarks in a fixed order, each within the time limit."""
    # SIGTERM cancels the run like Ctrl-C does, so workers and servers are still stopped.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    limit = sizes.time_limit_seconds
    source_dir = work_dir / "source"
    recorder.header["source"] = snapshot(source_dir)
    if {"latency", "lifecycles", "memory", "listing", "pages", "votes"} & set(chosen):
        cli = ensure_temporal_cli()
        if cli is None:
            raise ToolchainError("no Temporal CLI: install Go so scripts/setup can build it")
        dev = await WorkflowEnvironment.start_local(
            namespace=NAMESPACE,
            data_converter=pydantic_data_converter,
            dev_server_existing_path=str(cli.path),
            dev_server_database_filename=str(dev_db) if dev_db else None,
            search_attributes=search_attributes.ALL,
            dev_server_log_level="error",
            dev_server_startup_timeout=timedelta(seconds=120),
            dev_server_extra_args=dynamic_config_args(),
        )
        try:
            server = Server(dev.client, NAMESPACE, work_dir, source_dir)
            if "latency" in chosen:
                _progress("update latency")
                async with asyncio.timeout(limit):
                    recorder.add(await latency(server, sizes))
            if "lifecycles" in chosen:
                _progress("lifecycles per second")
                async with asyncio.timeout(limit):
                    recorder.add(await lifecycles(server, sizes))
            if {"memory", "listing"} & set(chosen):
                _progress(f"memory per open request and listing ({max(sizes.open_counts):,})")
                async with asyncio.timeout(limit):
                    recorder.add(
                        *await memory_and_listing(
                            server, sizes, memory="memory" in chosen, listing="listing" in chosen
                        )
                    )
            if "pages" in chosen:
                _progress("web pages against the API's JSON")
                page_sizes = QUICK_PAGES if sizes is QUICK else FULL_PAGES
                async with asyncio.timeout(limit):
                    recorder.add(await web_pages(server, work_dir, page_sizes))
            if "votes" in chosen:
                _progress("20 members voting by the web form against the API's JSON")
                vote_sizes = QUICK_VOTES if sizes is QUICK else FULL_VOTES
                async with asyncio.timeout(limit):
                    recorder.add(await web_votes(server, work_dir, vote_sizes))
        finally:
            await dev.shutdown()
    if "timeskip" in chosen:
        _progress("two-year lifecycle on the time-skipping server")
        async with asyncio.timeout(limit):
            recorder.add(await timeskip(sizes, work_dir, source_dir))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON file (default {DEFAULT_OUTPUT}, or {QUICK_OUTPUT} with --quick, so a "
        "quick check never overwrites the figures of a full run)",
    )
    parser.add_argument(
        "--dev-db",
        type=Path,
        default=None,
        help="run the dev server on this SQLite file (as `scripts/run` does) instead of in memory",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="keep worker logs and registers here (default: a temporary directory, removed)",
    )
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {', '.join(BENCHMARKS)}",
    )
    args = parser.parse_args(argv)
    chosen = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown or not chosen:
        parser.error(f"--only takes some of {', '.join(BENCHMARKS)}; got {args.only!r}")
    args.chosen = chosen
    if args.output is None:
        args.output = QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench``."""
    args = parse_args(argv)
    configure_logging("WARNING")
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    header: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", "-m", "bench", *(argv or sys.argv[1:])]),
        "quick": args.quick,
        "dev_server_database": str(args.dev_db) if args.dev_db else "in-memory",
        "machine": machine(),
    }
    cli = ensure_temporal_cli()
    header["versions"] = versions(cli.path if cli else None)
    recorder = Recorder(args.output, header, sizes, started)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(args.chosen, sizes, args.work_dir, recorder, args.dev_db))
    else:
        with tempfile.TemporaryDirectory(prefix="forumflow-bench-") as work_dir:
            asyncio.run(run(args.chosen, sizes, Path(work_dir), recorder, args.dev_db))
    recorder.write(complete=True)
    results = recorder.ordered()
    print(table(results))
    total = time.perf_counter() - started
    print(f"\ntotal {total:.1f} s; JSON in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
