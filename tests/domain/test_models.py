"""Tests for a request's values and commands (domain/request/) and the values they share."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.register import DECISION_OUTCOMES
from devtools.seeds import (
    CENTRALLY_RETAINED,
    EVALUATION,
    JULY_2018_MEETING,
    MIDDLESBROUGH_AMENDMENT,
    MIDDLESBROUGH_RECOMMENDATION,
    OFFICER,
    POSTS_PERIOD,
    SCHOOLS_BLOCK,
    middlesbrough_draft,
    middlesbrough_minute,
)
from domain import audit, forum, people
from domain.audit import AuditEntry
from domain.errors import RoleNotPermitted
from domain.forum import Contact, ForumContacts, ForumSettings, ReminderTiming
from domain.people import Actor, Member, MemberGroup, Membership, Role
from domain.request import commands, decision, models
from domain.request import draft as drafts
from domain.request.commands import AnyCommand, CloseVote, RecordAttendance
from domain.request.decision import (
    Action,
    Decision,
    DecisionOutcome,
    Deferral,
    FundingConfirmation,
    MeasuredOutcome,
    Minute,
    OptionVotes,
    PaymentByResults,
    PhaseDecision,
    PhaseOutcome,
    SpendingRecord,
    Tally,
    Vote,
    VoteChoice,
)
from domain.request.draft import (
    Citation,
    CitedEntry,
    CitedFunding,
    CostLine,
    DecisionType,
    EvaluationPlan,
    FundingOption,
    FundingSource,
    Period,
    Recommendation,
    RequestDraft,
)
from domain.request.models import CycleSummary, NoticeRecord, RequestState, Stage
from domain.values import DomainModel, format_pence

AT = datetime(2018, 7, 4, 18, 30, tzinfo=UTC)
# The seed's report, recommending the posts end, so both recommendations are sampled.
REPORT = EVALUATION.model_copy(update={"recommendation": "end"})
RETAINED = CENTRALLY_RETAINED.option_id


def posts() -> CostLine:
    """The seed's cost line: four posts at GBP 22,401."""
    [line] = middlesbrough_draft().cost_lines
    return line


def draft(**changes: Any) -> RequestDraft:
    """The seed's draft with ``changes``, validated."""
    return RequestDraft.model_validate({**dict(middlesbrough_draft()), **changes})


def option(**changes: Any) -> FundingOption:
    """The seed's centrally retained option with ``changes``, validated.

    Only the fields the seed set are carried over, so a changed source still gets its
    default decision type.
    """
    given = {
        name: value
        for name, value in CENTRALLY_RETAINED
        if name in CENTRALLY_RETAINED.model_fields_set
    }
    return FundingOption.model_validate(given | changes)


def error_locations(exc: ValidationError) -> list[str]:
    return [".".join(str(part) for part in e["loc"]) for e in exc.errors()]


def membership() -> Membership:
    return Membership(
        members=(
            Member(
                member_id="m1",
                name="A Head",
                group=MemberGroup.maintained_primary,
                email="a@example.org",
            ),
            Member(member_id="m2", name="B Head", group=MemberGroup.academy, email="b@example.org"),
        )
    )


def full_state() -> RequestState:
    """A request that has been through every stage up to evaluation, every field filled."""
    tally = Tally(
        for_count=2,
        against_count=0,
        abstentions=0,
        for_by_option=(OptionVotes(option_id=RETAINED, for_count=2),),
    )
    decision = Decision(
        outcome=DecisionOutcome.approved_as_amended,
        decided_at=AT,
        meeting_date=JULY_2018_MEETING,
        tally=tally,
        chosen_option_ids=(RETAINED,),
        amendments=(MIDDLESBROUGH_AMENDMENT,),
    )
    minute = middlesbrough_minute().model_copy(
        update={
            "amendments": (MIDDLESBROUGH_AMENDMENT,),
            "actions": (
                Action(
                    action_id="a1",
                    description="Report impact",
                    owner="Gail Earl",
                    due_meeting=date(2019, 2, 27),
                ),
            ),
        }
    )
    return RequestState(
        cycle=2,
        stage=Stage.evaluation,
        draft=draft(procurement_needed=True, service_start=date(2019, 9, 1)),
        options=(option(conditions=("full time",), covers="all four posts"),),
        recommendation=Recommendation(text=MIDDLESBROUGH_RECOMMENDATION, option_ids=(RETAINED,)),
        meeting_date=JULY_2018_MEETING,
        membership=membership(),
        present_member_ids=("m1", "m2"),
        votes=(
            Vote(member_id="m1", choice=VoteChoice.for_),
            Vote(member_id="m2", choice=VoteChoice.for_),
        ),
        amendments=(MIDDLESBROUGH_AMENDMENT,),
        decision=decision,
        minute=minute,
        minutes_confirmed_at=AT,
        evaluation=EVALUATION,
        deferrals=(Deferral(reason="Source unclear", meeting_date=date(2018, 5, 2), at=AT),),
        audit=(
            AuditEntry(
                at=AT,
                actor_id=OFFICER.user_id,
                actor_name=OFFICER.name,
                role=Role.officer,
                transition="create",
                from_stage=None,
                to_stage=Stage.drafting,
                summary="Drafted.",
            ),
        ),
        settings=ForumSettings(chair_has_casting_vote=True),
        previous_cycles=(
            CycleSummary(
                cycle=1,
                outcome=DecisionOutcome.approved,
                agreed_option_ids=("high-needs",),
                amount_pence=100,
                period=Period(start=date(2017, 9, 1), end=date(2018, 8, 31)),
            ),
        ),
    )


SAMPLES: list[BaseModel] = [
    OFFICER,
    Actor(
        user_id="m1",
        name="A Head",
        roles=frozenset({Role.member, Role.chair}),
        group=MemberGroup.maintained_primary,
    ),
    membership().members[0],
    membership(),
    posts(),
    POSTS_PERIOD,
    EvaluationPlan(measures=("referrals", "attendance"), report_due=date(2019, 7, 1)),
    draft(),
    option(
        option_id="named-grant",
        source=FundingSource.other_grant,
        source_detail="Holiday Activities Fund",
    ),
    SCHOOLS_BLOCK,
    Recommendation(text="Choose one", option_ids=("a1", "b2"), mode="one_of"),
    Vote(member_id="m1", choice=VoteChoice.for_, option_id="a1"),
    OptionVotes(option_id="a1", for_count=3),
    Tally(for_count=1, against_count=1, abstentions=0, casting_vote_used=True, casting_vote_by="c"),
    Decision(
        outcome=DecisionOutcome.rejected,
        decided_at=AT,
        meeting_date=JULY_2018_MEETING,
        tally=Tally(for_count=0, against_count=3, abstentions=1),
        reason="Lost",
    ),
    PhaseDecision(
        group=MemberGroup.maintained_primary,
        outcome=PhaseOutcome.rejected,
        tally=Tally(for_count=0, against_count=2, abstentions=0),
    ),
    Deferral(reason="More options needed", meeting_date=JULY_2018_MEETING, at=AT),
    Action(action_id="a1", description="Present", owner="Gail Earl", due_meeting=date(2019, 2, 27)),
    Minute(amount_pence=0, text="Noted.", recorded_by="u-clerk"),
    MeasuredOutcome(measure="referrals", value=707, unit="referrals"),
    REPORT,
    PaymentByResults(measure="referrals", target=600, achieved=707, amount_paid_pence=5_000),
    FundingConfirmation(
        confirmed_by="Head of Finance",
        confirmed_on=date(2018, 11, 1),
        option_ids=("a1",),
        amount_pence=5,
        recorded_by="u-officer",
        recorded_at=AT,
    ),
    SpendingRecord(
        started_on=date(2018, 9, 1),
        description="Posts filled",
        recorded_by="u-officer",
        recorded_at=AT,
        before_funding_confirmed=True,
    ),
    CitedFunding(source="dsg_high_needs", amount_pence=7),
    CitedEntry(
        entry_id="SMF-2018-EHP/c1/minute_confirmed/20",
        request_ref="SMF-2018-EHP",
        kind="minute_confirmed",
        outcome="approved",
        minutes_confirmed=True,
    ),
    Citation(
        entry_id="SMF-2018-EHP/c1/decision/17",
        request_ref="SMF-2018-EHP",
        claimed_source=FundingSource.centrally_retained,
        claimed_amount_pence=5,
        entry=CitedEntry(
            entry_id="SMF-2018-EHP/c1/decision/17",
            request_ref="SMF-2018-EHP",
            kind="decision",
            outcome="approved",
            meeting_date=JULY_2018_MEETING,
            minutes_confirmed=True,
            funding=(CitedFunding(source="centrally_retained", amount_pence=5),),
        ),
    ),
    AuditEntry[Stage](
        at=AT,
        actor_id="c",
        actor_name="Chair",
        role=Role.chair,
        transition="table",
        from_stage=Stage.option_listing,
        to_stage=Stage.tabled,
        summary="Tabled.",
        reason=None,
    ),
    ForumSettings(quorum_numerator=1, quorum_denominator=3, papers_clear_working_days=3),
    Contact(name="Forum Chair", email="chair@forum.example.org"),
    ReminderTiming(kind="papers", offsets_days=(7, 0), send_hour=9),
    NoticeRecord(
        at=datetime(2019, 6, 21, 16, 0, tzinfo=UTC),
        key="SMF-1/c1/evaluation_report/2019-06-28/reminder/7d",
        kind="reminder",
        subject="SMF-1: evaluation report due in 7 days",
        recipients=("Sean Hogg <sean.hogg@example.org>",),
        outcome="sent",
    ),
    ForumContacts(
        chair=Contact(name="Forum Chair", email="chair@forum.example.org"),
        clerk=Contact(name="Forum Clerk", email="clerk@forum.example.org"),
    ),
    CycleSummary(
        cycle=1,
        outcome=DecisionOutcome.approved,
        agreed_option_ids=("a1",),
        amount_pence=5,
        period=POSTS_PERIOD,
    ),
    full_state(),
    RequestState.new(draft(), OFFICER, AT),
]


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_json_round_trip(value: BaseModel) -> None:
    """Every model survives model_dump_json -> model_validate_json unchanged, strict as it is."""
    assert type(value).model_validate_json(value.model_dump_json()) == value


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_temporal_converter_round_trip(value: BaseModel) -> None:
    """Every model survives Temporal's pydantic data converter, as workflow arguments do."""
    converter = pydantic_data_converter.payload_converter
    payloads = converter.to_payloads([value])
    assert converter.from_payloads(payloads, [type(value)]) == [value]


def test_samples_cover_every_model() -> None:
    """The round-trip samples include every model a request is made of (a generic one, such
    as the audit entry, by one of its parametrisations)."""
    classes = {
        obj
        for module in (people, forum, audit, drafts, decision, models)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, DomainModel)
    } - {DomainModel}
    sampled = {type(v).__pydantic_generic_metadata__["origin"] or type(v) for v in SAMPLES}
    assert classes <= sampled


def test_every_command_round_trips_through_the_union() -> None:
    """Each command class round-trips as itself and through the AnyCommand union by its kind."""
    adapter: TypeAdapter[Any] = TypeAdapter(AnyCommand)
    samples: list[commands.Command] = [
        commands.EditDraft(draft=draft()),
        commands.SubmitDraft(),
        commands.AddOption(option=option()),
        commands.RemoveOption(option_id=RETAINED),
        commands.SetRecommendation(recommendation=Recommendation(text="t", option_ids=("ab",))),
        commands.TableRequest(meeting_date=JULY_2018_MEETING, membership=membership()),
        commands.FollowMeeting(
            meeting_id="meeting-2018-07-04",
            from_date=JULY_2018_MEETING,
            meeting_date=date(2018, 7, 18),
            reason="r",
        ),
        commands.LeaveAgenda(meeting_id="meeting-2018-07-04", reason="r"),
        commands.Withdraw(reason="r"),
        RecordAttendance(present_member_ids=("m1",)),
        commands.OpenVote(),
        commands.AmendRecommendation(amendment=MIDDLESBROUGH_AMENDMENT),
        commands.CastVote(choice=VoteChoice.abstain),
        CloseVote(chair_casting_choice=VoteChoice.for_),
        commands.Defer(reason="r"),
        commands.RecordMinute(minute=Minute(amount_pence=1, text="t", recorded_by="c")),
        commands.ConfirmMinutes(),
        commands.ReportEvaluation(report=REPORT),
        commands.ConfirmFunding(
            confirmed_by="Finance", confirmed_on=AT.date(), option_ids=("ab",), amount_pence=1
        ),
        commands.RecordSpending(started_on=AT.date(), description="Posts filled"),
        commands.Extend(new_period=POSTS_PERIOD, reason="r"),
        commands.Close(reason="r"),
    ]
    assert {type(c) for c in samples} == set(commands.COMMAND_TRANSITION)
    for command in samples:
        assert type(command).model_validate_json(command.model_dump_json()) == command
        assert adapter.validate_json(command.model_dump_json()) == command
        assert command.kind == commands.COMMAND_TRANSITION[type(command)].value  # type: ignore[attr-defined]


def test_float_money_is_refused() -> None:
    """A float amount (even a whole one) is refused and the error names the field."""
    with pytest.raises(ValidationError) as caught:
        CostLine(description="posts", quantity=4, unit_cost_pence=22401.0)  # type: ignore[arg-type]
    assert error_locations(caught.value) == ["unit_cost_pence"]
    with pytest.raises(ValidationError) as caught:
        FundingOption.model_validate_json(
            option().model_dump_json().replace("8960400", "8960400.5")
        )
    assert error_locations(caught.value) == ["amount_pence"]


def test_negative_and_boolean_money_are_refused() -> None:
    """Money is a non-negative int: negative amounts and booleans are refused."""
    with pytest.raises(ValidationError, match="amount_pence"):
        option(amount_pence=-1)
    with pytest.raises(ValidationError, match="amount_pence"):
        option(amount_pence=True)


def test_naive_datetime_is_refused() -> None:
    """A datetime without a time zone is refused, naming the field."""
    with pytest.raises(ValidationError) as caught:
        Deferral(reason="r", meeting_date=JULY_2018_MEETING, at=datetime(2018, 7, 4, 18))  # noqa: DTZ001
    assert error_locations(caught.value) == ["at"]


def test_naive_now_is_refused_when_creating_a_request() -> None:
    """RequestState.new refuses a naive `now` (a caller's bug) with ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        RequestState.new(draft(), OFFICER, datetime(2018, 7, 4, 18))  # noqa: DTZ001


def test_only_an_officer_creates_a_request() -> None:
    """RequestState.new refuses a non-officer and records the officer's creation otherwise."""
    clerk = Actor(user_id="c", name="Clerk", roles=frozenset({Role.clerk}))
    with pytest.raises(RoleNotPermitted, match="officer role"):
        RequestState.new(draft(), clerk, AT)
    state = RequestState.new(draft(), OFFICER, AT)
    assert state.stage is Stage.drafting
    assert [e.transition for e in state.audit] == ["create"]


def test_service_start_is_required_with_procurement() -> None:
    """A draft needing a procurement must give service_start, and the error says so."""
    with pytest.raises(ValidationError, match="service_start: a request that needs a procurement"):
        draft(procurement_needed=True)
    assert draft(procurement_needed=True, service_start=date(2019, 9, 1)).service_start


def test_service_start_without_procurement_is_refused() -> None:
    """A service start date without a procurement is refused, naming service_start."""
    with pytest.raises(ValidationError, match="service_start: only a request"):
        draft(service_start=date(2019, 9, 1))


def test_other_grant_needs_source_detail() -> None:
    """An option from another grant must name the grant in source_detail."""
    with pytest.raises(ValidationError, match="source_detail: an option funded from another grant"):
        option(source=FundingSource.other_grant)
    with pytest.raises(ValidationError, match="source_detail"):
        option(source=FundingSource.other_grant, source_detail="   ")


def test_dedelegation_source_and_decision_type_go_together() -> None:
    """Only the de-delegation source is decided by de-delegation, and it is by default."""
    dedelegation = FundingSource.dsg_schools_block_dedelegation
    assert option(source=dedelegation).decision_type is DecisionType.dedelegation
    assert option().decision_type is DecisionType.general
    with pytest.raises(ValidationError, match="decision_type"):
        option(source=dedelegation, decision_type=DecisionType.general)
    with pytest.raises(ValidationError, match="decision_type"):
        option(decision_type=DecisionType.dedelegation)
    implicit = '{"option_id": "sb", "source": "dsg_schools_block_dedelegation", '
    implicit += '"amount_pence": 1, "period": {"start": "2018-09-01", "end": "2019-08-31"}}'
    assert FundingOption.model_validate_json(implicit).decision_type is DecisionType.dedelegation


@pytest.mark.parametrize("reference", ["smf-2018", "SM", "SMF 2018", "-SMF-2018"])
def test_reference_pattern(reference: str) -> None:
    """A reference is 3-41 capitals, digits and hyphens, not starting with a hyphen."""
    with pytest.raises(ValidationError) as caught:
        draft(reference=reference)
    assert error_locations(caught.value) == ["reference"]


@pytest.mark.parametrize("option_id", ["Centrally", "a", "has space", "-lead"])
def test_option_id_must_be_a_slug(option_id: str) -> None:
    """An option id is a lowercase slug."""
    with pytest.raises(ValidationError) as caught:
        option(option_id=option_id)
    assert error_locations(caught.value) == ["option_id"]


def test_period_must_not_end_before_it_starts() -> None:
    """A period ending before its start is refused, naming end; its label is UK style."""
    with pytest.raises(ValidationError, match="end: the period ends"):
        Period(start=date(2019, 1, 2), end=date(2019, 1, 1))
    assert POSTS_PERIOD.label == "1 September 2018 to 31 August 2019"


def test_costs_are_exact_pence() -> None:
    """4 x GBP 22,401 is 8,960,400 pence, summed exactly over the lines."""
    assert posts().total_pence == 8_960_400
    extra = CostLine(description="training", quantity=1, unit_cost_pence=50)
    assert draft(cost_lines=(posts(), extra)).total_pence == 8_960_450
    assert format_pence(8_960_400) == "£89,604"
    assert format_pence(8_960_450) == "£89,604.50"


def test_a_draft_needs_a_cost_line_and_a_title() -> None:
    """A draft without cost lines, or with a blank title, is refused naming the field."""
    with pytest.raises(ValidationError) as caught:
        draft(cost_lines=())
    assert error_locations(caught.value) == ["cost_lines"]
    with pytest.raises(ValidationError) as caught:
        draft(title="  ")
    assert error_locations(caught.value) == ["title"]


def test_choice_needs_two_options() -> None:
    """A one_of recommendation must name at least two options; ids are unique."""
    with pytest.raises(ValidationError, match="option_ids: a choice"):
        Recommendation(text="t", option_ids=("ab",), mode="one_of")
    with pytest.raises(ValidationError, match="option_ids must be unique"):
        Recommendation(text="t", option_ids=("ab", "ab"))
    assert Recommendation(text="t").option_ids == ()


def test_membership_ids_are_unique() -> None:
    """A membership cannot list a member id twice, or be empty."""
    member = membership().members[0]
    with pytest.raises(ValidationError, match="member_id must be unique"):
        Membership(members=(member, member))
    with pytest.raises(ValidationError):
        Membership(members=())


def test_only_members_have_a_group() -> None:
    """An actor without the member role cannot carry a member group."""
    with pytest.raises(ValidationError, match="group: only an actor with the member role"):
        Actor(user_id="x", name="X", roles=frozenset({Role.clerk}), group=MemberGroup.academy)


def test_decision_consistency() -> None:
    """Approvals name options; amended approvals carry amendments; refusals give a reason."""
    base: dict[str, Any] = {
        "decided_at": AT,
        "meeting_date": JULY_2018_MEETING,
        "tally": Tally(for_count=3, against_count=0, abstentions=0),
    }
    with pytest.raises(ValidationError, match="chosen_option_ids: an approval"):
        Decision(outcome=DecisionOutcome.approved, **base)
    with pytest.raises(ValidationError, match="amendments: approved_as_amended"):
        Decision(outcome=DecisionOutcome.approved_as_amended, chosen_option_ids=("ab",), **base)
    with pytest.raises(ValidationError, match="amendments: an amended approval"):
        Decision(
            outcome=DecisionOutcome.approved, chosen_option_ids=("ab",), amendments=("x",), **base
        )
    with pytest.raises(ValidationError, match="reason: a rejected decision"):
        Decision(outcome=DecisionOutcome.rejected, **base)
    with pytest.raises(ValidationError, match="reason: a deferred decision"):
        Decision(outcome=DecisionOutcome.deferred, reason=" ", **base)


def test_models_are_frozen_and_closed() -> None:
    """Models refuse assignment and unknown fields."""
    period = POSTS_PERIOD.model_copy()  # not the seed's own, should assignment ever work
    with pytest.raises(ValidationError):
        period.start = date(2020, 1, 1)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Period(start=date(2019, 1, 1), end=date(2019, 1, 2), label="x")  # type: ignore[call-arg]


def test_state_refuses_a_stage_without_its_prerequisites() -> None:
    """A RequestState claiming a stage it has not reached (e.g. voting, no meeting) is refused."""
    with pytest.raises(ValidationError, match="meeting_date: a voting request"):
        RequestState(stage=Stage.voting, draft=draft())
    with pytest.raises(ValidationError, match="decision: a minuted request"):
        RequestState(stage=Stage.minuted, draft=draft())
    with pytest.raises(ValidationError, match="options: option_id must be unique"):
        RequestState(stage=Stage.option_listing, draft=draft(), options=(option(), option()))


def test_member_groups_and_sources() -> None:
    """Maintained groups have a phase; every source has a label; outcomes match the register."""
    assert {g for g in MemberGroup if g.is_maintained} == {
        MemberGroup.maintained_primary,
        MemberGroup.maintained_secondary,
        MemberGroup.maintained_special,
        MemberGroup.maintained_pru,
    }
    assert MemberGroup.maintained_secondary.phase == "secondary"
    assert MemberGroup.academy.phase is None
    assert FundingSource.dsg_high_needs.label == "DSG high needs block"
    assert all(source.label for source in FundingSource)
    assert {o.value for o in DecisionOutcome} == DECISION_OUTCOMES
    assert VoteChoice.for_.value == "for"


def test_command_models_validate_their_fields() -> None:
    """Commands refuse duplicate attendance and a deferral that also carries a casting vote."""
    with pytest.raises(ValidationError, match="more than once"):
        RecordAttendance(present_member_ids=("m1", "m1"))
    with pytest.raises(ValidationError, match="defer_reason"):
        CloseVote(defer_reason="later", chair_casting_choice=VoteChoice.for_)


def test_domain_imports_no_temporalio() -> None:
    """Importing the domain pulls in no temporalio module (it must stay a pure core)."""
    code = (
        "import sys, domain.request.lifecycle, domain.meeting.lifecycle, domain.meeting.carry,"
        " domain.alarms;"
        "sys.exit(any(m.split('.')[0] == 'temporalio' for m in sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
