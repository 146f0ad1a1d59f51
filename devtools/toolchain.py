"""Finds or builds the two real Temporal servers forumflow runs on.

This machine reaches package registries only, so the SDK's own download of
the dev server fails. The Temporal CLI (which embeds the dev server) is built
from its Go module, and the Java time-skipping test server is resolved from
Maven Central with its full runtime classpath. Both are cached outside the
clone, keyed by version, so CI and later runs skip the build.

Run ``python -m devtools.toolchain`` to make sure both are present; it prints
their paths and versions. It also builds the production topology's Temporal server,
schema tool and Web UI (devtools/cluster/binaries.py) into the same cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

TEMPORAL_CLI_VERSION = "1.5.1"
TEMPORAL_CLI_MODULE = "github.com/temporalio/cli/cmd/temporal"
# Without this stamp the built binary reports 0.0.0-DEV.
_CLI_LDFLAGS = f"-s -w -X github.com/temporalio/cli/temporalcli.Version={TEMPORAL_CLI_VERSION}"
TEST_SERVER_VERSION = "1.31.0"
_TEST_SERVER_POM = Path(__file__).resolve().parent.parent / "tools" / "temporal-test-server"

log = structlog.get_logger(__name__)


class ToolchainError(RuntimeError):
    """A Temporal server binary could not be found or built on this machine."""


def cache_root() -> Path:
    """The per-user cache for built tools (outside the clone, shared by runs)."""
    override = os.environ.get("FORUMFLOW_TOOLS_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "forumflow"


@dataclass(frozen=True)
class Tool:
    """A resolved executable and how it was obtained."""

    path: Path
    origin: str


def cli_version(path: Path) -> str:
    """The first line of ``temporal --version``."""
    completed = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    return completed.stdout.strip().splitlines()[0]


def _matches_pinned_version(path: Path) -> bool:
    try:
        return f"version {TEMPORAL_CLI_VERSION} " in cli_version(path)
    except (OSError, subprocess.SubprocessError):
        return False


def ensure_temporal_cli() -> Tool | None:
    """The Temporal CLI at the pinned version: on PATH, cached, or built with Go.

    Returns None when there is no Go toolchain, so callers can fall back to the
    SDK's download (which needs internet).
    """
    on_path = shutil.which("temporal")
    if on_path and _matches_pinned_version(Path(on_path)):
        return Tool(Path(on_path), "PATH")
    target_dir = cache_root() / "temporal-cli" / TEMPORAL_CLI_VERSION
    binary = target_dir / "temporal"
    if binary.exists() and _matches_pinned_version(binary):
        return Tool(binary, "cache")
    go = shutil.which("go")
    if go is None:
        return None
    target_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log.info("building temporal cli", version=TEMPORAL_CLI_VERSION, into=str(target_dir))
    subprocess.run(
        [
            go,
            "install",
            f"-ldflags={_CLI_LDFLAGS}",
            f"{TEMPORAL_CLI_MODULE}@v{TEMPORAL_CLI_VERSION}",
        ],
        env={**os.environ, "GOBIN": str(target_dir), "CGO_ENABLED": "0"},
        check=True,
    )
    log.info("built temporal cli", seconds=round(time.monotonic() - started, 1))
    if not _matches_pinned_version(binary):
        raise ToolchainError(f"{binary} does not report CLI version {TEMPORAL_CLI_VERSION}")
    return Tool(binary, "built")


def ensure_test_server() -> Tool | None:
    """An executable wrapper around the Java time-skipping test server.

    Returns None when there is no Java or Maven, so callers can fall back to the
    SDK's download (which needs internet).
    """
    target_dir = cache_root() / "temporal-test-server" / TEST_SERVER_VERSION
    wrapper = target_dir / "temporal-test-server"
    lib = target_dir / "lib"
    if wrapper.exists() and any(lib.glob("temporal-test-server-*.jar")):
        return Tool(wrapper, "cache")
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if java is None or mvn is None:
        return None
    started = time.monotonic()
    log.info("resolving temporal test server", version=TEST_SERVER_VERSION)
    subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(_TEST_SERVER_POM / "pom.xml"),
            "dependency:copy-dependencies",
            f"-Dtemporal.test.server.version={TEST_SERVER_VERSION}",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    # The server takes the port as its first argument; the SDK decides time skipping.
    wrapper.write_text(
        f'#!/bin/sh\nexec "{java}" -cp "{lib}/*" io.temporal.testserver.TestServer "$@"\n'
    )
    wrapper.chmod(0o755)
    log.info("resolved temporal test server", seconds=round(time.monotonic() - started, 1))
    return Tool(wrapper, "built")


def main() -> int:
    """Make sure both servers are present and say where they are."""
    from config.logs import configure_logging

    configure_logging()
    cli = ensure_temporal_cli()
    test_server = ensure_test_server()
    if cli is None:
        print("temporal cli: no Go toolchain; the SDK download will be used", file=sys.stderr)
    else:
        print(f"temporal cli: {cli.path} ({cli.origin}): {cli_version(cli.path)}")
    if test_server is None:
        print("test server: no Java/Maven; the SDK download will be used", file=sys.stderr)
    else:
        print(f"test server: {test_server.path} ({test_server.origin}) {TEST_SERVER_VERSION}")
    if shutil.which("go") is None:
        print("cluster: no Go toolchain; the cluster tests cannot run", file=sys.stderr)
        return 0
    # The production topology's server, schema tool and Web UI, for tests/cluster.
    from devtools.cluster.binaries import ensure_cluster_binaries

    cluster = ensure_cluster_binaries()
    print(f"cluster: {cluster.server.parent} and {cluster.ui_server.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
