"""What the benchmarks ran on: CPU, cores, memory, load and software versions."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import pydantic
import temporalio

from bench.measure import load_average
from devtools.toolchain import TEST_SERVER_VERSION, cli_version


def _proc_field(path: str, name: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and kernel, read from /proc."""
    memory = _proc_field("/proc/meminfo", "MemTotal")
    memory_kib = int(memory.split()[0]) if memory else None
    return {
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_kib / 1024 / 1024, 1) if memory_kib else None,
        "kernel": platform.release(),
        "load_average_at_start": load_average(),
    }


def versions(cli: Path | None) -> dict[str, Any]:
    """Versions of Python, the SDK, pydantic and both Temporal servers."""
    try:
        cli_text = cli_version(cli) if cli else None
    except (OSError, subprocess.SubprocessError):
        cli_text = None
    return {
        "python": platform.python_version(),
        "temporalio": temporalio.__version__,
        "pydantic": pydantic.VERSION,
        "temporal_cli": cli_text,
        "temporal_test_server": TEST_SERVER_VERSION,
    }
