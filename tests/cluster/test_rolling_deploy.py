"""A rolling deploy: the previous commit's worker and API hand over to this commit's.

The cluster starts on a checkout of the previous commit (a git worktree of HEAD~1): its
worker and API serve the requests' first phase, sent by that commit's own journeys
(previous_driver.py), so old clients talk to the old API as before a deploy, on a
database already migrated to the current schema (the deploy's first step). A worker
of the current code joins beside the old one and both take tasks of the same requests
while the votes are opened; then the old worker stops and the API is replaced by the
current code's, and the current worker alone carries every request to its end,
replaying histories the old code wrote. No workflow task fails (a non-determinism
error would be one), and the current code's Replayer replays every history end to end:
a change to workflow code that skipped the patch rule (docs/workflow-changes.md) fails
here.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from devtools.cluster.binaries import ClusterBinaries
from devtools.cluster.topology import REPOSITORY
from tests.cluster.conftest import RunningCluster, report, running_cluster
from tests.cluster.workload import OVERDUE, make_plans, verify
from tests.reliability.journeys import CHAIR_ID, Caller
from tests.reliability.test_worker_killed import Ending, Plan
from tests.smtp import RecordingSmtpServer
from worker.app import workflow_classes
from worker.sandbox import workflow_runner

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

LIFECYCLES = 40
DRIVER = Path(__file__).with_name("previous_driver.py")


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(REPOSITORY), *args], capture_output=True, text=True, check=False
    )


def _workflows_module(code: Path, env: dict[str, str]) -> Path:
    """Where ``workflows`` comes from for a process started as the cluster starts ``code``'s."""
    found = subprocess.run(
        [sys.executable, "-c", "import workflows; print(workflows.__file__)"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip())


def _completed_by(history: WorkflowHistory) -> set[str]:
    """The identities of the workers that completed this history's workflow tasks."""
    return {
        event.workflow_task_completed_event_attributes.identity
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    }


@pytest.fixture
def previous_commit() -> Iterator[tuple[Path, str]]:
    """A worktree of HEAD~1 (removed after) and the commit's short id."""
    described = _git("rev-parse", "--short", "HEAD~1")
    if described.returncode != 0:
        pytest.skip(f"no previous commit here (a shallow clone?): {described.stderr.strip()}")
    commit = described.stdout.strip()
    checkout = Path(tempfile.mkdtemp(prefix="forumflow-previous-")) / "forumflow"
    added = _git("worktree", "add", "--detach", str(checkout), "HEAD~1")
    assert added.returncode == 0, added.stderr
    try:
        yield checkout, commit
    finally:
        _git("worktree", "remove", "--force", str(checkout))
        _git("worktree", "prune")
        shutil.rmtree(checkout.parent, ignore_errors=True)


async def drive_on_previous_code(
    code: Path, env: dict[str, str], running: RunningCluster, plans: list[Plan], step: str
) -> None:
    """One step of every plan, sent by the previous commit's journeys (see previous_driver)."""
    plan = {
        "api_url": running.cluster.api_url,
        "tokens": running.api.tokens,
        "meeting": OVERDUE.meeting.isoformat(),
        "step": step,
        "requests": [
            {
                "reference": p.journey.reference,
                "ending": p.ending.value,
                "members": [m.member_id for m in p.members],
                "present": [m.member_id for m in p.present],
                "accepted": p.journey.accepted,
            }
            for p in plans
        ],
    }
    completed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", DRIVER.read_text()],
        input=json.dumps(plan),
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    accepted = json.loads(completed.stdout.strip().splitlines()[-1])
    for p in plans:
        p.journey.accepted = accepted[p.journey.reference]


async def finish(plan: Plan) -> None:
    """After the deploy, on the current code: the votes, the vote closed, minutes, the end."""
    journey = plan.journey
    if plan.ending in (Ending.withdrawn_in_drafting, Ending.withdrawn_when_tabled):
        return
    for member, choice in zip(plan.present, plan.votes, strict=True):
        await journey.cast(member, choice)
    closed = await journey.caller.post(CHAIR_ID, f"{journey.actions}/close_vote", {})
    journey.accepted += 1
    assert closed["stage"] == ("rejected" if plan.ending is Ending.rejected else "decided")
    if plan.ending is Ending.rejected:
        return
    await journey.minute_and_evaluate()
    if plan.ending is Ending.closed:
        await journey.close()


async def test_a_rolling_deploy_from_the_previous_commit_replays_cleanly(
    cluster_binaries: ClusterBinaries,
    tmp_path: Path,
    smtp_server: RecordingSmtpServer,
    previous_commit: tuple[Path, str],
) -> None:
    """Old and new workers share the requests, then the new one finishes them: every
    lifecycle completes as planned and every history replays on the current code."""
    old_code, commit = previous_commit
    async with running_cluster(
        cluster_binaries, tmp_path, smtp_server, workers=1, code=old_code
    ) as running:
        cluster = running.cluster
        caller = Caller(running.api, attempt_seconds=30)
        plans = make_plans(caller, LIFECYCLES)
        old_worker = cluster.workers[0]
        old_env = dict(old_worker.env or {})
        identities = [f"{old_worker.pid}@{socket.gethostname()}"]
        started = time.monotonic()

        # Before the deploy: the old API and the old worker, driven by the old journeys.
        await drive_on_previous_code(old_code, old_env, running, plans, "table")
        # The current worker joins: both versions take the requests' tasks while the
        # old client and API open every vote.
        new_worker = cluster.new_worker("worker-current")
        cluster.workers.append(new_worker)
        new_worker.start()
        await new_worker.wait_ready()
        identities.append(f"{new_worker.pid}@{socket.gethostname()}")
        await drive_on_previous_code(old_code, old_env, running, plans, "open")
        # The old worker goes, the API is replaced by the current code's.
        await asyncio.to_thread(old_worker.stop)
        await asyncio.to_thread(cluster.api.stop)
        cluster.api = cluster.new_api()
        cluster.api.start()
        await cluster.api.wait_ready()
        await asyncio.gather(*(finish(plan) for plan in plans))
        seconds = time.monotonic() - started

        client = cluster.client_or_fail()
        outcome = await verify(plans, caller, client, running.services.register, smtp_server)
        histories = [
            await client.get_workflow_handle(plan.journey.reference).fetch_history()
            for plan in plans
        ]
    replayer = Replayer(
        workflows=workflow_classes(),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, history.workflow_id
    # The old worker ran the old checkout, and requests moved between the two versions.
    assert _workflows_module(old_code, old_env).is_relative_to(old_code)
    handed_over = sum(1 for history in histories if _completed_by(history) >= set(identities))
    assert handed_over > 0, "no request had workflow tasks done by both versions"
    report(
        f"{outcome.line(f'rolling deploy from {commit}')}; {seconds:.1f}s, "
        f"{handed_over} requests worked on by both versions, {len(histories)} histories "
        "replayed on the current code"
    )
