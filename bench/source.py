"""A frozen copy of the code under measurement, for the benchmark workers to run.

The worker sandbox re-imports a workflow's module from disk for every workflow run,
so a file edited while a long benchmark runs would change (or break) the code being
measured part-way. The workers therefore run from a copy taken when the run starts.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def packages(root: Path = PROJECT_ROOT) -> list[str]:
    """forumflow's packages (as the wheel lists them) and the bench itself."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    listed: list[str] = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    return sorted({*listed, "bench"})


def snapshot(into: Path, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Copy the packages into ``into``; what was copied, identified by commit and hash."""
    into.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    copied = packages(root)
    for package in copied:
        shutil.copytree(
            root / package,
            into / package,
            ignore=shutil.ignore_patterns("__pycache__", "results", "*.pyc"),
            dirs_exist_ok=True,
        )
    for path in sorted(into.rglob("*.py")):
        digest.update(str(path.relative_to(into)).encode())
        digest.update(path.read_bytes())
    return {
        "packages": copied,
        "sha256_of_python_files": digest.hexdigest(),
        **_git(root),
    }


def _git(root: Path) -> dict[str, Any]:
    """The commit checked out, and the packages' files that differ from it or are not in
    it yet (read-only git calls)."""

    def run(*args: str) -> str | None:
        try:
            completed = subprocess.run(
                ["git", "--no-optional-locks", *args],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return completed.stdout.strip()

    changed = run("diff", "--name-only", "HEAD", "--", *packages(root))
    untracked = run("ls-files", "--others", "--exclude-standard", "--", *packages(root))
    return {
        "git_commit": run("rev-parse", "HEAD"),
        "files_differing_from_commit": changed.splitlines() if changed else [],
        "untracked_files": untracked.splitlines() if untracked else [],
    }
