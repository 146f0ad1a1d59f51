"""Runs the Temporal dev server (from the CLI) on a SQLite file, so workflow
state survives restarts, and makes sure forumflow's namespace and search
attributes exist on it, also on a database created by an older run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog
import yaml
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError

from contracts import search_attributes

log = structlog.get_logger(__name__)

DYNAMIC_CONFIG_FILE = (
    Path(__file__).resolve().parents[1] / "deploy" / "temporal" / "dynamicconfig" / "forumflow.yaml"
)
"""The Temporal server's dynamic configuration, shared by every server forumflow runs on."""


def dynamic_config_args(path: Path = DYNAMIC_CONFIG_FILE) -> list[str]:
    """The dev server's ``--dynamic-config-value`` arguments for the shared file's values
    that hold everywhere (no constraints), so the dev server limits as production does."""
    loaded: dict[str, list[dict[str, Any]]] = yaml.safe_load(path.read_text()) or {}
    args: list[str] = []
    for key, entries in loaded.items():
        for entry in entries:
            if not entry.get("constraints"):
                args += ["--dynamic-config-value", f"{key}={json.dumps(entry['value'])}"]
    return args


_CLI_TYPE_NAMES = {
    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
    IndexedValueType.INDEXED_VALUE_TYPE_DATETIME: "Datetime",
    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
    IndexedValueType.INDEXED_VALUE_TYPE_TEXT: "Text",
    IndexedValueType.INDEXED_VALUE_TYPE_INT: "Int",
    IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE: "Double",
    IndexedValueType.INDEXED_VALUE_TYPE_BOOL: "Bool",
}


async def terminate(process: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM, then SIGKILL if ``process`` has not exited within ``grace`` seconds."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


class DevServerError(RuntimeError):
    """The dev server did not start, or exited while forumflow needed it."""


async def add_search_attributes(
    client: Client, namespace: str, keys: tuple[SearchAttributeKey[Any], ...]
) -> None:
    """Register ``keys`` on the namespace (each must not exist yet).

    The time-skipping test server implements only this call of the operator
    service, so tests on it register forumflow's attributes this way.
    """
    if keys:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={
                    key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in keys
                },
            )
        )


async def ensure_search_attributes(
    client: Client, namespace: str, keys: tuple[SearchAttributeKey[Any], ...]
) -> list[str]:
    """Register any of ``keys`` the namespace lacks; returns the names it added.

    The dev server attaches ``--search-attribute`` only when it creates a
    namespace, so a database from an earlier run needs them added here.
    """
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = tuple(key for key in keys if key.name not in listed.custom_attributes)
    await add_search_attributes(client, namespace, missing)
    return sorted(key.name for key in missing)


class DevServer:
    """A ``temporal server start-dev`` process on a persistent database file."""

    def __init__(
        self,
        cli: Path,
        db_file: Path,
        *,
        namespace: str,
        ip: str = "127.0.0.1",
        port: int = 7233,
        ui_port: int | None = 8233,
        log_file: Path | None = None,
        search_attribute_keys: tuple[SearchAttributeKey[Any], ...] = search_attributes.ALL,
    ) -> None:
        self.cli = cli
        self.db_file = db_file
        self.namespace = namespace
        self.ip = ip
        self.port = port
        self.ui_port = ui_port
        self.log_file = log_file
        self.search_attribute_keys = search_attribute_keys
        self._process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        """host:port of the gRPC frontend."""
        return f"{self.ip}:{self.port}"

    @property
    def ui_address(self) -> str | None:
        """The Web UI's URL, or None when headless."""
        return None if self.ui_port is None else f"http://{self.ip}:{self.ui_port}"

    def command(self) -> list[str]:
        """The command line that starts this server."""
        args = [
            str(self.cli),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--ip",
            self.ip,
            "--port",
            str(self.port),
            "--namespace",
            self.namespace,
            "--log-format",
            "json",
            "--log-level",
            "warn",
        ]
        for key in self.search_attribute_keys:
            type_name = _CLI_TYPE_NAMES[IndexedValueType.ValueType(key.indexed_value_type)]
            args += ["--search-attribute", f"{key.name}={type_name}"]
        args += dynamic_config_args()
        if self.ui_port is None:
            args.append("--headless")
        else:
            args += ["--ui-port", str(self.ui_port)]
        return args

    async def start(self, startup_seconds: float = 60.0) -> Client:
        """Start the process, wait until it answers, ensure search attributes."""
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        # A new session, so a Ctrl-C meant for forumflow does not kill the server
        # before the worker has shut down; stop() ends it afterwards.
        if self.log_file is None:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        else:
            with self.log_file.open("ab") as output:
                self._process = await asyncio.create_subprocess_exec(
                    *self.command(), stdout=output, stderr=output, start_new_session=True
                )
        client = await self._wait_until_serving(startup_seconds)
        added = await ensure_search_attributes(client, self.namespace, self.search_attribute_keys)
        log.info(
            "temporal dev server ready",
            address=self.address,
            ui=self.ui_address,
            db=str(self.db_file),
            search_attributes_added=added,
        )
        return client

    async def _wait_until_serving(self, startup_seconds: float) -> Client:
        deadline = time.monotonic() + startup_seconds
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is not None and self._process.returncode is not None:
                raise DevServerError(
                    f"temporal dev server exited with code {self._process.returncode}"
                    f" (log: {self.log_file})"
                )
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
                return client
            except (RuntimeError, RPCError) as error:
                last_error = error
                await asyncio.sleep(0.25)
        raise DevServerError(
            f"temporal dev server not serving after {startup_seconds}s: {last_error}"
        )

    async def stop(self, grace: float = 20.0) -> None:
        """Stop gracefully (SIGTERM), then forcibly if it does not exit in time."""
        process, self._process = self._process, None
        if process is not None:
            await terminate(process, grace)

    async def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
