"""Who may take each transition, checked over HTTP for every transition and every role.

The table below says, per transition, how to reach a stage it starts from and which
body is valid there; the tests iterate over COMMAND_TRANSITION and PERMISSIONS, so a
transition added to the domain without a row here fails loudly rather than going
unchecked. Both locks are exercised: the API's role check (403 before the workflow is
asked) and the workflow's own (a refusal when the API is bypassed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from clients.records import TransitionRefused
from devtools.seeds import (
    CENTRALLY_RETAINED,
    EVALUATION,
    JULY_2018_MEETING,
    MEMBERS,
    MEMBERSHIP,
    SCHOOLS_BLOCK,
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
from domain.request.draft import Period, Recommendation, RequestDraft
from domain.request.lifecycle import AUTHORS_ONLY, FROM_STAGES, PERMISSIONS
from domain.request.models import Stage
from tests.api.conftest import Api
from tests.api.requests_setup import (
    ACTOR_FOR_ROLE,
    STAGE_BUILDERS,
    USER_FOR_ROLE,
    VOTER,
    Prepare,
    agenda_meeting_of,
    attended,
    conditionally_minuted,
    decided,
    drafting,
    evaluated,
    listing,
    london_today,
    minuted,
    on_an_agenda,
    post_action,
    recommended,
    snapshot,
    tabled,
    unevaluated,
    voted,
    voting,
)
from tests.lifecycle.drive import minute_for

pytestmark = pytest.mark.devserver_only


def _retitled(reference: str) -> RequestDraft:
    draft = middlesbrough_draft(reference)
    return RequestDraft.model_validate({**dict(draft), "title": "Early Help Practitioners (4)"})


@dataclass(frozen=True)
class Setup:
    """How to test one transition: reach a stage it starts from, send a valid body."""

    prepare: Prepare
    command: Callable[[str], Command]
    then: Stage


SETUPS: dict[Transition, Setup] = {
    Transition.edit_draft: Setup(
        drafting, lambda ref: EditDraft(draft=_retitled(ref)), Stage.drafting
    ),
    Transition.submit_draft: Setup(drafting, lambda _: SubmitDraft(), Stage.option_listing),
    Transition.add_option: Setup(
        listing, lambda _: AddOption(option=SCHOOLS_BLOCK), Stage.option_listing
    ),
    Transition.remove_option: Setup(
        listing,
        lambda _: RemoveOption(option_id=CENTRALLY_RETAINED.option_id),
        Stage.option_listing,
    ),
    Transition.set_recommendation: Setup(
        listing,
        lambda _: SetRecommendation(
            recommendation=Recommendation(
                text="Fund four posts.", option_ids=(CENTRALLY_RETAINED.option_id,)
            )
        ),
        Stage.option_listing,
    ),
    Transition.table: Setup(
        recommended,
        lambda _: TableRequest(meeting_date=JULY_2018_MEETING, membership=MEMBERSHIP),
        Stage.tabled,
    ),
    Transition.follow_meeting: Setup(
        tabled,
        lambda _: FollowMeeting(
            meeting_id="forum-2018-07",
            from_date=JULY_2018_MEETING,
            meeting_date=date(2018, 7, 11),
            reason="The room was double-booked.",
        ),
        Stage.tabled,
    ),
    Transition.leave_agenda: Setup(
        on_an_agenda,
        lambda ref: LeaveAgenda(meeting_id=agenda_meeting_of(ref), reason="Meeting cancelled"),
        Stage.option_listing,
    ),
    Transition.withdraw: Setup(
        drafting, lambda _: Withdraw(reason="The posts are funded elsewhere."), Stage.withdrawn
    ),
    Transition.record_attendance: Setup(
        tabled,
        lambda _: RecordAttendance(present_member_ids=tuple(m.member_id for m in MEMBERS)),
        Stage.tabled,
    ),
    Transition.open_vote: Setup(attended, lambda _: OpenVote(), Stage.voting),
    Transition.amend_recommendation: Setup(
        voting,
        lambda _: AmendRecommendation(amendment="Full time and not term time only."),
        Stage.voting,
    ),
    # Naming the voter: their own vote for the member, recorded on their behalf by the clerk.
    Transition.cast_vote: Setup(
        voting, lambda _: CastVote(choice=VoteChoice.for_, member_id=VOTER.member_id), Stage.voting
    ),
    Transition.close_vote: Setup(voted, lambda _: CloseVote(), Stage.decided),
    Transition.defer: Setup(
        tabled, lambda _: Defer(reason="Costs to be confirmed."), Stage.option_listing
    ),
    Transition.record_minute: Setup(
        decided, lambda _: RecordMinute(minute=minute_for()), Stage.minuted
    ),
    Transition.confirm_minutes: Setup(minuted, lambda _: ConfirmMinutes(), Stage.evaluation),
    Transition.report_evaluation: Setup(
        unevaluated, lambda _: ReportEvaluation(report=EVALUATION), Stage.evaluation
    ),
    Transition.confirm_funding: Setup(
        conditionally_minuted,
        lambda _: ConfirmFunding(
            confirmed_by="Head of Schools Finance",
            confirmed_on=london_today(),
            option_ids=(CENTRALLY_RETAINED.option_id,),
            amount_pence=minute_for().amount_pence,
        ),
        Stage.minuted,
    ),
    Transition.record_spending: Setup(
        minuted,
        lambda _: RecordSpending(started_on=london_today(), description="Four posts filled."),
        Stage.minuted,
    ),
    Transition.extend: Setup(
        evaluated,
        lambda _: Extend(
            new_period=Period(start=date(2019, 9, 1), end=date(2020, 8, 31)),
            reason="Referrals kept rising.",
        ),
        Stage.option_listing,
    ),
    Transition.close: Setup(evaluated, lambda _: Close(reason="The work is done."), Stage.closed),
}
"""One row per transition; a transition missing here fails test_every_transition_has_a_setup."""

TRANSITIONS = sorted(set(COMMAND_TRANSITION.values()))


def _setup(transition: Transition) -> Setup:
    setup = SETUPS.get(transition)
    if setup is None:
        pytest.fail(f"SETUPS has no row for {transition}: add how to reach it and a valid body")
    return setup


def _body(command: Command) -> dict[str, object]:
    body: dict[str, object] = command.model_dump(mode="json")
    return body


def test_every_transition_has_a_setup() -> None:
    """The setup table covers every transition the API exposes, and each row fits its stage."""
    assert set(SETUPS) == set(COMMAND_TRANSITION.values()) == set(PERMISSIONS)
    for transition, setup in SETUPS.items():
        assert COMMAND_TRANSITION[type(setup.command("SMF-CHECK"))] is transition


@pytest.mark.parametrize("transition", TRANSITIONS)
async def test_only_permitted_roles_take_the_transition(api: Api, transition: Transition) -> None:
    """Other roles get 403 at the API and a role refusal from the workflow, changing nothing;
    each permitted role gets 200 and the request reaches the expected stage."""
    setup = _setup(transition)
    forum = api.services.requests
    permitted = PERMISSIONS[transition]
    reference = await setup.prepare(forum)
    body = _body(setup.command(reference))
    before = await snapshot(api, reference)

    for role in sorted(set(Role) - permitted):
        response = await post_action(api, USER_FOR_ROLE[role], reference, transition, body)
        assert response.status_code == 403, (role, response.text)
        problem = response.json()
        assert problem["rule"] == "role-not-permitted"
        assert all(allowed.value in problem["message"] for allowed in permitted)
        # The second lock: the workflow refuses the same actor when the API is bypassed.
        with pytest.raises(TransitionRefused) as refused:
            await forum.submit(reference, setup.command(reference), ACTOR_FOR_ROLE[role])
        assert refused.value.rule == "role-not-permitted"
        assert await snapshot(api, reference) == before, role

    for index, role in enumerate(sorted(permitted)):
        # A permitted role changes the request, so each one after the first gets its own.
        target = reference if index == 0 else await setup.prepare(forum)
        audited = len((await forum.state(target)).audit)
        response = await post_action(
            api, USER_FOR_ROLE[role], target, transition, _body(setup.command(target))
        )
        assert response.status_code == 200, (role, response.text)
        result = response.json()
        assert result["transition"] == transition.value
        assert result["stage"] == setup.then.value
        assert result["audit_entry"]["role"] == role.value
        assert result["audit_entry"]["actor_id"] == USER_FOR_ROLE[role]
        after = await forum.state(target)
        assert after.stage is setup.then
        # Audit length, not update events: an extension continues as a new run.
        assert len(after.audit) == audited + 1


def _wrong_stage(transition: Transition) -> tuple[Stage, Prepare]:
    allowed = FROM_STAGES[transition]
    for stage, prepare in STAGE_BUILDERS.items():
        if stage not in allowed and not stage.is_final:
            return stage, prepare
    raise AssertionError(f"{transition} starts from every live stage; no wrong stage to try")


@pytest.mark.parametrize("transition", TRANSITIONS)
async def test_permitted_role_in_the_wrong_stage_is_409(api: Api, transition: Transition) -> None:
    """The permitted role acting from a stage the transition does not start from gets 409
    transition-not-allowed-in-stage, and the request is unchanged."""
    setup = _setup(transition)
    stage, prepare = _wrong_stage(transition)
    reference = await prepare(api.services.requests)
    before = await snapshot(api, reference)
    role = min(PERMISSIONS[transition])
    response = await post_action(
        api, USER_FOR_ROLE[role], reference, transition, _body(setup.command(reference))
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["rule"] == "transition-not-allowed-in-stage"
    assert f"'{stage.value}'" in problem["message"]
    assert await snapshot(api, reference) == before


async def test_workflow_refuses_a_vote_the_api_lets_through(api: Api) -> None:
    """A member passes the API's role check, but the workflow refuses a second vote and a
    vote by a member not recorded present: 409 with the rule, and nothing recorded."""
    forum = api.services.requests
    reference = await tabled(forum)
    present = tuple(m.member_id for m in MEMBERS if m.member_id != MEMBERS[-1].member_id)
    await forum.submit(
        reference, RecordAttendance(present_member_ids=present), ACTOR_FOR_ROLE[Role.clerk]
    )
    await forum.submit(reference, OpenVote(), ACTOR_FOR_ROLE[Role.chair])
    vote = {"choice": "for"}
    first = await post_action(api, VOTER.member_id, reference, "cast_vote", vote)
    assert first.status_code == 200, first.text
    before = await snapshot(api, reference)

    again = await post_action(api, VOTER.member_id, reference, "cast_vote", vote)
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "one-vote-per-member"
    assert "already voted" in again.json()["message"]

    absent = await post_action(api, MEMBERS[-1].member_id, reference, "cast_vote", vote)
    assert absent.status_code == 409, absent.text
    assert absent.json()["rule"] == "member-not-present"
    assert MEMBERS[-1].name in absent.json()["message"]

    assert await snapshot(api, reference) == before
    assert len((await forum.state(reference)).votes) == 1


async def test_allowed_actions_match_the_matrix(api: Api) -> None:
    """Each role's allowed actions on a tabled request are those PERMISSIONS and FROM_STAGES
    give it there."""
    reference = await tabled(api.services.requests)
    for role, user in USER_FOR_ROLE.items():
        response = await api.http.get(
            f"/requests/{reference}/allowed-actions", headers=api.auth(user)
        )
        assert response.status_code == 200, response.text
        expected = {
            t.value for t in Transition if role in PERMISSIONS[t] and Stage.tabled in FROM_STAGES[t]
        }
        assert set(response.json()["transitions"]) == expected, role


ANOTHER_OFFICER = "gail.earl"
"""An officer in the directory who did not write the requests these tests create."""


@pytest.mark.parametrize("transition", sorted(AUTHORS_ONLY))
async def test_another_officer_cannot_change_a_request(api: Api, transition: Transition) -> None:
    """An officer who is neither the author nor a co-author gets 409 officer-not-author
    from each officer action, naming the author, and nothing changes; the same person
    bypassing the API is refused by the workflow too."""
    setup = _setup(transition)
    forum = api.services.requests
    reference = await setup.prepare(forum)
    before = await snapshot(api, reference)
    response = await post_action(
        api, ANOTHER_OFFICER, reference, transition, _body(setup.command(reference))
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["rule"] == "officer-not-author"
    assert USER_FOR_ROLE[Role.officer] in problem["message"]
    assert "Gail Earl" in problem["message"]
    stranger = Actor(user_id=ANOTHER_OFFICER, name="Gail Earl", roles=frozenset({Role.officer}))
    with pytest.raises(TransitionRefused) as refused:
        await forum.submit(reference, setup.command(reference), stranger)
    assert refused.value.rule == "officer-not-author"
    assert await snapshot(api, reference) == before
    allowed = await api.http.get(
        f"/requests/{reference}/allowed-actions", headers=api.auth(ANOTHER_OFFICER)
    )
    assert transition.value not in allowed.json()["transitions"]


async def test_the_author_names_a_co_author_who_may_then_change_it(api: Api) -> None:
    """The author adds a co-author by editing the draft; the co-author may then edit and
    submit it, may not change who the co-authors are, and the author stays the author."""
    reference = await drafting(api.services.requests)
    draft = (await api.services.requests.state(reference)).draft.model_dump(mode="json")
    named = {"draft": {**draft, "author_id": None, "co_author_ids": [ANOTHER_OFFICER]}}
    response = await post_action(api, "sean.hogg", reference, "edit_draft", named)
    assert response.status_code == 200, response.text
    retitled = {"draft": {**named["draft"], "title": "Early Help Practitioners (4)"}}
    edited = await post_action(api, ANOTHER_OFFICER, reference, "edit_draft", retitled)
    assert edited.status_code == 200, edited.text
    dropped = {"draft": {**named["draft"], "co_author_ids": []}}
    refused = await post_action(api, ANOTHER_OFFICER, reference, "edit_draft", dropped)
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "co-authors-named-by-author"
    submitted = await post_action(api, ANOTHER_OFFICER, reference, "submit_draft", {})
    assert submitted.status_code == 200, submitted.text
    state = await api.services.requests.state(reference)
    assert state.draft.author_id == "sean.hogg"
    assert state.draft.co_author_ids == (ANOTHER_OFFICER,)
    assert state.draft.title == "Early Help Practitioners (4)"


async def test_a_draft_cannot_name_another_author(api: Api) -> None:
    """Creating a request whose draft names someone else as author is refused (409
    author-is-creator) and starts no workflow; leaving the author out makes the creator it."""
    draft = middlesbrough_draft("SMF-AUTHOR-1").model_dump(mode="json")
    response = await api.http.post(
        "/requests",
        json={"draft": {**draft, "author_id": ANOTHER_OFFICER}},
        headers=api.auth("sean.hogg"),
    )
    assert response.status_code == 409, response.text
    assert response.json()["rule"] == "author-is-creator"
    missing = await api.http.get("/requests/SMF-AUTHOR-1", headers=api.auth("sean.hogg"))
    assert missing.status_code == 404, missing.text
    created = await api.http.post(
        "/requests", json={"draft": {**draft, "author_id": None}}, headers=api.auth("sean.hogg")
    )
    assert created.status_code == 201, created.text
    assert created.json()["draft"]["author_id"] == "sean.hogg"
