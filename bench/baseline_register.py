"""The activity the register baseline writes its entries with: the decision register's
own ``record``, and nothing else (no logging, no outcome), so the baseline pays for the
durable write and not for anything forumflow adds around it."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from bench.baseline_workflow import RECORD_ENTRY_ACTIVITY
from contracts.register import RegisterEntry
from storage.register import DecisionRegister

REGISTER_FILE = "baseline-register.sqlite3"
"""The baseline worker's register, in the data directory it shares with forumflow's worker
(whose register is ``register.sqlite3``)."""


def register_url(data_dir: Path) -> str:
    """The SQLite URL of the baseline worker's register in ``data_dir``."""
    return f"sqlite:///{data_dir / REGISTER_FILE}"


class BaselineRegisterActivities:
    """Writes register entries for the minimal workflow into the register it is given."""

    def __init__(self, register: DecisionRegister) -> None:
        self._register = register

    @activity.defn(name=RECORD_ENTRY_ACTIVITY)
    def record(self, entry: RegisterEntry) -> None:
        """Record ``entry`` once: a rerun with the same key writes nothing more."""
        self._register.record(entry)
