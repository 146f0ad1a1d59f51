"""A benchmark worker in a process of its own, so its memory can be read from /proc.

``python -m bench.worker --kind forumflow`` runs forumflow's real worker
(``worker.app.build_worker``: every workflow and activity, a decision register on a
SQLite file, notices to the log only); ``--kind baseline`` runs only the minimal
workflow, and the local activity with which it writes a register of its own (for the
lifecycles benchmark's baseline that writes forumflow's rows). Either prints READY on
stdout once polling, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from activities.notify import NotificationActivities
from bench.baseline_register import (
    BaselineRegisterActivities,
    notice_round_trip,
    register_url,
)
from bench.baseline_workflow import BaselineWorkflow
from config.logs import configure_logging
from storage.deliveries import DeliveryLog
from storage.register import DecisionRegister
from worker.app import STICKY_QUEUE_TIMEOUT, WorkerDependencies, build_worker
from worker.sandbox import workflow_runner

READY = "bench worker ready"
KINDS = ("forumflow", "baseline")


def forumflow_worker(client: Client, task_queue: str, data_dir: Path, max_cached: int) -> Worker:
    """forumflow's own worker, wired to a register in ``data_dir`` and with mail switched off."""
    register = DecisionRegister(f"sqlite:///{data_dir / 'register.sqlite3'}")
    register.create_schema()
    deliveries = DeliveryLog(register.engine, claim_lease=timedelta(minutes=5))
    deliveries.create_schema()
    deps = WorkerDependencies(
        register=register, notifications=NotificationActivities(None, deliveries)
    )
    return build_worker(client, task_queue, deps, max_cached_workflows=max_cached)


def baseline_worker(client: Client, task_queue: str, data_dir: Path, max_cached: int) -> Worker:
    """A worker running only the minimal workflow, with the same cache, sticky queue and sandbox,
    and its register-writing local activity on a register in ``data_dir``."""
    register = DecisionRegister(register_url(data_dir))
    register.create_schema()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[BaselineWorkflow],
        activities=[BaselineRegisterActivities(register).record, notice_round_trip],
        # A blocking database write, so in threads, as forumflow's worker runs its own.
        activity_executor=ThreadPoolExecutor(max_workers=8),
        max_cached_workflows=max_cached,
        sticky_queue_schedule_to_start_timeout=STICKY_QUEUE_TIMEOUT,
        # forumflow's sandbox, sharing the compiled code of the baseline's own module.
        workflow_runner=workflow_runner(("bench",)),
    )


async def serve(args: argparse.Namespace) -> None:
    """Poll until SIGTERM or SIGINT."""
    client = await Client.connect(
        args.address, namespace=args.namespace, data_converter=pydantic_data_converter
    )
    if args.kind == "forumflow":
        worker = forumflow_worker(client, args.task_queue, Path(args.data_dir), args.max_cached)
    else:
        worker = baseline_worker(client, args.task_queue, Path(args.data_dir), args.max_cached)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        print(READY, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.worker``."""
    parser = argparse.ArgumentParser(prog="bench.worker", description=__doc__)
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--max-cached", type=int, default=1000)
    args = parser.parse_args(argv)
    # Notices are logged at INFO; only problems are wanted on a benchmark's stderr.
    configure_logging("WARNING", "json")
    asyncio.run(serve(args))
    sys.stdout.flush()
    sys.stderr.flush()
    # The worker has shut down; skip interpreter finalization, during which the SDK's
    # native threads can still call into Python and abort the process noisily.
    os._exit(0)


if __name__ == "__main__":
    main()
