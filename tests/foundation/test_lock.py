"""requirements.lock pins every Python package with hashes, and this venv is exactly it."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
SHA256 = re.compile(r"--hash=sha256:[0-9a-f]{64}(?=\s|$)")


@dataclass(frozen=True)
class Pin:
    """One requirement of the lock: its name, exact version, marker and hashes."""

    line: str
    name: NormalizedName
    version: str
    marker: Marker | None
    hashes: int
    other_hashes: int

    def applies_here(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock() -> list[Pin]:
    """The lock's requirements, one per logical line (continuations joined)."""
    pins = []
    for line in LOCK.read_text().replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line.split(" --", 1)[0])
        specs = list(requirement.specifier)
        version = specs[0].version if len(specs) == 1 and specs[0].operator == "==" else ""
        hashes = len(SHA256.findall(line))
        pins.append(
            Pin(
                line=line,
                name=canonicalize_name(requirement.name),
                version=version,
                marker=requirement.marker,
                hashes=hashes,
                other_hashes=line.count("--hash=") - hashes,
            )
        )
    return pins


def installed() -> dict[NormalizedName, str]:
    """Every distribution the running interpreter sees, by normalised name."""
    found: dict[NormalizedName, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return found


def declared() -> list[Requirement]:
    """Every requirement pyproject.toml declares: runtime, each extra, the build system."""
    with PYPROJECT.open("rb") as f:
        doc = tomllib.load(f)
    project = doc["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    lines.extend(doc["build-system"]["requires"])
    return [Requirement(line) for line in lines]


def test_every_locked_requirement_is_one_exact_version_with_sha256_hashes() -> None:
    """Each requirement in the lock pins one exact version and carries only sha256 hashes."""
    pins = read_lock()
    assert len(pins) > 50, "the lock names suspiciously few packages"
    unpinned = [pin.line[:80] for pin in pins if not pin.version]
    unhashed = [pin.name for pin in pins if pin.hashes == 0 or pin.other_hashes]
    assert not unpinned, f"not pinned with ==: {unpinned}"
    assert not unhashed, f"without --hash=sha256: (or with another kind): {unhashed}"


def test_installed_packages_are_at_the_locked_versions() -> None:
    """Every package the lock names for this interpreter is installed at exactly its version."""
    have = installed()
    wrong = {
        pin.name: f"locked {pin.version}, installed {have.get(pin.name, 'nothing')}"
        for pin in read_lock()
        if pin.applies_here() and have.get(pin.name) != pin.version
    }
    assert not wrong, f"the venv is not the lock (run scripts/setup): {wrong}"


def test_lock_covers_every_dependency_pyproject_declares() -> None:
    """Each pyproject.toml dependency, and what its extras pull in, is locked within its range."""
    locked: dict[NormalizedName, list[str]] = {}
    for pin in read_lock():
        locked.setdefault(pin.name, []).append(pin.version)
    missing, outside = [], []
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        versions = locked.get(name)
        if not versions:
            missing.append(str(requirement))
            continue
        if not any(requirement.specifier.contains(v, prereleases=True) for v in versions):
            outside.append(f"{requirement} (locked {versions})")
        # An extra such as psycopg[binary] adds packages of its own: those are locked too.
        for extra in requirement.extras:
            for sub in importlib.metadata.requires(requirement.name) or []:
                pulled = Requirement(sub)
                wanted = pulled.marker is not None and pulled.marker.evaluate({"extra": extra})
                if wanted and canonicalize_name(pulled.name) not in locked:
                    missing.append(f"{pulled.name} (from {requirement})")
    assert not missing, f"declared but not locked (run scripts/lock): {missing}"
    assert not outside, f"locked outside the declared range (run scripts/lock): {outside}"


def test_lock_was_made_from_the_current_pyproject() -> None:
    """scripts/lock --check, which setup runs, finds the lock matches pyproject's dependencies."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "lock"), "--check"],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
