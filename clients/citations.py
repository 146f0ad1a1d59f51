"""A draft's citations, checked against the decision register before the draft is sent.

A workflow cannot read the register, so the client layer resolves each citation here:
it reads the cited entry (and whether its minutes are confirmed), runs the domain's one
citation rule (``domain.request.citations.check_citation``) and, when every citation
passes, puts the register's facts into the draft. The request's own rules check the
claims again against those facts when the draft is submitted and tabled. Whatever facts
a caller sent are replaced, never trusted.
"""

from __future__ import annotations

import asyncio

from clients.records import TransitionRefused
from contracts.register import EntryKind, RegisterEntry
from domain.errors import RuleViolation
from domain.request.citations import check_citation
from domain.request.draft import Citation, CitedEntry, CitedFunding, RequestDraft
from storage.register import DecisionRegister


class CitationRefused(TransitionRefused):
    """A citation in the draft is not supported by the register; nothing was sent.

    The API answers it as it answers any rule's refusal (409), naming the citation's
    field and the rule.
    """


def _minutes_confirmed(entry: RegisterEntry, entries: list[RegisterEntry]) -> bool:
    if entry.kind is EntryKind.MINUTE_CONFIRMED:
        return True
    return any(
        other.kind is EntryKind.MINUTE_CONFIRMED
        and other.cycle == entry.cycle
        and other.meeting_date == entry.meeting_date
        for other in entries
    )


def cited_entry(register: DecisionRegister, citation: Citation) -> CitedEntry | None:
    """What the register records of the entry ``citation`` names (None: no such entry for
    that request)."""
    entries = register.entries_for(citation.request_ref)
    entry = next((e for e in entries if e.idempotency_key == citation.entry_id), None)
    if entry is None:
        return None
    return CitedEntry(
        entry_id=entry.idempotency_key,
        request_ref=entry.request_ref,
        kind=entry.kind.value,
        outcome=entry.outcome,
        meeting_date=entry.meeting_date,
        minutes_confirmed=_minutes_confirmed(entry, entries),
        funding=tuple(
            CitedFunding(source=option.source, amount_pence=option.amount_pence)
            for option in entry.agreed_options
        ),
    )


def resolve_citations(
    register: DecisionRegister | None, draft: RequestDraft, field: str = "draft.citations"
) -> RequestDraft:
    """``draft`` with the register's facts in each citation, or CitationRefused.

    Without a register nothing can be checked, so every citation is refused as unknown.
    """
    if not draft.citations:
        return draft
    resolved: list[Citation] = []
    for index, citation in enumerate(draft.citations):
        facts = cited_entry(register, citation) if register is not None else None
        try:
            check_citation(citation, facts, f"{field}[{index}]")
        except RuleViolation as violation:
            raise CitationRefused.of(violation) from None
        resolved.append(Citation.model_validate({**dict(citation), "entry": facts}))
    return RequestDraft.model_validate({**dict(draft), "citations": tuple(resolved)})


async def resolve_citations_async(
    register: DecisionRegister | None, draft: RequestDraft, field: str = "draft.citations"
) -> RequestDraft:
    """:func:`resolve_citations` off the event loop: the register is read synchronously."""
    if not draft.citations:
        return draft
    return await asyncio.to_thread(resolve_citations, register, draft, field)
