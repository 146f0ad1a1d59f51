"""The one rule a citation of an earlier decision must pass, wherever it is checked.

A paper that relies on an earlier decision cites its decision register entry and says
what it claims of it (the source the money came from, and perhaps how much). The
register is read outside the workflow (``clients.requests`` resolves each citation into
a :class:`~domain.request.draft.CitedEntry`); the same pure rule then runs there, and
again in the request's own steps at submission and tabling against the facts the draft
carries, so a claim no minute supports (seed 000's "approved from the DSG") can never be
tabled.
"""

from __future__ import annotations

from domain.calendar import format_uk_date
from domain.request.draft import Citation, CitedEntry, FundingSource, RequestDraft
from domain.request.errors import (
    CitedAmountNotRecorded,
    CitedEntryNotAnApproval,
    CitedEntryNotFound,
    CitedMinutesUnconfirmed,
    CitedSourceNotRecorded,
)
from domain.values import format_pence

APPROVAL_KINDS = frozenset({"decision", "minute_confirmed"})
"""The register entry kinds that record the money an approval agreed."""

APPROVAL_OUTCOMES = frozenset({"approved", "approved_as_amended"})


def _source_label(code: str) -> str:
    try:
        return FundingSource(code).label
    except ValueError:
        return code


def check_citation(citation: Citation, entry: CitedEntry | None, field: str) -> None:
    """Refuse ``citation`` unless ``entry`` (the register's facts, None when the register
    has no such entry) is a confirmed approval recording the claimed source and amount.

    ``field`` is the citation's path, e.g. ``draft.citations[0]``; each refusal names the
    part at fault under it. In order: the entry exists for that request reference
    (CitedEntryNotFound); it approved money (CitedEntryNotAnApproval); its minutes are
    confirmed (CitedMinutesUnconfirmed); it records the claimed source
    (CitedSourceNotRecorded); and, if the paper gives an amount, that source's amount is
    it (CitedAmountNotRecorded).
    """
    cited = f"register entry {citation.entry_id}"
    if (
        entry is None
        or entry.entry_id != citation.entry_id
        or entry.request_ref != citation.request_ref
    ):
        raise CitedEntryNotFound(
            f"Cannot rely on {cited}: the decision register has no such entry for request "
            f"{citation.request_ref} ({field}.entry_id). Cite an entry the register lists "
            "(GET /register?request_ref=...).",
            field=f"{field}.entry_id",
        )
    if entry.kind not in APPROVAL_KINDS or entry.outcome not in APPROVAL_OUTCOMES:
        raise CitedEntryNotAnApproval(
            f"Cannot rely on {cited}: it records a {entry.kind} with outcome "
            f"'{entry.outcome}', not an approval of funding ({field}.entry_id). Cite the "
            "decision that agreed the money.",
            field=f"{field}.entry_id",
        )
    if not entry.minutes_confirmed:
        held = f" of {format_uk_date(entry.meeting_date)}" if entry.meeting_date else ""
        raise CitedMinutesUnconfirmed(
            f"Cannot rely on {cited}: the minutes{held} that record it are not confirmed, so "
            f"the decision is not final ({field}.entry_id). Cite it once the chair has "
            "confirmed the minutes.",
            field=f"{field}.entry_id",
        )
    claimed = citation.claimed_source.value
    recorded = [funding for funding in entry.funding if funding.source == claimed]
    if not recorded:
        sources = ", ".join(_source_label(f.source) for f in entry.funding) or "no source"
        raise CitedSourceNotRecorded(
            f"Cannot rely on {cited} as funded from the {citation.claimed_source.label}: the "
            f"entry records {sources} ({field}.claimed_source). A paper may only claim a "
            "source the minuted approval names.",
            field=f"{field}.claimed_source",
        )
    amount = citation.claimed_amount_pence
    from_source = sum(funding.amount_pence for funding in recorded)
    if amount is not None and amount != from_source:
        raise CitedAmountNotRecorded(
            f"Cannot rely on {cited} for {format_pence(amount)} from the "
            f"{citation.claimed_source.label}: the entry records {format_pence(from_source)} "
            f"from it ({field}.claimed_amount_pence).",
            field=f"{field}.claimed_amount_pence",
        )


def check_draft_citations(draft: RequestDraft, field: str = "draft.citations") -> None:
    """Check every citation of ``draft`` against the register's facts it carries."""
    for index, citation in enumerate(draft.citations):
        check_citation(citation, citation.entry, f"{field}[{index}]")
