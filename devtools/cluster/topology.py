"""docker-compose.yml's topology as processes on this machine: PostgreSQL, the Temporal
server on it, the Web UI, N forumflow workers and the HTTP API, all on loopback.

``Cluster.start`` brings them up in compose's order (the database, its schemas, the
server, the namespace and search attributes, then the UI, the workers and the API) and
``stop`` takes them down in reverse. Everything lives under one directory, so a second
start on it finds the same workflows, register and users.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog
from temporalio.client import Client

from devtools.cluster.binaries import ClusterBinaries
from devtools.cluster.postgres import FORUMFLOW_ROLE, TEMPORAL_ROLE, ClusterPostgres
from devtools.cluster.temporal import (
    ServerPorts,
    TemporalServer,
    WebUi,
    ensure_namespace,
    free_port,
    setup_schema,
)
from devtools.worker_process import FORUMFLOW_READY, WorkerProcess

log = structlog.get_logger(__name__)

API_READY = "api ready"
"""What ``python -m forumflow api`` logs once it serves."""
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ClusterPorts:
    """Where each part listens: compose's published ports by default."""

    postgres: int = 5432
    temporal: ServerPorts = field(default_factory=ServerPorts)
    ui: int = 8233
    api: int = 8000

    @classmethod
    def free(cls) -> ClusterPorts:
        """Ports nothing listens on, for a cluster beside others (the tests')."""
        return cls(
            postgres=free_port(), temporal=ServerPorts.free(), ui=free_port(), api=free_port()
        )


class Cluster:
    """The production topology under ``root``: ``root/postgresql``, ``root/logs``, ...

    ``postgres_root`` may put the database elsewhere (the postgres user must be able to
    reach it). ``forumflow_env`` adds FORUMFLOW_* settings for the workers and the API;
    ``code`` is the checkout they run (this one unless a test deploys another version).
    """

    def __init__(
        self,
        binaries: ClusterBinaries,
        root: Path,
        *,
        workers: int = 2,
        ports: ClusterPorts | None = None,
        postgres_root: Path | None = None,
        forumflow_env: Mapping[str, str] | None = None,
        namespace: str = "forumflow",
        task_queue: str = "forumflow",
        with_ui: bool = True,
        code: Path = REPOSITORY,
    ) -> None:
        self.binaries = binaries
        self.root = root.resolve()
        self.ports = ports or ClusterPorts()
        self.namespace = namespace
        self.task_queue = task_queue
        self.postgres = ClusterPostgres(
            postgres_root or self.root / "postgresql", self.ports.postgres
        )
        self.server = TemporalServer(
            binaries.server,
            self.ports.postgres,
            self.ports.temporal,
            self.logs / "temporal-server.log",
            namespace=namespace,
        )
        self.ui = (
            WebUi(
                binaries.ui_server, self.root / "ui", self.ports.ui, self.server.address, namespace
            )
            if with_ui
            else None
        )
        self.forumflow_env = dict(forumflow_env or {})
        self.workers = [
            self.new_worker(f"worker-{number}", code=code) for number in range(1, workers + 1)
        ]
        self.api = self.new_api(code)
        self.client: Client | None = None
        self.timings: dict[str, float] = {}

    def client_or_fail(self) -> Client:
        """The Temporal client of the namespace, once the cluster has started."""
        if self.client is None:
            raise RuntimeError("the cluster is not started")
        return self.client

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def register_url(self) -> str:
        """The register's and the users' database: ``forumflow`` on the cluster's PostgreSQL."""
        return self.postgres.url(FORUMFLOW_ROLE, "forumflow")

    @property
    def temporal_url(self) -> str:
        """Temporal's own database, for counting what it writes."""
        return self.postgres.url(TEMPORAL_ROLE, "temporal")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a worker or the API: compose's ``forumflow-env`` on loopback."""
        settings = {
            "FORUMFLOW_TEMPORAL_ADDRESS": self.server.address,
            "FORUMFLOW_TEMPORAL_NAMESPACE": self.namespace,
            "FORUMFLOW_TASK_QUEUE": self.task_queue,
            "FORUMFLOW_REGISTER_URL": self.register_url,
            "FORUMFLOW_DATA_DIR": str(self.root / "forumflow"),
            "FORUMFLOW_LOG_FORMAT": "json",
            "FORUMFLOW_API_HOST": "127.0.0.1",
            "FORUMFLOW_API_PORT": str(self.ports.api),
            **self.forumflow_env,
            **(extra or {}),
        }
        return {**os.environ, **settings}

    def new_worker(
        self, name: str, *, code: Path = REPOSITORY, extra: Mapping[str, str] | None = None
    ) -> WorkerProcess:
        """A ``python -m worker`` of this cluster (not started), running the code in ``code``
        (another checkout gives a worker of another version, as in a rolling deploy)."""
        env = self.environment(extra)
        if code != REPOSITORY:
            env["PYTHONPATH"] = str(code)
        return WorkerProcess(
            ["-m", "worker"],
            log_file=self.logs / f"{name}.log",
            ready_line=FORUMFLOW_READY,
            env=env,
            cwd=code,
            ready_within=60.0,
        )

    def new_api(self, code: Path = REPOSITORY) -> WorkerProcess:
        """A ``python -m forumflow api`` of this cluster (not started) on the code in ``code``."""
        env = self.environment()
        if code != REPOSITORY:
            env["PYTHONPATH"] = str(code)
        return WorkerProcess(
            ["-m", "forumflow", "api"],
            log_file=self.logs / "api.log",
            ready_line=API_READY,
            env=env,
            cwd=code,
            ready_within=60.0,
        )

    def _timed(self, step: str, started: float) -> float:
        now = time.monotonic()
        self.timings[step] = round(now - started, 2)
        return now

    async def start_postgres(self) -> None:
        """Initialise (first time), start, and make sure the roles and databases exist."""
        await asyncio.to_thread(self.postgres.initialise)
        await asyncio.to_thread(self.postgres.start)
        await asyncio.to_thread(
            self.postgres.ensure_roles_and_databases, (TEMPORAL_ROLE, FORUMFLOW_ROLE)
        )

    async def start(self) -> Client:
        """Everything, in dependency order; the client is the namespace's."""
        self.logs.mkdir(parents=True, exist_ok=True)
        began = step = time.monotonic()
        await self.start_postgres()
        step = self._timed("postgresql", step)
        await asyncio.to_thread(
            setup_schema, self.binaries.sql_tool, self.binaries.schema, self.postgres
        )
        step = self._timed("schema", step)
        self.client = await self.server.start()
        step = self._timed("temporal_server", step)
        added = await ensure_namespace(self.client, self.namespace)
        step = self._timed("namespace", step)
        if self.ui is not None:
            await self.ui.start()
            step = self._timed("ui", step)
        for worker in self.workers:
            worker.start()
        self.api.start()
        await asyncio.gather(
            *(worker.wait_ready() for worker in self.workers), self.api.wait_ready()
        )
        await self.wait_api_healthy()
        self._timed("workers_and_api", step)
        self._timed("total", began)
        log.info(
            "cluster ready",
            temporal=self.server.address,
            api=self.api_url,
            ui=None if self.ui is None else self.ui.url,
            workers=len(self.workers),
            search_attributes_added=added,
            seconds=self.timings,
        )
        return self.client

    async def wait_api_healthy(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.api_url, timeout=5) as http:
            while True:
                try:
                    if (await http.get("/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the API at {self.api_url} is not healthy")
                await asyncio.sleep(0.2)

    async def restart_server(self, *, kill: bool = True) -> None:
        """The Temporal server killed (or stopped) and started again on the same database."""
        if kill:
            self.server.kill()
        else:
            self.server.stop()
        self.client = await self.server.start()

    async def stop(self) -> None:
        """The API and workers first (they finish what they hold), then the server, the UI
        and the database."""
        await asyncio.gather(
            asyncio.to_thread(self.api.stop),
            *(asyncio.to_thread(worker.stop) for worker in self.workers),
        )
        if self.ui is not None:
            self.ui.stop()
        self.server.stop()
        await asyncio.to_thread(self.postgres.stop)
        log.info("cluster stopped")
