"""A paper citing an earlier decision, on both servers: refused when the register has no
such entry, when its minutes are unconfirmed, or when it claims a source the entry does
not record (seed 000, January 2019); accepted when it holds, and then the register shows
what cites what once the request is tabled."""

from __future__ import annotations

import pytest

from clients.citations import CitationRefused
from clients.requests import FundingRequests, NoSuchRequest
from contracts.register import EntryKind, RegisterEntry
from devtools.seeds import CLERK, OFFICER, TOTAL_PENCE, middlesbrough_draft
from domain.request.commands import EditDraft, RecordMinute
from domain.request.draft import Citation, FundingSource, RequestDraft
from storage.register import DecisionRegister
from tests.lifecycle.drive import (
    approved_request,
    draft_to_options,
    evaluated_request,
    minute_for,
    new_reference,
    recommend_and_table,
)

# Its requests keep reminder timers; a time-skipping server of its own keeps them from
# stalling the clock the modules after it skip.
pytestmark = pytest.mark.own_clock


def approval_of(register: DecisionRegister, reference: str) -> RegisterEntry:
    (decision,) = [e for e in register.entries_for(reference) if e.kind is EntryKind.DECISION]
    return decision


def citing(entry_id: str, request_ref: str, source: FundingSource) -> RequestDraft:
    """A new paper relying on the approval ``entry_id`` as funded from ``source``."""
    citation = Citation(
        entry_id=entry_id,
        request_ref=request_ref,
        claimed_source=source,
        claimed_amount_pence=TOTAL_PENCE,
        claim="the posts were approved in July 2018",
    )
    return middlesbrough_draft(new_reference()).model_copy(update={"citations": (citation,)})


async def test_a_citation_the_register_does_not_support_is_refused_and_starts_nothing(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """No such entry, minutes unconfirmed, or another source: refused by rule and field."""
    july = await evaluated_request(forum, report=False)
    confirmed = approval_of(register, july)
    unconfirmed_ref = await approved_request(forum)
    await forum.submit(unconfirmed_ref, RecordMinute(minute=minute_for()), CLERK)
    unconfirmed = approval_of(register, unconfirmed_ref)

    cases = (
        (
            citing(f"{july}/c1/decision/999", july, FundingSource.centrally_retained),
            "citation-entry-not-found",
            "draft.citations[0].entry_id",
        ),
        (
            citing(unconfirmed.idempotency_key, unconfirmed_ref, FundingSource.centrally_retained),
            "citation-minutes-unconfirmed",
            "draft.citations[0].entry_id",
        ),
        # Seed 000, January 2019: "approved from the DSG", which no minute supported.
        (
            citing(confirmed.idempotency_key, july, FundingSource.dsg_schools_block_dedelegation),
            "citation-source-not-recorded",
            "draft.citations[0].claimed_source",
        ),
    )
    for draft, rule, field in cases:
        with pytest.raises(CitationRefused) as refused:
            await forum.create(draft, OFFICER)
        assert (refused.value.rule, refused.value.field) == (rule, field)
        with pytest.raises(NoSuchRequest):
            await forum.state(draft.reference)

    # An edit is checked the same way, and leaves the draft as it was.
    plain = middlesbrough_draft(new_reference())
    await forum.create(plain, OFFICER)
    wrong = cases[2][0].model_copy(update={"reference": plain.reference})
    with pytest.raises(CitationRefused):
        await forum.submit(plain.reference, EditDraft(draft=wrong), OFFICER)
    assert (await forum.state(plain.reference)).draft.citations == ()


async def test_a_supported_citation_is_tabled_and_the_register_shows_what_cites_it(
    forum: FundingRequests, register: DecisionRegister
) -> None:
    """The July approval cited for its own source: the draft keeps the register's facts,
    and tabling writes a citation entry naming the entry it cites."""
    july = await evaluated_request(forum, report=False)
    approval = approval_of(register, july)
    draft = citing(approval.idempotency_key, july, FundingSource.centrally_retained)

    reference = await draft_to_options(forum, draft)
    (kept,) = (await forum.state(reference)).draft.citations
    assert kept.entry is not None
    assert kept.entry.minutes_confirmed
    assert [f.source for f in kept.entry.funding] == ["centrally_retained"]
    assert register.search(kind=EntryKind.CITATION) == []

    await recommend_and_table(forum, reference)
    cited_by = [
        e for e in register.search(kind=EntryKind.CITATION) if e.cites == approval.idempotency_key
    ]
    assert [e.request_ref for e in cited_by] == [reference]
    assert cited_by[0].outcome == "cited"
    assert "centrally retained budget" in cited_by[0].summary
