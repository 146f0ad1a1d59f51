"""``python -m devtools cluster``: the production topology until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from devtools.cluster.binaries import ensure_cluster_binaries
from devtools.cluster.temporal import ServerPorts
from devtools.cluster.topology import Cluster, ClusterPorts
from worker.run import stop_event_on_signals

DEFAULT_ROOT = Path(".data") / "cluster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The cluster command's options."""
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes to run (default 2)"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help=f"where the database, logs and outbox live (default {DEFAULT_ROOT})",
    )
    parser.add_argument(
        "--postgres-port", type=int, default=5433, help="PostgreSQL's port (default 5433)"
    )
    parser.add_argument(
        "--temporal-port", type=int, default=7233, help="Temporal frontend (default 7233)"
    )
    parser.add_argument("--ui-port", type=int, default=8233, help="Web UI (default 8233)")
    parser.add_argument("--api-port", type=int, default=8000, help="HTTP API (default 8000)")


async def run_cluster(args: argparse.Namespace) -> None:
    """Build (or find) the binaries, start everything, wait for Ctrl-C, stop in order."""
    if args.workers < 1:
        raise SystemExit("--workers must be at least 1")
    stop = stop_event_on_signals()
    began = time.monotonic()
    binaries = await asyncio.to_thread(ensure_cluster_binaries)
    ports = ClusterPorts(
        postgres=args.postgres_port,
        temporal=ServerPorts(frontend_grpc=args.temporal_port),
        ui=args.ui_port,
        api=args.api_port,
    )
    cluster = Cluster(binaries, args.root, workers=args.workers, ports=ports)
    try:
        await cluster.start()
        register = make_url(cluster.register_url).render_as_string(hide_password=True)
        print(f"PostgreSQL: 127.0.0.1:{ports.postgres} (register and users: {register})")
        print(f"Temporal server: {cluster.server.address}  namespace {cluster.namespace}")
        if cluster.ui is not None:
            print(f"Temporal Web UI: {cluster.ui.url}")
        print(f"Workers: {len(cluster.workers)} (logs in {cluster.logs})")
        print(f"HTTP API: {cluster.api_url}  (OpenAPI: {cluster.api_url}/docs)")
        print(
            f"Started in {time.monotonic() - began:.1f}s "
            f"(build {binaries.built_seconds}s; steps {cluster.timings}); Ctrl-C stops it",
            flush=True,
        )
        await stop.wait()
    finally:
        await cluster.stop()
