"""The Temporal server of the cluster: its schema, its process, its namespace; and the Web UI.

The server reads ``deploy/temporal/config/forumflow.yaml`` and the dynamic config beside
it, the very files docker-compose.yml mounts, with the environment the temporalio/server
image would be given (only the ports differ, so tests can run clusters side by side).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import httpx
import structlog
from google.protobuf.duration_pb2 import Duration
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    DescribeWorkflowExecutionRequest,
    GetSystemInfoRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from contracts import search_attributes
from devtools.cluster.postgres import LOOPBACK, TEMPORAL_ROLE, ClusterPostgres
from devtools.devserver import DYNAMIC_CONFIG_FILE as DYNAMIC_CONFIG_FILE
from devtools.devserver import ensure_search_attributes
from devtools.toolchain import ToolchainError

log = structlog.get_logger(__name__)

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "temporal"
CONFIG_ENV = "forumflow"
"""The server's ``--env``: it reads ``config/<env>.yaml``."""
CONFIG_FILE = DEPLOY_DIR / "config" / f"{CONFIG_ENV}.yaml"
NAMESPACE_RETENTION_HOURS = 720
"""How long a closed workflow's history is kept, as docker-compose.yml registers it."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class ServerPorts:
    """Every port the server's four services listen on (the image's defaults)."""

    frontend_grpc: int = 7233
    frontend_http: int = 7243
    frontend_membership: int = 6933
    history_grpc: int = 7234
    history_membership: int = 6934
    matching_grpc: int = 7235
    matching_membership: int = 6935
    worker_grpc: int = 7239
    worker_membership: int = 6939

    @classmethod
    def free(cls) -> ServerPorts:
        """Ports nothing listens on, for a cluster beside others. Below 32768: the server
        keeps its membership port in a smallint column, so a port the system hands out
        (32768 and up on Linux) would stop it at start."""
        chosen: set[int] = set()
        while len(chosen) < len(fields(cls)):
            candidate = random.randint(20000, 32767)  # noqa: S311 - a port, not a secret
            with contextlib.suppress(OSError), socket.socket() as probe:
                probe.bind((LOOPBACK, candidate))
                chosen.add(candidate)
        return cls(*sorted(chosen))

    def environment(self) -> dict[str, str]:
        """The variables the config file reads the ports from."""
        return {spec.name.upper() + "_PORT": str(getattr(self, spec.name)) for spec in fields(self)}


def setup_schema(sql_tool: Path, schema: Path, postgres: ClusterPostgres) -> None:
    """Create or upgrade Temporal's two schemas with ``temporal-sql-tool``, as the compose
    ``temporal-schema`` job does (both steps are idempotent)."""
    for database, versioned in (
        ("temporal", schema / "temporal" / "versioned"),
        ("temporal_visibility", schema / "visibility" / "versioned"),
    ):
        base = [
            str(sql_tool),
            "--plugin",
            "postgres12",
            "--ep",
            LOOPBACK,
            "-p",
            str(postgres.port),
            "-u",
            TEMPORAL_ROLE.name,
            "--pw",
            TEMPORAL_ROLE.password,
            "--db",
            database,
        ]
        for step in (["setup-schema", "-v", "0.0"], ["update-schema", "-d", str(versioned)]):
            completed = subprocess.run([*base, *step], capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                raise ToolchainError(
                    f"temporal-sql-tool {step[0]} on {database} failed: "
                    f"{(completed.stderr or completed.stdout)[-2000:]}"
                )


class ProcessError(RuntimeError):
    """A cluster process did not start, or exited while it was needed."""


class ServerProcess:
    """A long-running program of the cluster, in a session of its own, logging to a file."""

    def __init__(
        self, name: str, command: list[str], env: Mapping[str, str], log_file: Path
    ) -> None:
        self.name = name
        self.command = command
        self.env = dict(env)
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ProcessError(f"{self.name} is not started")
        return self.process.pid

    def spawn(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as output:
            # A new session: Ctrl-C at the terminal reaches the cluster command, which
            # stops the processes in order, rather than all of them at once.
            self.process = subprocess.Popen(
                self.command,
                stdout=output,
                stderr=output,
                env=self.env,
                start_new_session=True,
                cwd="/",
            )
        self.starts += 1

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def check_running(self) -> None:
        code = self.exited()
        if self.process is None or code is not None:
            tail = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            raise ProcessError(
                f"{self.name} exited with code {code} (log {self.log_file}):\n{tail}"
            )

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class TemporalServer(ServerProcess):
    """``temporal-server start`` on the cluster's PostgreSQL, all four services in one process."""

    def __init__(
        self,
        binary: Path,
        postgres_port: int,
        ports: ServerPorts,
        log_file: Path,
        *,
        namespace: str = "forumflow",
    ) -> None:
        env = {
            **os.environ,
            **server_environment(postgres_port),
            **ports.environment(),
            "DYNAMIC_CONFIG_FILE_PATH": str(DYNAMIC_CONFIG_FILE),
            "LOG_LEVEL": "warn",
        }
        command = [
            str(binary),
            "--root",
            str(DEPLOY_DIR),
            "--config",
            "config",
            "--env",
            CONFIG_ENV,
            "--allow-no-auth",
            "start",
        ]
        super().__init__("temporal server", command, env, log_file)
        self.ports = ports
        self.namespace = namespace

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.ports.frontend_grpc}"

    async def start(self, within: float = 120.0) -> Client:
        """Start the process and wait until its frontend answers."""
        self.spawn()
        deadline = time.monotonic() + within
        last: Exception | None = None
        while time.monotonic() < deadline:
            self.check_running()
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
                return client
            except (RuntimeError, RPCError) as error:
                last = error
                await asyncio.sleep(0.25)
        raise ProcessError(f"the temporal server did not answer within {within}s: {last}")


def server_environment(postgres_port: int) -> dict[str, str]:
    """What the config file reads the database from: compose's ``temporal-db-env``, on loopback."""
    return {
        "DB": "postgres12",
        "DB_PORT": str(postgres_port),
        "POSTGRES_SEEDS": LOOPBACK,
        "POSTGRES_USER": TEMPORAL_ROLE.name,
        "POSTGRES_PWD": TEMPORAL_ROLE.password,
        "DBNAME": "temporal",
        "VISIBILITY_DBNAME": "temporal_visibility",
        "BIND_ON_IP": LOOPBACK,
    }


async def ensure_namespace(client: Client, namespace: str, within: float = 90.0) -> list[str]:
    """The namespace and forumflow's search attributes, as the compose ``temporal-namespace``
    job makes them; waits until a visibility query on them answers. The attributes added."""
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=namespace,
                description="forumflow: funding requests to the Schools Forum",
                workflow_execution_retention_period=Duration(
                    seconds=NAMESPACE_RETENTION_HOURS * 3600
                ),
            )
        )
    except RPCError as error:
        if error.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
    deadline = time.monotonic() + within
    added: list[str] | None = None
    while True:
        try:
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=namespace)
            )
            if added is None:
                added = await ensure_search_attributes(client, namespace, search_attributes.ALL)
            listed = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=namespace)
            )
            keyword = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
            assert listed.custom_attributes[search_attributes.STAGE.name] == keyword
            # A new namespace reaches every service's cache a few seconds after it is made.
            await client.count_workflows(f"{search_attributes.STAGE.name} = 'drafting'")
            await _history_answers(client, namespace)
            return added
        except RPCError as error:
            if time.monotonic() > deadline:
                raise ProcessError(f"namespace {namespace} not usable after {within}s") from error
            await asyncio.sleep(0.5)


async def _history_answers(client: Client, namespace: str) -> None:
    """Return once the history service answers: the frontend serves before the history
    shards are owned, and meanwhile calls on workflows (a worker's Schedule update at
    its start, say) fail with "Not enough hosts to serve the request"."""
    try:
        await client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=namespace,
                execution=WorkflowExecution(workflow_id="forumflow-cluster-readiness-probe"),
            )
        )
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise


class WebUi(ServerProcess):
    """The Temporal Web UI server on loopback, for the cluster's namespace."""

    def __init__(
        self, binary: Path, run_dir: Path, port: int, temporal_address: str, namespace: str
    ) -> None:
        config_dir = run_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "cluster.yaml").write_text(
            f"temporalGrpcAddress: {temporal_address}\n"
            f"host: {LOOPBACK}\n"
            f"port: {port}\n"
            "enableUi: true\n"
            f"defaultNamespace: {namespace}\n"
            "notifyOnNewVersion: false\n"
            "cors:\n  cookieInsecure: true\n"
        )
        command = [
            str(binary),
            "--root",
            str(run_dir),
            "--config",
            "config",
            "--env",
            "cluster",
            "start",
        ]
        super().__init__("temporal web ui", command, os.environ, run_dir / "ui-server.log")
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def start(self, within: float = 60.0) -> None:
        """Start and wait until the UI's page is served."""
        self.spawn()
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                self.check_running()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(self.url)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise ProcessError(f"the web ui did not answer within {within}s")
                await asyncio.sleep(0.25)
