"""The activities of the baselines that do forumflow's durable work: the register
baseline's write (the decision register's own ``record``, and nothing else: no logging,
no outcome), so it pays for the durable write and not for anything forumflow adds
around it; and the notice the time-skipping benchmark's third baseline sends per fired
timer, which does nothing at all."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from bench.baseline_workflow import NOTICE_ACTIVITY, RECORD_ENTRY_ACTIVITY
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


@activity.defn(name=NOTICE_ACTIVITY)
async def notice_round_trip(timer: int) -> None:
    """The activity round trip a notice due at timer ``timer`` costs Temporal, with no
    sending: the baseline measures the durable side effect, not the mail."""
    del timer
