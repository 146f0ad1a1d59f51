"""Running a worker until SIGINT/SIGTERM, shutting it down cleanly."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

import structlog
from temporalio.client import Client

from adapters.outbox import Outbox, embedded_outbox
from clients.connection import connect
from clients.digest_schedule import daily_digest_schedule_id, ensure_daily_digest_schedule
from clients.schedules import annual_review_schedule_id, ensure_annual_review_schedule
from config.logs import configure_logging
from config.settings import Settings
from worker.app import WorkerDependencies, build_worker

log = structlog.get_logger(__name__)


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so shutdown is orderly, not a traceback."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def serve(
    client: Client,
    settings: Settings,
    stop: asyncio.Event,
    *,
    outbox: Outbox | None = None,
    **ready_fields: object,
) -> None:
    """Run the worker until ``stop`` is set, after making sure the yearly Schedule exists.

    ``outbox``: the running embedded outbox notices go to when no mail relay is set.
    """
    if settings.annual_review_schedule:
        await ensure_annual_review_schedule(
            client,
            task_queue=settings.task_queue,
            decision_month=settings.dsg_decision_month,
            schedule_id=annual_review_schedule_id(settings.temporal_namespace),
        )
    if settings.keeps_daily_digest_schedule:
        await ensure_daily_digest_schedule(
            client,
            task_queue=settings.task_queue,
            hour=settings.digest_hour,
            schedule_id=daily_digest_schedule_id(settings.temporal_namespace),
        )
    worker = build_worker(
        client,
        settings.task_queue,
        WorkerDependencies.from_settings(settings, outbox=outbox),
        max_cached_workflows=settings.worker_max_cached_workflows,
        sticky_queue_timeout=timedelta(seconds=settings.worker_sticky_queue_timeout_seconds),
    )
    async with worker:
        log.info(
            "worker ready",
            task_queue=settings.task_queue,
            namespace=settings.temporal_namespace,
            address=settings.temporal_address,
            **ready_fields,
        )
        await stop.wait()
        log.info("worker stopping")


async def run_worker_until_stopped(settings: Settings | None = None) -> None:
    """Connect to the configured Temporal server and poll until asked to stop."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    stop = stop_event_on_signals()
    with embedded_outbox(settings) as outbox:
        if outbox is not None:
            log.info("mail goes to the outbox", outbox=str(outbox.directory))
        await serve(await connect(settings), settings, stop, outbox=outbox)
