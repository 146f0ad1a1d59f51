"""The workflow sandbox compiles a workflow module once and still gives each run its own."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, ModuleType

import pytest
from temporalio.testing import WorkflowEnvironment

import workflows.smoke
from contracts.smoke import SmokeInput
from worker.app import WorkerDependencies, build_worker
from worker.sandbox import SharedCodeFinder, SharedCodeLoader
from workflows.smoke import SmokeWorkflow

MODULE_SOURCE = """
seen = []


def note(value):
    seen.append(value)
    return len(seen)
"""


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A package of one module on sys.path, loaded through a SharedCodeFinder."""
    name = f"shared_code_{uuid.uuid4().hex[:8]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / name / "steps.py").write_text(MODULE_SOURCE)
    finder = SharedCodeFinder((name,))
    sys.path.insert(0, str(tmp_path))
    sys.meta_path.insert(0, finder)
    try:
        yield name
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for module in [key for key in sys.modules if key.partition(".")[0] == name]:
            del sys.modules[module]


def fresh_import(name: str) -> ModuleType:
    """Import ``name`` anew, as the sandbox does for each workflow run."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def test_each_import_gets_its_own_module_state_but_the_same_code(package: str) -> None:
    """Two imports of one module have separate globals and share one code object."""
    first = fresh_import(f"{package}.steps")
    second = fresh_import(f"{package}.steps")
    assert first is not second
    assert first.note("a") == 1
    assert second.note("b") == 1, "the second import must not see the first's state"
    assert first.seen == ["a"]
    assert second.seen == ["b"]
    assert first.note.__code__ is second.note.__code__


def test_a_changed_file_is_compiled_again(package: str) -> None:
    """Editing a module's file gives the next import the new code."""
    module = f"{package}.steps"
    before = fresh_import(module)
    path = Path(before.__file__ or "")
    path.write_text(MODULE_SOURCE.replace("return len(seen)", "return -len(seen)"))
    after = fresh_import(module)
    assert after.note.__code__ is not before.note.__code__
    assert after.note("x") == -1


async def test_sandboxed_runs_load_the_workflow_code_from_the_shared_copy(
    env: WorkflowEnvironment, task_queue: str, deps: WorkerDependencies
) -> None:
    """Workflow runs in forumflow's sandbox take their module's code from one shared copy."""
    path = workflows.smoke.__file__ or ""
    codes: list[CodeType | None] = []
    async with build_worker(env.client, task_queue, deps):
        for _ in range(2):
            result = await env.client.execute_workflow(
                SmokeWorkflow.run,
                SmokeInput(name="clerk"),
                id=f"smoke-{uuid.uuid4()}",
                task_queue=task_queue,
            )
            assert result.greeting.endswith("clerk")
            codes.append(SharedCodeLoader.cached_code(path))
    assert codes[0] is not None, "the sandbox did not load workflows/smoke.py through the cache"
    assert codes[1] is codes[0]
