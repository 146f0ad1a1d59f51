"""``python -m bench.cluster``: what one full request lifecycle costs on the production topology.

On the cluster of ``devtools.cluster`` (PostgreSQL, the Temporal server built from
Go, one worker, the API, each its own process), requests are driven from draft to
closed through the API by the reliability tests' journeys, ``--concurrency`` at a
time. Around the measured batch it reads, from /proc and PostgreSQL's statistics:

- CPU seconds per lifecycle in the worker, the Temporal server, PostgreSQL (its
  backends, including those that exited) and the API;
- history events per lifecycle (the requests' own histories);
- rows written (inserted, updated, deleted) per lifecycle in each database, and the
  tables that take most of them;
- the worker's resident memory per request held in its workflow cache, from a second
  batch of requests left open (tabled) in the cache.

The meeting is in the past, so every tabled request's deadlines are overdue at once and
its notices are mailed (to a recording SMTP server) inside the measured batch, as a
request's reminders and escalations would be over its weeks. Results go to
``bench/results/cluster.json``; docs/performance.md reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.machine import machine, versions
from bench.measure import load_average, rss_kib
from config.logs import configure_logging
from devtools.cluster.binaries import (
    TEMPORAL_SERVER_VERSION,
    UI_SERVER_VERSION,
    ensure_cluster_binaries,
)
from devtools.cluster.topology import Cluster
from devtools.seeds import MEMBERS
from domain.request.decision import VoteChoice
from tests.cluster.conftest import RunningCluster, running_cluster
from tests.cluster.workload import OVERDUE
from tests.lifecycle.drive import new_reference
from tests.reliability.journeys import Caller, Journey
from tests.reliability.test_worker_killed import Ending, Plan, draft_and_table, meet_and_decide
from tests.smtp import RecordingSmtpServer

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUTPUT = RESULTS / "cluster.json"
DATABASES = ("temporal", "temporal_visibility", "forumflow")
_TICK = os.sysconf("SC_CLK_TCK")
_F, _A, _X = VoteChoice.for_, VoteChoice.against, VoteChoice.abstain


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User + system CPU of a process (and of its exited, waited-for children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command: state is fields[0], utime fields[11], stime [12], cutime [13], cstime [14].
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def postgres_cpu(cluster: Cluster) -> float:
    """The postmaster, its live backends, and (through cutime) the backends that exited."""
    postmaster = cluster.postgres.postmaster_pid()
    if postmaster is None:
        raise RuntimeError("PostgreSQL is not running")
    total = cpu_seconds(postmaster, with_children=True)
    for child in children_of(postmaster):
        try:
            total += cpu_seconds(child)
        except OSError:
            continue  # exited between the listing and the read; cutime has it next time
    return total


@dataclass(frozen=True)
class Snapshot:
    """Counters at one instant."""

    worker_cpu: float
    server_cpu: float
    postgres_cpu: float
    api_cpu: float
    rows_written: dict[str, int]
    table_rows: dict[str, int]
    database_bytes: dict[str, int]
    mailed: int


def rows_written(cluster: Cluster) -> tuple[dict[str, int], dict[str, int]]:
    """Rows inserted + updated + deleted so far, per database and per table."""
    per_database: dict[str, int] = {}
    per_table: dict[str, int] = {}
    for database in DATABASES:
        out = cluster.postgres.sql(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) || '|' || "
            "coalesce(string_agg(relname || '=' || (n_tup_ins + n_tup_upd + n_tup_del), ','), '') "
            "FROM pg_stat_user_tables",
            database,
        )
        total, _, tables = out.partition("|")
        per_database[database] = int(total)
        for pair in filter(None, tables.split(",")):
            name, _, count = pair.partition("=")
            per_table[f"{database}.{name}"] = int(count)
    return per_database, per_table


def database_bytes(cluster: Cluster) -> dict[str, int]:
    """Each database's size on disk."""
    return {
        database: int(cluster.postgres.sql(f"SELECT pg_database_size('{database}')"))
        for database in DATABASES
    }


async def snapshot(cluster: Cluster, smtp: RecordingSmtpServer) -> Snapshot:
    # Backends flush their statistics about once a second; give the last ones time.
    await asyncio.sleep(2.5)
    databases, tables = await asyncio.to_thread(rows_written, cluster)
    return Snapshot(
        worker_cpu=cpu_seconds(cluster.workers[0].pid),
        server_cpu=cpu_seconds(cluster.server.pid),
        postgres_cpu=postgres_cpu(cluster),
        api_cpu=cpu_seconds(cluster.api.pid),
        rows_written=databases,
        table_rows=tables,
        database_bytes=await asyncio.to_thread(database_bytes, cluster),
        mailed=smtp.count,
    )


def closed_plans(caller: Caller, count: int) -> list[Plan]:
    """``count`` requests meant to go the whole way: approved, minuted, evaluated, closed."""
    return [
        Plan(
            journey=Journey(caller, OVERDUE, new_reference()),
            ending=Ending.closed,
            members=MEMBERS[:5],
            present=MEMBERS[:5],
            votes=(_F, _F, _A, _X, _F),
        )
        for _ in range(count)
    ]


async def bounded(
    concurrency: int, plans: list[Plan], step: Callable[[Plan], Awaitable[None]]
) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(plan: Plan) -> None:
        async with gate:
            await step(plan)

    await asyncio.gather(*(one(plan) for plan in plans))


async def whole_life(plan: Plan) -> None:
    await draft_and_table(plan)
    await meet_and_decide(plan)


async def measure(
    running: RunningCluster, smtp: RecordingSmtpServer, args: argparse.Namespace
) -> dict[str, Any]:
    cluster = running.cluster
    caller = Caller(running.api, attempt_seconds=120)
    await bounded(args.concurrency, closed_plans(caller, 5), whole_life)  # warm-up

    before = await snapshot(cluster, smtp)
    plans = closed_plans(caller, args.lifecycles)
    began = time.monotonic()
    await bounded(args.concurrency, plans, whole_life)
    wall = time.monotonic() - began
    after = await snapshot(cluster, smtp)

    client = cluster.client_or_fail()
    events = [
        len((await client.get_workflow_handle(p.journey.reference).fetch_history()).events)
        for p in plans
    ]
    calls = sum(plan.journey.accepted for plan in plans)
    count = len(plans)

    def per(value: float) -> float:
        return round(value / count, 4)

    tables = {
        name: after.table_rows[name] - before.table_rows.get(name, 0) for name in after.table_rows
    }
    busiest = dict(sorted(tables.items(), key=lambda item: -item[1])[:8])

    # Memory: requests left tabled stay in the worker's cache (sticky), one each.
    rss_before = rss_kib(cluster.workers[0].pid)
    held = closed_plans(caller, args.cached)
    await bounded(args.concurrency, held, draft_and_table)
    await asyncio.sleep(2)
    rss_after = rss_kib(cluster.workers[0].pid)

    return {
        "lifecycles": count,
        "concurrency": args.concurrency,
        "api_calls_per_lifecycle": calls / count,
        "wall_seconds": round(wall, 1),
        "lifecycles_per_second": round(count / wall, 2),
        "cpu_seconds_per_lifecycle": {
            "worker": per(after.worker_cpu - before.worker_cpu),
            "temporal_server": per(after.server_cpu - before.server_cpu),
            "postgresql": per(after.postgres_cpu - before.postgres_cpu),
            "api": per(after.api_cpu - before.api_cpu),
        },
        "history_events_per_lifecycle": round(sum(events) / count, 1),
        "rows_written_per_lifecycle": {
            database: per(after.rows_written[database] - before.rows_written[database])
            for database in DATABASES
        },
        "busiest_tables_rows_per_lifecycle": {name: per(rows) for name, rows in busiest.items()},
        "database_bytes_per_lifecycle": {
            database: per(after.database_bytes[database] - before.database_bytes[database])
            for database in DATABASES
        },
        "notices_mailed_per_lifecycle": per(after.mailed - before.mailed),
        "cached_requests": len(held),
        "worker_rss_kib_before_cache": rss_before,
        "worker_rss_kib_after_cache": rss_after,
        "worker_kib_per_cached_request": round((rss_after - rss_before) / len(held), 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    binaries = await asyncio.to_thread(ensure_cluster_binaries)
    root = Path(tempfile.mkdtemp(prefix="forumflow-bench-cluster-"))
    with RecordingSmtpServer() as smtp, contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        # INFO logs, as docker-compose.yml runs them (readiness is read from them too).
        async with running_cluster(binaries, root, smtp, workers=1) as running:
            results = await measure(running, smtp, args)
            results["cluster_start_seconds"] = running.cluster.timings
            running_postgres = running.cluster.postgres.sql("SHOW server_version")
    return {
        "benchmark": "cluster",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "versions": {
            **versions(None),
            "temporal_server": TEMPORAL_SERVER_VERSION,
            "temporal_ui_server": UI_SERVER_VERSION,
            "postgresql": running_postgres,
        },
        "load_average_after": load_average(),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--lifecycles", type=int, default=100, help="measured lifecycles")
    parser.add_argument("--concurrency", type=int, default=20, help="lifecycles at a time")
    parser.add_argument("--cached", type=int, default=300, help="requests held for memory")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    configure_logging("WARNING", "console")
    report = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["results"], indent=2))
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
