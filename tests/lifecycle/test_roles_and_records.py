"""Who may act, what the register keeps, and how a request lives across funding periods."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from pathlib import Path

import pytest
from temporalio.client import (
    WorkflowContinuedAsNewError,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from clients.records import TransitionRefused
from clients.requests import FundingRequests
from contracts.register import RegisterEntry
from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    JULY_2018_MEETING,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    member_actor,
    middlesbrough_draft,
)
from domain.people import Actor, Role
from domain.request.commands import (
    COMMAND_TRANSITION,
    AddOption,
    AmendRecommendation,
    CastVote,
    Close,
    CloseVote,
    Command,
    ConfirmFunding,
    ConfirmMinutes,
    Defer,
    EditDraft,
    Extend,
    FollowMeeting,
    LeaveAgenda,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    RecordSpending,
    RemoveOption,
    ReportEvaluation,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
    Transition,
    Withdraw,
)
from domain.request.decision import VoteChoice
from domain.request.draft import Period, Recommendation
from domain.request.lifecycle import PERMISSIONS
from domain.request.models import Stage
from storage.register import DecisionRegister
from tests.lifecycle.drive import (
    draft_to_options,
    evaluated_request,
    history_length,
    minute_for,
    new_reference,
    open_vote_with,
    recommend_and_table,
)
from worker.app import WorkerDependencies, build_worker

ACTOR_BY_ROLE: dict[Role, Actor] = {
    Role.officer: OFFICER,
    Role.clerk: CLERK,
    Role.chair: CHAIR,
    Role.member: member_actor(MEMBERS[0]),
}

SAMPLE_COMMANDS: dict[Transition, Command] = {
    Transition.edit_draft: EditDraft(draft=middlesbrough_draft("SMF-SAMPLE")),
    Transition.submit_draft: SubmitDraft(),
    Transition.add_option: AddOption(option=CENTRALLY_RETAINED),
    Transition.remove_option: RemoveOption(option_id=CENTRALLY_RETAINED.option_id),
    Transition.set_recommendation: SetRecommendation(
        recommendation=Recommendation(text="Agree", option_ids=(CENTRALLY_RETAINED.option_id,))
    ),
    Transition.table: TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP),
    Transition.follow_meeting: FollowMeeting(
        meeting_id="meeting-2018-07-04",
        from_date=JULY_2018_MEETING,
        meeting_date=date(2018, 7, 18),
        reason="room unavailable",
    ),
    Transition.leave_agenda: LeaveAgenda(meeting_id="meeting-2018-07-04", reason="cancelled"),
    Transition.withdraw: Withdraw(reason="no longer needed"),
    Transition.record_attendance: RecordAttendance(present_member_ids=(MEMBERS[0].member_id,)),
    Transition.open_vote: OpenVote(),
    Transition.amend_recommendation: AmendRecommendation(amendment="full time"),
    Transition.cast_vote: CastVote(choice=VoteChoice.for_),
    Transition.close_vote: CloseVote(),
    Transition.defer: Defer(reason="more information"),
    Transition.record_minute: RecordMinute(minute=minute_for()),
    Transition.confirm_minutes: ConfirmMinutes(),
    Transition.report_evaluation: ReportEvaluation(report=EVALUATION),
    Transition.confirm_funding: ConfirmFunding(
        confirmed_by="Head of Finance",
        confirmed_on=JULY_2018_MEETING,
        option_ids=(CENTRALLY_RETAINED.option_id,),
        amount_pence=CENTRALLY_RETAINED.amount_pence,
    ),
    Transition.record_spending: RecordSpending(started_on=JULY_2018_MEETING, description="posts"),
    Transition.extend: Extend(
        new_period=Period(start=date(2019, 9, 1), end=date(2020, 8, 31)), reason="renewal"
    ),
    Transition.close: Close(reason="ended"),
}


def test_every_transition_has_a_sample_command() -> None:
    """The role matrix below covers every transition the domain defines."""
    assert set(SAMPLE_COMMANDS) == set(Transition)
    assert all(COMMAND_TRANSITION[type(c)] is t for t, c in SAMPLE_COMMANDS.items())


async def test_wrong_role_is_refused_at_every_transition(forum: FundingRequests) -> None:
    """Each transition attempted by each role not permitted to take it is refused as such."""
    reference = new_reference()
    await forum.create(middlesbrough_draft(reference), OFFICER)
    before = await history_length(forum.handle(reference))
    refusals: dict[tuple[Transition, Role], str] = {}
    for transition, command in SAMPLE_COMMANDS.items():
        for role, actor in ACTOR_BY_ROLE.items():
            if role in PERMISSIONS[transition]:
                continue
            with pytest.raises(TransitionRefused) as refused:
                await forum.submit(reference, command, actor)
            refusals[(transition, role)] = refused.value.kind
    assert refusals, "some role is refused somewhere"
    assert set(refusals.values()) == {"RoleNotPermitted"}
    expected = {(t, r) for t in Transition for r in Role if r not in PERMISSIONS[t]}
    assert set(refusals) == expected
    assert await history_length(forum.handle(reference)) == before


async def test_allowed_actions_follow_role_and_stage(forum: FundingRequests) -> None:
    """The allowed-actions query offers a chair tabling only once options are listed."""
    reference = new_reference()
    await forum.create(middlesbrough_draft(reference), OFFICER)
    chair_in_drafting = await forum.allowed_actions(reference, (Role.chair,))
    officer_in_drafting = await forum.allowed_actions(reference, (Role.officer,))
    await forum.submit(reference, SubmitDraft(), OFFICER)
    chair_in_options = await forum.allowed_actions(reference, (Role.chair,))
    assert Transition.table not in chair_in_drafting.transitions
    assert Transition.submit_draft in officer_in_drafting.transitions
    assert chair_in_options.stage is Stage.option_listing
    assert Transition.table in chair_in_options.transitions


async def test_invalid_command_names_the_field(forum: FundingRequests) -> None:
    """A malformed command is refused naming the field and the rule, and changes nothing."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    handle = forum.handle(reference)
    before = await history_length(handle)
    # Sent as raw JSON, as a client that skips forumflow's own models would.
    malformed = {
        "actor": CLERK.model_dump(mode="json"),
        "command": {"kind": "amend_recommendation", "amendment": 12},
    }
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update("amend_recommendation", malformed)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "InvalidCommand"
    assert "command.amend_recommendation.amendment" in cause.message
    assert "string" in cause.message
    assert await history_length(handle) == before
    assert (await forum.state(reference)).amendments == ()


async def test_the_same_update_id_has_one_effect(forum: FundingRequests) -> None:
    """A vote retried by the client with the same idempotency key is counted once."""
    reference = await draft_to_options(forum, middlesbrough_draft(new_reference()))
    await recommend_and_table(forum, reference)
    await open_vote_with(forum, reference)
    voter = member_actor(MEMBERS[3])
    key = f"vote-{uuid.uuid4()}"
    first = await forum.submit(
        reference, CastVote(choice=VoteChoice.for_), voter, idempotency_key=key
    )
    again = await forum.submit(
        reference, CastVote(choice=VoteChoice.for_), voter, idempotency_key=key
    )
    assert first == again
    assert len((await forum.state(reference)).votes) == 1


class RegisterThatFailsAfterCommit(DecisionRegister):
    """A real register that reports a failure after its first successful write,
    as a worker would that crashed between the commit and the reply."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.calls = 0

    def record(self, entry: RegisterEntry) -> bool:
        self.calls += 1
        written = super().record(entry)
        if self.calls == 1:
            raise ConnectionError("lost the database connection after commit")
        return written


async def test_register_holds_one_row_per_decision_after_activity_retries(
    env: WorkflowEnvironment, task_queue: str, tmp_path: Path, deps: WorkerDependencies
) -> None:
    """An activity retried after its write committed leaves exactly one register row."""
    flaky = RegisterThatFailsAfterCommit(f"sqlite:///{tmp_path / 'flaky.sqlite3'}")
    flaky.create_schema()
    async with build_worker(env.client, task_queue, dataclasses.replace(deps, register=flaky)):
        forum = FundingRequests(env.client, task_queue)
        reference = await evaluated_request(forum)
        await forum.submit(reference, Close(reason="done"), CHAIR)
        outcome = await forum.handle(reference).result()
    assert flaky.calls == 4, "the first write was retried once"
    assert flaky.count(reference) == 3
    assert len(set(outcome.register_keys)) == 3


async def test_extension_starts_the_next_period_by_continue_as_new(
    env: WorkflowEnvironment, forum: FundingRequests, register: DecisionRegister
) -> None:
    """Extending after evaluation continues the workflow as new in cycle 2, carrying the record."""
    reference = await evaluated_request(forum)
    first_run_id = (await forum.handle(reference).describe()).run_id
    next_period = Period(start=date(2019, 9, 1), end=date(2020, 8, 31))
    result = await forum.submit(
        reference, Extend(new_period=next_period, reason="707 referrals"), CHAIR
    )
    first_run = env.client.get_workflow_handle(reference, run_id=first_run_id)
    with pytest.raises(WorkflowContinuedAsNewError):
        await first_run.result(follow_runs=False)

    state = await forum.state(reference)
    assert result.cycle == 2
    assert result.stage is Stage.option_listing
    assert (await first_run.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    assert state.cycle == 2
    assert state.stage is Stage.option_listing
    assert state.draft.period == next_period
    assert state.previous_cycles[0].agreed_option_ids == (CENTRALLY_RETAINED.option_id,)
    assert len(state.audit) > len(SAMPLE_COMMANDS) // 2, "the audit trail was carried over"
    kinds = [(e.cycle, e.kind.value, e.outcome) for e in register.entries_for(reference)]
    assert (1, "evaluation", "extended") in kinds
    assert (2, "funding_period", "started") in kinds
