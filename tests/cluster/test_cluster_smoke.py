"""The production topology runs here: a request lives its whole life through the API on a
Temporal server on PostgreSQL with two workers, and a second start finds it as it was."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from devtools.cluster.binaries import ClusterBinaries
from devtools.cluster.topology import ClusterPorts
from devtools.seeds import MEMBERS
from domain.calendar import LONDON
from domain.request.decision import VoteChoice
from domain.request.models import Stage
from tests.cluster.conftest import database_root, report, running_cluster
from tests.lifecycle.drive import new_reference
from tests.reliability.journeys import CHAIR_ID, Caller, ForumDates, Journey
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]


async def test_one_lifecycle_on_the_cluster_survives_a_second_start(
    cluster_binaries: ClusterBinaries, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> None:
    """A request goes from draft to closed through the API, its register rows land in the
    forumflow database, and after a full stop and start the request and rows are there."""
    root = tmp_path / "cluster"
    postgres_root = database_root()
    # The same ports both times, as a restarted deployment keeps its addresses.
    ports = ClusterPorts.free()
    forum = ForumDates(meeting=datetime.now(LONDON).date() + timedelta(days=70))
    try:
        started = time.monotonic()
        async with running_cluster(
            cluster_binaries,
            root,
            smtp_server,
            workers=2,
            postgres_root=postgres_root,
            with_ui=True,
            ports=ports,
        ) as running:
            first_start = time.monotonic() - started
            cluster = running.cluster
            caller = Caller(running.api, attempt_seconds=60)
            journey = Journey(caller, forum, new_reference())
            lifecycle_began = time.monotonic()
            await journey.create()
            await journey.prepare()
            members = MEMBERS[:5]
            await journey.table(members)
            stage = await journey.vote(
                members[:3], (VoteChoice.for_, VoteChoice.for_, VoteChoice.for_)
            )
            assert stage == "decided"
            await journey.minute_and_evaluate()
            await journey.close()
            lifecycle_seconds = time.monotonic() - lifecycle_began
            state = await caller.get(CHAIR_ID, f"/requests/{journey.reference}")
            assert state["stage"] == Stage.closed.value
            assert len(state["audit"]) == journey.accepted
            kinds = [
                (e.kind.value, e.outcome)
                for e in running.services.register.entries_for(journey.reference)
            ]
            assert kinds == [
                ("decision", "approved"),
                ("minute_confirmed", "approved"),
                ("evaluation", "ended"),
            ]
            # The register is in its own database on the cluster's PostgreSQL, beside Temporal's.
            engine = create_engine(cluster.register_url)
            with engine.connect() as connection:
                database = connection.execute(text("SELECT current_database()")).scalar_one()
                rows = connection.execute(
                    text("SELECT count(*) FROM register_entries")
                ).scalar_one()
            engine.dispose()
            assert (database, rows) == ("forumflow", 3)
            # The Web UI serves its page and finds the request on the server.
            assert cluster.ui is not None
            async with httpx.AsyncClient(base_url=cluster.ui.url, timeout=30) as ui:
                assert (await ui.get("/")).status_code == 200
                listed = await ui.get(
                    f"/api/v1/namespaces/{cluster.namespace}/workflows",
                    params={"query": f'WorkflowId = "{journey.reference}"'},
                )
            assert listed.status_code == 200, listed.text
            assert journey.reference in listed.text
            timings = dict(cluster.timings)
            assert all(worker.starts == 1 for worker in cluster.workers)

        restarted = time.monotonic()
        async with running_cluster(
            cluster_binaries, root, smtp_server, workers=1, postgres_root=postgres_root, ports=ports
        ) as again:
            second_start = time.monotonic() - restarted
            caller = Caller(again.api, attempt_seconds=60)
            after = await caller.get(CHAIR_ID, f"/requests/{journey.reference}")
            assert after == state
            assert again.services.register.count(journey.reference) == 3
            second_timings = dict(again.cluster.timings)
    finally:
        shutil.rmtree(postgres_root, ignore_errors=True)
    report(
        f"cluster smoke: started in {first_start:.1f}s ({timings}), one lifecycle of "
        f"{journey.accepted} calls in {lifecycle_seconds:.1f}s, second start "
        f"{second_start:.1f}s ({second_timings}) found the request {after['stage']} "
        "with 3 register rows"
    )
