"""Faults on the production topology: requests keep their lives through crashes.

Each test runs a hundred requests' lifecycles concurrently through the API of a cluster
of its own (PostgreSQL, the Temporal server, two workers, the API, each a process) and
breaks one part twice, once while requests are being drafted and tabled and once in
the middle of the votes: a worker SIGKILLed, the Temporal server SIGKILLed, PostgreSQL
restarted. The callers retry unanswered calls with the same Idempotency-Key, as a real
client would. Afterwards every request ended as planned, with each vote, register row
and notice exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from devtools.cluster.binaries import ClusterBinaries
from tests.cluster.conftest import RunningCluster, report, running_cluster
from tests.cluster.workload import (
    PHASE_ONE_CALLS,
    make_plans,
    run_lifecycles,
    verify,
    votes_planned,
)
from tests.reliability.journeys import CHAIR_ID, Caller
from tests.smtp import RecordingSmtpServer

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

LIFECYCLES = 100
DOWN_SECONDS = 2.0
# Longer than a call answered by a live worker takes under this load, shorter than the
# wait behind a dead one; such calls are sent again with the same key.
ATTEMPT_SECONDS = 20.0


async def test_a_hundred_lifecycles_survive_a_worker_killed_twice(
    cluster_binaries: ClusterBinaries, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> None:
    """One of two workers SIGKILLed in each phase and restarted: nothing lost or doubled."""
    async with running_cluster(cluster_binaries, tmp_path, smtp_server, workers=2) as running:
        caller = Caller(running.api, attempt_seconds=ATTEMPT_SECONDS)
        plans = make_plans(caller, LIFECYCLES)
        victim = running.cluster.workers[0]
        in_flight: list[int] = []

        async def kill_when(condition: Callable[[], bool]) -> None:
            await caller.when(condition).wait()
            victim.kill()
            in_flight.append(caller.in_flight)
            await asyncio.sleep(DOWN_SECONDS)
            victim.start()
            await victim.wait_ready()

        started = time.monotonic()
        await run_lifecycles(
            plans,
            in_phase_one=lambda: kill_when(
                lambda: caller.answered.total() >= 0.4 * PHASE_ONE_CALLS * LIFECYCLES
            ),
            in_phase_two=lambda: kill_when(
                lambda: caller.answered["cast_vote"] >= 0.4 * votes_planned(plans)
            ),
        )
        seconds = time.monotonic() - started
        outcome = await verify(
            plans, caller, running.cluster.client_or_fail(), running.services.register, smtp_server
        )
    assert victim.kills == 2
    assert all(calls > 0 for calls in in_flight), "each kill came with calls in flight"
    report(f"{outcome.line('worker-killed')}; {seconds:.1f}s, calls in flight at kills {in_flight}")


async def test_a_hundred_lifecycles_survive_the_temporal_server_killed_twice(
    cluster_binaries: ClusterBinaries, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> None:
    """The Temporal server SIGKILLed in each phase and started again on its database:
    workers, API and callers carry on once it is back, nothing lost or doubled."""
    async with running_cluster(cluster_binaries, tmp_path, smtp_server, workers=2) as running:
        caller = Caller(running.api, attempt_seconds=ATTEMPT_SECONDS)
        plans = make_plans(caller, LIFECYCLES)
        cluster = running.cluster
        outages: list[float] = []
        in_flight: list[int] = []

        async def kill_when(condition: Callable[[], bool]) -> None:
            await caller.when(condition).wait()
            cluster.server.kill()
            in_flight.append(caller.in_flight)
            down = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            await cluster.restart_server(kill=False)
            outages.append(round(time.monotonic() - down, 1))

        started = time.monotonic()
        await run_lifecycles(
            plans,
            in_phase_one=lambda: kill_when(
                lambda: caller.answered.total() >= 0.4 * PHASE_ONE_CALLS * LIFECYCLES
            ),
            in_phase_two=lambda: kill_when(
                lambda: caller.answered["cast_vote"] >= 0.4 * votes_planned(plans)
            ),
        )
        seconds = time.monotonic() - started
        outcome = await verify(
            plans, caller, cluster.client_or_fail(), running.services.register, smtp_server
        )
    assert cluster.server.starts == 3
    assert all(calls > 0 for calls in in_flight), "each kill came with calls in flight"
    report(
        f"{outcome.line('server-killed')}; {seconds:.1f}s, server down {outages}s, "
        f"calls in flight at kills {in_flight}"
    )


async def probe_outage(running: RunningCluster) -> httpx.Response:
    """A call while the database is down: what the API answers, and how soon."""
    return await running.api.http.get("/requests", headers=running.api.auth(CHAIR_ID), timeout=30.0)


async def test_a_hundred_lifecycles_survive_postgresql_restarted_twice(
    cluster_binaries: ClusterBinaries, tmp_path: Path, smtp_server: RecordingSmtpServer
) -> None:
    """PostgreSQL stopped and started again in each phase: while it is down the API answers
    503 with a body saying so (not a 500, not a hang), and afterwards nothing is lost."""
    async with running_cluster(cluster_binaries, tmp_path, smtp_server, workers=2) as running:
        caller = Caller(running.api, attempt_seconds=ATTEMPT_SECONDS)
        plans = make_plans(caller, LIFECYCLES)
        cluster = running.cluster
        answers: list[tuple[int, str, float]] = []

        async def restart_when(condition: Callable[[], bool]) -> None:
            await caller.when(condition).wait()
            await asyncio.to_thread(cluster.postgres.stop)
            asked = time.monotonic()
            response = await probe_outage(running)
            answers.append((response.status_code, response.text, time.monotonic() - asked))
            await asyncio.sleep(DOWN_SECONDS)
            await asyncio.to_thread(cluster.postgres.start)

        started = time.monotonic()
        await run_lifecycles(
            plans,
            in_phase_one=lambda: restart_when(
                lambda: caller.answered.total() >= 0.4 * PHASE_ONE_CALLS * LIFECYCLES
            ),
            in_phase_two=lambda: restart_when(
                lambda: caller.answered["cast_vote"] >= 0.4 * votes_planned(plans)
            ),
        )
        seconds = time.monotonic() - started
        outcome = await verify(
            plans, caller, cluster.client_or_fail(), running.services.register, smtp_server
        )
    for status, body, took in answers:
        assert status == 503, body
        assert "database" in body.lower(), body
        assert took < 10, f"the API took {took:.1f}s to say the database is down"
    report(
        f"{outcome.line('postgresql-restarted')}; {seconds:.1f}s, answers while down: "
        f"{[(status, round(took, 2)) for status, _, took in answers]} {answers[0][1]}"
    )
