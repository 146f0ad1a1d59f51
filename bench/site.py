"""The application the web benchmarks time: the API and the pages composed as the run
command composes them, over one forumflow worker in a process of its own and a database
file of the run's own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from api.services import ApiServices
from bench.harness import Server
from bench.processes import BenchWorker, bench_worker
from config.settings import Settings
from storage.accounts import NewUser, User, UserDirectory
from storage.register import DecisionRegister
from web.services import WebServices


@dataclass(frozen=True)
class BenchSite:
    """What a web benchmark drives and reads."""

    api: ApiServices
    web: WebServices
    directory: UserDirectory
    worker: BenchWorker
    users: tuple[User, ...]
    started: float
    """When the worker was started (``time.perf_counter``), for the setup's time."""


@asynccontextmanager
async def bench_site(
    server: Server,
    work_dir: Path,
    name: str,
    *,
    max_cached: int,
    people: Iterable[NewUser],
) -> AsyncIterator[BenchSite]:
    """The site for the benchmark ``name`` (a run of its own under ``work_dir``), with
    ``people`` able to sign in; its worker stopped and its stores closed on the way out."""
    data_dir = work_dir / name
    data_dir.mkdir(parents=True)
    worker = bench_worker(
        "forumflow",
        address=server.address,
        namespace=server.namespace,
        task_queue=f"bench-{name}",
        data_dir=data_dir / "worker",
        max_cached=max_cached,
        source_dir=server.source_dir,
    )
    database = f"sqlite:///{data_dir / 'site.sqlite3'}"
    settings = Settings(register_url=database, mail_enabled=False, annual_review_schedule=False)
    register = DecisionRegister(database)
    directory = UserDirectory(database)
    started = time.perf_counter()
    worker.process.start()
    try:
        await worker.process.wait_ready()
        await asyncio.to_thread(register.create_schema)
        users = tuple(directory.add(person) for person in people)
        api = ApiServices.build(
            settings,
            server.client,
            task_queue=worker.task_queue,
            register=register,
            directory=directory,
        )
        web = WebServices.build(settings, directory, api.requests, api.meetings)
        try:
            yield BenchSite(api, web, directory, worker, users, started)
        finally:
            web.close()
    finally:
        await asyncio.to_thread(worker.process.stop, 60.0)
        directory.close()
        register.close()
