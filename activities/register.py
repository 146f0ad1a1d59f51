"""Activities that write the decision register, the record that outlives workflows."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import names
from contracts.activities import RecordOutcome
from contracts.register import RegisterConflict, RegisterEntry
from storage.register import DecisionRegister


class RegisterActivities:
    """Writes register entries; receives its register so tests can pass a real one of their own."""

    def __init__(self, register: DecisionRegister) -> None:
        self._register = register

    @activity.defn(name=names.RECORD_REGISTER_ENTRY_ACTIVITY)
    def record(self, entry: RegisterEntry) -> RecordOutcome:
        """Record an entry once: a retry with the same key writes nothing more."""
        try:
            written = self._register.record(entry)
        except RegisterConflict as conflict:
            # Retrying cannot help: the register already holds different facts under this key.
            raise ApplicationError(
                str(conflict), type="RegisterConflict", non_retryable=True
            ) from conflict
        activity.logger.info(
            "register entry recorded" if written else "register entry already present",
            extra={"idempotency_key": entry.idempotency_key, "kind": entry.kind.value},
        )
        return RecordOutcome(idempotency_key=entry.idempotency_key, written=written)
