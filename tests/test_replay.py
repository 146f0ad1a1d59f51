"""Every saved history under tests/histories/ replays on the current code.

A change to workflow code that would break a running request (non-determinism)
fails here. Histories are recorded by ``python -m tests.lifecycle.record_histories``,
one per scenario; docs/workflow-changes.md says when to add one (before every change
to running workflow code) and how.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import decode_typed_search_attributes
from temporalio.worker import Replayer

from contracts import search_attributes
from domain.request.models import Stage
from tests.lifecycle.record_histories import MADE, SCENARIOS
from worker.app import workflow_classes
from worker.sandbox import workflow_runner

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_saved_history_replays_without_nondeterminism(path: Path) -> None:
    """A saved history replays on today's workflow code without a non-determinism error."""
    replayer = Replayer(
        workflows=workflow_classes(),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    result = await replayer.replay_workflow(_load(path), raise_on_replay_failure=True)
    assert result.replay_failure is None


def _last_stage(history: WorkflowHistory) -> str | None:
    stage: str | None = None
    for event in history.events:
        if event.HasField("upsert_workflow_search_attributes_event_attributes"):
            attributes = event.upsert_workflow_search_attributes_event_attributes
            typed = decode_typed_search_attributes(attributes.search_attributes)
            stage = typed.get(search_attributes.STAGE) or stage
    return stage


def test_a_saved_history_stops_in_every_stage() -> None:
    """For each stage there is a saved history whose request stands in that stage."""
    stages_held = {_last_stage(_load(path)) for path in HISTORIES}
    assert {stage.value for stage in Stage} <= stages_held


def test_history_file_names_say_their_stage() -> None:
    """Each history file is named after the stage its request stands in, so gaps are visible."""
    for path in HISTORIES:
        assert path.stem.split("__")[0] == _last_stage(_load(path)), path.name


def test_every_scenario_of_the_recorder_has_a_saved_history() -> None:
    """Each scenario the recorder runs has its history saved, so none is left unrecorded."""
    saved = {path.stem for path in HISTORIES}
    assert sorted((set(SCENARIOS) | set(MADE)) - saved) == []
