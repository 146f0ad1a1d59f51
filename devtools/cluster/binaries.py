"""The production topology's Go programs, built from their modules and cached by version.

The Temporal server and its schema tool come from ``go.temporal.io/server`` at the
version the Temporal CLI embeds, the Web UI from ``github.com/temporalio/ui-server/v2``
at the CLI's version too, so the cluster runs the same server code as the dev server.
Each is built once into the tools cache beside the CLI (``~/.cache/forumflow``), with
the PostgreSQL schema files the server module ships copied next to the binaries: the
Go module cache may be cleaned, the schema must not go with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from devtools.toolchain import ToolchainError, cache_root

TEMPORAL_SERVER_VERSION = "1.29.1"
TEMPORAL_SERVER_MODULE = "go.temporal.io/server"
UI_SERVER_VERSION = "2.42.1"
UI_SERVER_MODULE = "github.com/temporalio/ui-server/v2"

_STAMP = ".forumflow-built"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ClusterBinaries:
    """Where the cluster's programs and the server's PostgreSQL schema are."""

    server: Path
    sql_tool: Path
    ui_server: Path
    schema: Path
    """``schema/postgresql/v12`` of the server module: ``temporal/`` and ``visibility/``."""
    built_seconds: float
    """How long this call spent building (0 when everything was cached)."""


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolchainError(
            "no Go toolchain: the cluster's Temporal server is built from its Go module"
        )
    return go


def _go_install(package: str, version: str, into: Path, name: str) -> None:
    """``go install package@vversion``, the binary renamed to ``name`` inside ``into``."""
    with tempfile.TemporaryDirectory(prefix="forumflow-go-") as scratch:
        subprocess.run(
            [_go(), "install", "-ldflags=-s -w", f"{package}@v{version}"],
            env={**os.environ, "GOBIN": scratch, "CGO_ENABLED": "0"},
            check=True,
        )
        built = [path for path in Path(scratch).iterdir() if path.is_file()]
        if len(built) != 1:
            raise ToolchainError(f"go install {package} made {built}, not one binary")
        into.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built[0]), into / name)


def _module_dir(module: str, version: str) -> Path:
    completed = subprocess.run(
        [_go(), "mod", "download", "-json", f"{module}@v{version}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(json.loads(completed.stdout)["Dir"])


def _built(directory: Path, version: str, names: tuple[str, ...]) -> bool:
    stamp = directory / _STAMP
    return (
        stamp.is_file()
        and stamp.read_text().strip() == version
        and all((directory / name).is_file() for name in names)
    )


def _ensure_temporal_server(directory: Path) -> bool:
    """The server, its SQL tool and its schema in ``directory``; True if it built them."""
    names = ("temporal-server", "temporal-sql-tool", "schema/postgresql/v12/temporal/schema.sql")
    if _built(directory, TEMPORAL_SERVER_VERSION, names):
        return False
    log.info("building the temporal server", version=TEMPORAL_SERVER_VERSION, into=str(directory))
    _go_install(
        f"{TEMPORAL_SERVER_MODULE}/cmd/server",
        TEMPORAL_SERVER_VERSION,
        directory,
        "temporal-server",
    )
    _go_install(
        f"{TEMPORAL_SERVER_MODULE}/cmd/tools/sql",
        TEMPORAL_SERVER_VERSION,
        directory,
        "temporal-sql-tool",
    )
    source = _module_dir(TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION) / "schema/postgresql/v12"
    target = directory / "schema" / "postgresql" / "v12"
    shutil.rmtree(target, ignore_errors=True)
    # The module cache is read-only; the copy must not be, or a rebuild could not replace it.
    shutil.copytree(source, target, copy_function=shutil.copyfile)
    (directory / _STAMP).write_text(TEMPORAL_SERVER_VERSION + "\n")
    return True


def _ensure_ui_server(directory: Path) -> bool:
    if _built(directory, UI_SERVER_VERSION, ("ui-server",)):
        return False
    log.info("building the temporal web ui", version=UI_SERVER_VERSION, into=str(directory))
    _go_install(f"{UI_SERVER_MODULE}/cmd/server", UI_SERVER_VERSION, directory, "ui-server")
    (directory / _STAMP).write_text(UI_SERVER_VERSION + "\n")
    return True


def ensure_cluster_binaries() -> ClusterBinaries:
    """The Temporal server, ``temporal-sql-tool``, the UI server and the schema files,
    from the cache or built now (a cold build takes minutes: the server is large)."""
    started = time.monotonic()
    server_dir = cache_root() / "temporal-server" / TEMPORAL_SERVER_VERSION
    ui_dir = cache_root() / "temporal-ui-server" / UI_SERVER_VERSION
    built = _ensure_temporal_server(server_dir)
    built = _ensure_ui_server(ui_dir) or built
    seconds = round(time.monotonic() - started, 1) if built else 0.0
    if built:
        log.info("built the cluster binaries", seconds=seconds)
    return ClusterBinaries(
        server=server_dir / "temporal-server",
        sql_tool=server_dir / "temporal-sql-tool",
        ui_server=ui_dir / "ui-server",
        schema=server_dir / "schema" / "postgresql" / "v12",
        built_seconds=seconds,
    )
