"""Fixtures for the cluster tests: the production topology of this test's own.

``running_cluster`` starts PostgreSQL, the Temporal server on it, N ``python -m worker``
processes and ``python -m forumflow api`` on free loopback ports, with the workers'
mail going to this test's real SMTP server; ``ClusterApi`` is an HTTP client of that
API (real HTTP, not the ASGI transport) with every seeded user signed in, shaped as
the reliability tests' ``Api`` so their journeys drive it unchanged.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.services import ApiServices
from config.settings import Settings
from devtools.cluster.binaries import ClusterBinaries, ensure_cluster_binaries
from devtools.cluster.topology import REPOSITORY, Cluster, ClusterPorts
from devtools.seeds import MEMBERS
from storage.accounts import NewUser, UserAlreadyExists
from storage.migrations import upgrade_database
from tests.api.conftest import STAFF, Api
from tests.smtp import RecordingSmtpServer

MAIL_FROM = "forumflow@forum.example.org"
FIGURES: list[str] = []
"""What each cluster test measured, shown at the end of the run (pass or fail)."""


def report(line: str) -> None:
    """Print a test's figures and keep them for the run's summary, where CI shows them."""
    print(f"\n{line}")
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("production topology: figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def cluster_binaries() -> ClusterBinaries:
    """The Temporal server, its SQL tool and the UI server, built once and cached."""
    return ensure_cluster_binaries()


@dataclass
class RunningCluster:
    """The cluster and an API client signed in as every seeded user."""

    cluster: Cluster
    api: Api
    services: ApiServices


def sign_in_everyone(services: ApiServices) -> dict[str, str]:
    """The officer, chair, clerk and 20 members as users (the API's first run added some
    of them already), each with a fresh token."""
    tokens: dict[str, str] = {}
    for person in (*STAFF, *(NewUser.for_member(m) for m in MEMBERS)):
        with suppress(UserAlreadyExists):
            services.directory.add(person)
        tokens[person.user_id] = services.directory.mint_token(person.user_id).token
    return tokens


@asynccontextmanager
async def running_cluster(
    binaries: ClusterBinaries,
    root: Path,
    smtp: RecordingSmtpServer,
    *,
    workers: int = 2,
    http_timeout: float = 120.0,
    extra_env: Mapping[str, str] | None = None,
    postgres_root: Path | None = None,
    code: Path | None = None,
    with_ui: bool = False,
    ports: ClusterPorts | None = None,
) -> AsyncIterator[RunningCluster]:
    """A whole cluster under ``root`` until the block ends. Its database is in
    ``postgres_root`` (kept) or else in a directory of its own, removed after."""
    owned = postgres_root is None
    postgres_root = postgres_root or database_root()
    cluster = Cluster(
        binaries,
        root,
        workers=workers,
        ports=ports or ClusterPorts.free(),
        postgres_root=postgres_root / "postgresql",
        with_ui=with_ui,
        code=code or REPOSITORY,
        forumflow_env={
            "FORUMFLOW_SMTP_HOST": smtp.host,
            "FORUMFLOW_SMTP_PORT": str(smtp.port),
            "FORUMFLOW_MAIL_FROM": MAIL_FROM,
            # Just over the notify activity's timeout, so a send cut off by a kill is
            # retried soon after Temporal gives up on it.
            "FORUMFLOW_NOTICE_CLAIM_LEASE_SECONDS": "31",
            **(extra_env or {}),
        },
    )
    try:
        client = await cluster.start()
        # The current code's schema before its stores are used here: on a cluster of the
        # previous commit that is the deploy's first step, the migration running ahead of
        # the code, which must still work on it.
        await asyncio.to_thread(upgrade_database, cluster.register_url)
        settings = Settings(
            register_url=cluster.register_url,
            temporal_namespace=cluster.namespace,
            task_queue=cluster.task_queue,
        )
        services = ApiServices.build(settings, client)
        tokens = sign_in_everyone(services)
        async with httpx.AsyncClient(base_url=cluster.api_url, timeout=http_timeout) as http:
            yield RunningCluster(
                cluster, Api(http=http, services=services, tokens=tokens), services
            )
        services.register.close()
        services.directory.close()
    finally:
        await cluster.stop()
        if owned:
            shutil.rmtree(postgres_root, ignore_errors=True)


def database_root() -> Path:
    """A directory under /tmp for a cluster's PostgreSQL, which Debian's postgres user can
    reach (pytest's own temporary directories are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="forumflow-cluster-pg-"))
    root.chmod(0o755)
    return root
