"""docker-compose.yml and the local cluster run the Temporal server on the same files.

The temporal service mounts ``deploy/temporal/config/forumflow.yaml`` and the dynamic
config beside it; the cluster's server reads them from the repository. The server
binary itself renders the config with compose's environment and with the cluster's, so
a variable compose sets and the file ignores (or the reverse) shows up here.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.cluster.binaries import ClusterBinaries
from devtools.cluster.temporal import (
    CONFIG_ENV,
    CONFIG_FILE,
    DYNAMIC_CONFIG_FILE,
    ServerPorts,
    TemporalServer,
)
from tests.test_compose import COMPOSE_FILE, _environment, _services

pytestmark = pytest.mark.cluster

ROOT = COMPOSE_FILE.parent


def _temporal_service() -> dict[str, Any]:
    service: dict[str, Any] = _services()["temporal"]
    return service


def _mounts() -> dict[Path, str]:
    """The temporal service's bind mounts: source in the repository -> target."""
    mounts: dict[Path, str] = {}
    for volume in _temporal_service().get("volumes", []):
        source, target, *_ = str(volume).split(":")
        mounts[(ROOT / source).resolve()] = target
    return mounts


def _start_command() -> list[str]:
    script = "\n".join(_temporal_service()["command"])
    started = [line for line in script.splitlines() if "temporal-server" in line]
    assert len(started) == 1, script
    return shlex.split(started[0].removeprefix("exec").strip())


def _flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def _render(binaries: ClusterBinaries, env: dict[str, str]) -> dict[str, Any]:
    """The server's own rendering of the config file under ``env``."""
    completed = subprocess.run(
        [
            str(binaries.server),
            # render-config reads --config alone, without --root.
            "--config",
            str(CONFIG_FILE.parent),
            "--env",
            CONFIG_ENV,
            "render-config",
        ],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    rendered = yaml.safe_load(completed.stdout)
    assert isinstance(rendered, dict), completed.stdout
    return rendered


def test_compose_mounts_the_files_the_cluster_runs_on() -> None:
    """The temporal service mounts the cluster's config and dynamic config where its
    start command and environment look for them."""
    mounts = _mounts()
    assert set(mounts) == {CONFIG_FILE, DYNAMIC_CONFIG_FILE}
    command = _start_command()
    config_dir = Path(_flag(command, "--root")) / _flag(command, "--config")
    assert mounts[CONFIG_FILE] == str(config_dir / f"{_flag(command, '--env')}.yaml")
    assert _flag(command, "--env") == CONFIG_ENV
    env = _environment(_temporal_service())
    assert mounts[DYNAMIC_CONFIG_FILE] == env["DYNAMIC_CONFIG_FILE_PATH"]


def test_the_cluster_server_reads_the_same_files(tmp_path: Path) -> None:
    """The local server's command and environment name the repository's files, with the
    flags compose's entrypoint gives the server in the container."""
    server = TemporalServer(Path("temporal-server"), 5999, ServerPorts(), tmp_path / "log")
    compose = _start_command()
    assert Path(_flag(server.command, "--root")) / _flag(server.command, "--config") == (
        CONFIG_FILE.parent
    )
    assert _flag(server.command, "--env") == _flag(compose, "--env")
    assert server.command[-2:] == compose[-2:] == ["--allow-no-auth", "start"]
    assert server.env["DYNAMIC_CONFIG_FILE_PATH"] == str(DYNAMIC_CONFIG_FILE)


def test_the_server_renders_the_config_for_compose_and_for_the_cluster(
    cluster_binaries: ClusterBinaries,
) -> None:
    """With compose's environment the server finds PostgreSQL at postgresql:5432 and binds
    every interface; with the cluster's, loopback and the cluster's own ports."""
    compose_env = _environment(_temporal_service())
    in_compose = _render(cluster_binaries, compose_env)
    store = in_compose["persistence"]["datastores"]["default"]["sql"]
    assert store["connectAddr"] == "postgresql:5432"
    # The server masks the password it renders; that it is set is what shows.
    assert (store["user"], store["password"], store["databaseName"]) == (
        "temporal",
        "******",
        "temporal",
    )
    visibility = in_compose["persistence"]["datastores"]["visibility"]["sql"]
    assert visibility["databaseName"] == "temporal_visibility"
    assert in_compose["services"]["frontend"]["rpc"]["bindOnIP"] == "0.0.0.0"  # noqa: S104
    assert in_compose["dynamicConfigClient"]["filepath"] == compose_env["DYNAMIC_CONFIG_FILE_PATH"]
    # Without the variable the file still points where compose mounts the dynamic config.
    del compose_env["DYNAMIC_CONFIG_FILE_PATH"]
    unset = _render(cluster_binaries, compose_env)["dynamicConfigClient"]["filepath"]
    assert unset == _mounts()[DYNAMIC_CONFIG_FILE]

    ports = ServerPorts.free()
    local = TemporalServer(cluster_binaries.server, 5999, ports, Path("/dev/null"))
    on_loopback = _render(cluster_binaries, local.env)
    assert on_loopback["persistence"]["datastores"]["default"]["sql"]["connectAddr"] == (
        "127.0.0.1:5999"
    )
    rpc = on_loopback["services"]
    assert rpc["frontend"]["rpc"]["grpcPort"] == ports.frontend_grpc
    assert rpc["history"]["rpc"]["membershipPort"] == ports.history_membership
    assert {service["rpc"]["bindOnIP"] for service in rpc.values()} == {"127.0.0.1"}
    assert on_loopback["dynamicConfigClient"]["filepath"] == str(DYNAMIC_CONFIG_FILE)


def test_the_dynamic_config_names_only_keys_the_server_knows(
    cluster_binaries: ClusterBinaries,
) -> None:
    """The server validates the shared dynamic config: every key known, every value typed."""
    completed = subprocess.run(
        [str(cluster_binaries.server), "validate-dynamic-config", str(DYNAMIC_CONFIG_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "frontend.namespaceRPS.visibility" in yaml.safe_load(DYNAMIC_CONFIG_FILE.read_text())
    assert "error" not in output.lower(), output
    assert "unknown" not in output.lower(), output
