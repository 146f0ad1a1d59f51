"""The decision register: the durable record of what the forum decided, which
outlives the Temporal workflows that write to it. Deliberately free of temporalio,
so reports and exports can read it without a worker."""

from register.models import (
    APPROVED_OUTCOMES,
    DECISION_OUTCOMES,
    EVALUATION_OUTCOMES,
    AgreedFunding,
    EntryKind,
    PhaseTally,
    RegisterConflict,
    RegisterEntry,
)
from register.store import (
    EXPORT_COLUMNS,
    DecisionRegister,
    ExportValue,
    create_register_engine,
    metadata,
    register_agreed_funding,
    register_entries,
)

__all__ = [
    "APPROVED_OUTCOMES",
    "DECISION_OUTCOMES",
    "EVALUATION_OUTCOMES",
    "EXPORT_COLUMNS",
    "AgreedFunding",
    "DecisionRegister",
    "EntryKind",
    "ExportValue",
    "PhaseTally",
    "RegisterConflict",
    "RegisterEntry",
    "create_register_engine",
    "metadata",
    "register_agreed_funding",
    "register_entries",
]
