"""The workflow sandbox forumflow's workers run workflows in.

The SDK's sandbox imports a workflow's module afresh for every run it starts, so that
no run sees another's module state. Importing afresh also unmarshals (or, with no
``.pyc``, compiles) the module's code again, and every cached run keeps its own copy of
code that is the same for all of them: for ``workflows/funding_request.py``, tens of
KiB per open request. Code objects are immutable, so this module compiles each
workflow module once per process and lets every sandboxed import execute that one
code object into a module of its own: each run still gets fresh module globals, fresh
classes and functions, and the sandbox's restricted standard library.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import threading
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import ClassVar

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PURE_MODULES = ("domain", "contracts")
"""Imported once for every workflow run, not afresh into each run's sandbox: they import
no Temporal, touch no clock, file or network, and hold no state between calls (the
import-linter contracts keep them so). The workflow modules that use them stay sandboxed."""

WORKFLOW_PACKAGES = ("workflows",)
"""Packages whose modules the sandbox imports afresh for each run: the ones whose code
is compiled once and shared."""


class SharedCodeLoader(importlib.machinery.SourceFileLoader):
    """A source loader that hands every import of a file the same code object while the
    file is unchanged (same size and modification time)."""

    _codes: ClassVar[dict[str, tuple[tuple[int, int], CodeType]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def cached_code(cls, path: str) -> CodeType | None:
        """The code compiled for the file at ``path``, if any import has loaded it."""
        cached = cls._codes.get(path)
        return cached[1] if cached is not None else None

    def get_code(self, fullname: str) -> CodeType:
        """The module's code, compiled on its first import in this process."""
        stat = os.stat(self.path)
        version = (stat.st_mtime_ns, stat.st_size)
        cached = self._codes.get(self.path)
        if cached is not None and cached[0] == version:
            return cached[1]
        code = super().get_code(fullname)
        if code is None:  # only for a loader with no source, never a .py file
            raise ImportError(f"no code for {fullname}", name=fullname)
        with self._lock:
            self._codes[self.path] = (version, code)
        return code


class SharedCodeFinder(importlib.abc.MetaPathFinder):
    """Finds ``packages``' modules as the standard path finder does, loading them with
    a SharedCodeLoader."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(packages)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for ``fullname`` when it lies in one of the packages, else None."""
        if fullname.partition(".")[0] not in self.packages:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        assert spec.origin is not None  # a source file loader always has one
        spec.loader = SharedCodeLoader(fullname, spec.origin)
        return spec


def share_workflow_code(packages: Sequence[str] = WORKFLOW_PACKAGES) -> None:
    """Install the finder for ``packages`` ahead of the standard ones (once per process)."""
    if not any(
        isinstance(finder, SharedCodeFinder) and finder.packages == frozenset(packages)
        for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, SharedCodeFinder(packages))


def workflow_runner(packages: Sequence[str] = WORKFLOW_PACKAGES) -> SandboxedWorkflowRunner:
    """The sandbox every forumflow worker runs workflows in: the SDK's default
    restrictions, the pure modules passed through, and ``packages``' code shared."""
    share_workflow_code(packages)
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES)
    )
