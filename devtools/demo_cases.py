"""The two seed cases as the demo walks them through the API, and the register they leave.

Seed 000 (Middlesbrough) shows the refusals that would have kept the source of the
money on record; seed 003 (Staffordshire) shows the procurement plan that says when the
forum must decide. Each returns the stage its request ends in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from contracts.register import EntryKind, RegisterEntry
from devtools import seeds
from devtools.demo_forum import DemoError, Forum
from domain.calendar import (
    default_calendar,
    format_uk_date,
    papers_deadline,
    plan_procurement_decision,
)
from domain.forum import ForumSettings
from domain.request.commands import (
    AddOption,
    AmendRecommendation,
    CloseVote,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import VoteChoice
from domain.request.draft import FundingSource, Recommendation
from domain.values import format_pence
from storage.register import DecisionRegister


async def middlesbrough(forum: Forum, officer: str, chair: str, clerk: str) -> str:
    """Seed 000: the July 2018 request that offered two sources and chose neither."""
    ref = seeds.MIDDLESBROUGH_REFERENCE
    meeting = seeds.JULY_2018_MEETING
    before = (
        f"by {format_uk_date(papers_deadline(meeting, ForumSettings().papers_clear_working_days))}"
    )
    at_meeting = format_uk_date(meeting)
    minutes_due = default_calendar().add_working_days(
        meeting, ForumSettings().minutes_draft_working_days
    )
    after = f"by {format_uk_date(minutes_due)}"
    options = (seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK)
    print(f"\n== {ref}: Middlesbrough Schools Management Forum (seed 000) ==", file=forum.out)
    await forum.create(before, officer, seeds.middlesbrough_draft(ref, author_id=officer))
    await forum.act(before, officer, ref, SubmitDraft())
    for option in options:
        await forum.act(before, officer, ref, AddOption(option=option))
    as_written = Recommendation(text=seeds.MIDDLESBROUGH_RECOMMENDATION)
    await forum.act(before, officer, ref, SetRecommendation(recommendation=as_written))
    table = TableRequest(meeting_date=meeting, membership=seeds.MEMBERSHIP)
    await forum.refused(before, chair, ref, table, 409)
    naming = Recommendation(
        text=seeds.MIDDLESBROUGH_RECOMMENDATION + " Funded from the centrally retained budget.",
        option_ids=(seeds.CENTRALLY_RETAINED.option_id,),
    )
    await forum.act(before, officer, ref, SetRecommendation(recommendation=naming))
    await forum.act(before, chair, ref, table)
    everyone = tuple(member.member_id for member in seeds.MEMBERS)
    await forum.act(at_meeting, clerk, ref, RecordAttendance(present_member_ids=everyone))
    await forum.act(at_meeting, chair, ref, OpenVote())
    amendment = AmendRecommendation(amendment=seeds.MIDDLESBROUGH_AMENDMENT)
    await forum.act(at_meeting, clerk, ref, amendment)
    await forum.votes(at_meeting, ref, ((member, VoteChoice.for_) for member in seeds.MEMBERS))
    await forum.act(at_meeting, chair, ref, CloseVote())
    minute = seeds.middlesbrough_minute(recorded_by=clerk)
    # The minute as the forum wrote it in 2018, naming no source.
    sourceless = minute.model_copy(
        update={"agreed_option_ids": (), "text": seeds.MIDDLESBROUGH_MINUTE}
    )
    await forum.refused(after, clerk, ref, RecordMinute(minute=sourceless), 409)
    await forum.act(after, clerk, ref, RecordMinute(minute=minute))
    confirmed = await forum.act(
        format_uk_date(seeds.SEPTEMBER_2018_MEETING), chair, ref, ConfirmMinutes()
    )
    return str(confirmed["stage"])


async def staffordshire(forum: Forum, officer: str, chair: str, clerk: str, member: str) -> str:
    """Seed 003: recurrent family support whose procurement must be decided early."""
    ref = seeds.STAFFORDSHIRE_REFERENCE
    planned = format_uk_date(seeds.STAFFORDSHIRE_PLANNED_ON)
    print(f"\n== {ref}: Staffordshire Schools Forum (seed 003) ==", file=forum.out)
    print("  (the minute gives no money figure: the amount here is illustrative)", file=forum.out)
    draft = seeds.staffordshire_draft(ref, author_id=officer)
    await forum.create(planned, officer, draft, seeds.STAFFORDSHIRE_MEETINGS)
    plan = plan_procurement_decision(
        seeds.STAFFORDSHIRE_SERVICE_START,
        seeds.STAFFORDSHIRE_MEETINGS,
        today=seeds.STAFFORDSHIRE_PLANNED_ON,
    )
    if plan.last_meeting is None or plan.papers_deadline is None:
        raise DemoError(f"no meeting can take the procurement decision: {plan.warning}")
    warning = await forum.warning(officer, ref)
    if warning is None:
        raise DemoError("the engine gave no warning about the annual DSG decision")
    forum.entry(planned, "the engine's warning", warning)
    for line in await forum.deadlines(officer, ref):
        forum.entry(planned, "deadline", line)
    before = f"by {format_uk_date(plan.papers_deadline)}"
    await forum.act(before, officer, ref, SubmitDraft())
    for option in (seeds.STAFFORDSHIRE_CENTRAL_BLOCK, seeds.STAFFORDSHIRE_AUTHORITY):
        await forum.act(before, officer, ref, AddOption(option=option))
    recommendation = Recommendation(
        text=seeds.STAFFORDSHIRE_RECOMMENDATION,
        option_ids=(seeds.STAFFORDSHIRE_CENTRAL_BLOCK.option_id,),
    )
    await forum.act(before, officer, ref, SetRecommendation(recommendation=recommendation))
    meeting = plan.last_meeting
    table = TableRequest(meeting_date=meeting, membership=seeds.MEMBERSHIP)
    await forum.refused(before, member, ref, table, 403)
    await forum.act(before, chair, ref, table)
    at_meeting = format_uk_date(meeting)
    few = tuple(m.member_id for m in seeds.MEMBERS[:5])
    await forum.act(at_meeting, clerk, ref, RecordAttendance(present_member_ids=few))
    await forum.refused(at_meeting, chair, ref, OpenVote(), 409)
    present = seeds.MEMBERS[:16]
    attendance = RecordAttendance(present_member_ids=tuple(m.member_id for m in present))
    await forum.act(at_meeting, clerk, ref, attendance)
    await forum.act(at_meeting, chair, ref, OpenVote())
    choices = [(m, VoteChoice.for_) for m in present[:-1]] + [(present[-1], VoteChoice.abstain)]
    await forum.votes(at_meeting, ref, choices)
    await forum.act(at_meeting, chair, ref, CloseVote())
    minutes_due = default_calendar().add_working_days(
        meeting, ForumSettings().minutes_draft_working_days
    )
    minute = seeds.staffordshire_minute(recorded_by=clerk)
    await forum.act(f"by {format_uk_date(minutes_due)}", clerk, ref, RecordMinute(minute=minute))
    confirmed = await forum.act(
        format_uk_date(seeds.STAFFORDSHIRE_CONFIRMING_MEETING), chair, ref, ConfirmMinutes()
    )
    return str(confirmed["stage"])


def print_register(
    out: TextIO, register: DecisionRegister, references: Sequence[str]
) -> list[RegisterEntry]:
    """The register's decisions, with where each pound comes from."""
    decisions = [
        entry
        for entry in register.search(kind=EntryKind.DECISION)
        if entry.request_ref in references
    ]
    print("\n== The decision register ==", file=out)
    print(
        f"  {'request':<15} {'meeting':<15} {'outcome':<20} {'source':<36} {'amount':>12}  minutes",
        file=out,
    )
    for entry in decisions:
        confirmed = register.funding_decision_for(entry.request_ref, confirmed_only=True)
        status = "confirmed" if confirmed == entry else "not confirmed"
        meeting = format_uk_date(entry.meeting_date) if entry.meeting_date else "-"
        for option in entry.agreed_options or ():
            source = FundingSource(option.source).label
            print(
                f"  {entry.request_ref:<15} {meeting:<15} {entry.outcome:<20} {source:<36} "
                f"{format_pence(option.amount_pence):>12}  {status}",
                file=out,
            )
    return decisions
