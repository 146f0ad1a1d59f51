"""Running a worker until SIGINT/SIGTERM, shutting it down cleanly."""

from __future__ import annotations

import asyncio
import signal

import structlog

from forumflow.client import connect
from forumflow.logs import configure_logging
from forumflow.settings import Settings
from worker.app import WorkerDependencies, build_worker

log = structlog.get_logger(__name__)


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so shutdown is orderly, not a traceback."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_worker_until_stopped(settings: Settings | None = None) -> None:
    """Connect to the configured Temporal server and poll until asked to stop."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    stop = stop_event_on_signals()
    client = await connect(settings)
    worker = build_worker(client, settings.task_queue, WorkerDependencies.from_settings(settings))
    async with worker:
        log.info("worker ready", task_queue=settings.task_queue, address=settings.temporal_address)
        await stop.wait()
        log.info("worker stopping")
