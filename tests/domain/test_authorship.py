"""Who may change a request: its author (whoever created it) and the co-authors they name."""

from __future__ import annotations

import pytest

from devtools.seeds import OFFICER
from domain.people import Actor, Role
from domain.request import errors
from domain.request.commands import EditDraft, ReportEvaluation, Transition
from domain.request.draft import RequestDraft
from domain.request.lifecycle import AUTHORS_ONLY, allowed_transitions, apply
from domain.request.models import RequestState, Stage
from tests.domain.test_lifecycle import DRAFT, LATER, SAMPLE, START, state_at

COLLEAGUE = Actor(user_id="u-colleague", name="Gail Earl", roles=frozenset({Role.officer}))
STRANGER = Actor(user_id="u-stranger", name="Another Officer", roles=frozenset({Role.officer}))


def _with_co_author(state: RequestState) -> RequestState:
    draft = RequestDraft.model_validate(
        {**dict(state.draft), "co_author_ids": (COLLEAGUE.user_id,)}
    )
    return state.model_copy(update={"draft": draft})


def test_the_author_is_whoever_creates_the_request() -> None:
    """A draft without an author gets its creator; one naming someone else is refused."""
    anonymous = RequestDraft.model_validate({**dict(DRAFT), "author_id": None})
    state = RequestState.new(anonymous, OFFICER, START)
    assert state.author_id == state.draft.author_id == OFFICER.user_id
    with pytest.raises(errors.AuthorIsTheCreator, match="the officer who creates") as refused:
        RequestState.new(DRAFT, STRANGER, START)
    assert refused.value.field == "draft.author_id"
    as_co_author = RequestDraft.model_validate(
        {**dict(anonymous), "co_author_ids": (OFFICER.user_id,)}
    )
    with pytest.raises(errors.AuthorIsTheCreator, match="co-author"):
        RequestState.new(as_co_author, OFFICER, START)


@pytest.mark.parametrize("transition", sorted(AUTHORS_ONLY))
def test_another_officer_cannot_change_the_request(transition: Transition) -> None:
    """Every officer change by an officer who is neither author nor co-author is refused
    with officer-not-author, naming the author; the author's own is accepted."""
    command, actor, stage = SAMPLE[transition]
    assert actor is OFFICER
    state = state_at(stage)
    with pytest.raises(errors.NotTheRequestsAuthor) as refused:
        apply(state, command, STRANGER, LATER)
    assert refused.value.rule == "officer-not-author"
    assert OFFICER.user_id in refused.value.message
    assert "Another Officer" in refused.value.message
    assert apply(state, command, OFFICER, LATER).audit[-1].actor_id == OFFICER.user_id


@pytest.mark.parametrize("transition", sorted(AUTHORS_ONLY))
def test_a_named_co_author_may_change_the_request(transition: Transition) -> None:
    """An officer the author named as co-author takes each officer transition."""
    command, _, stage = SAMPLE[transition]
    state = _with_co_author(state_at(stage))
    if isinstance(command, EditDraft):
        command = EditDraft(draft=state.draft)
    if isinstance(command, ReportEvaluation):
        report = command.report.model_copy(update={"reported_by": COLLEAGUE.user_id})
        command = ReportEvaluation(report=report)
    after = apply(state, command, COLLEAGUE, LATER)
    assert after.audit[-1].actor_id == COLLEAGUE.user_id


def test_an_edit_keeps_the_author_and_only_the_author_names_co_authors() -> None:
    """Editing never changes the author; a co-author cannot change the co-authors."""
    state = _with_co_author(state_at(Stage.drafting))
    retitled = RequestDraft.model_validate(
        {**dict(state.draft), "title": "Early Help Practitioners (4)", "author_id": None}
    )
    after = apply(state, EditDraft(draft=retitled), COLLEAGUE, LATER)
    assert after.draft.author_id == OFFICER.user_id
    assert after.draft.title == "Early Help Practitioners (4)"
    assert "changed: title." in after.audit[-1].summary
    taken_over = RequestDraft.model_validate(
        {**dict(state.draft), "author_id": COLLEAGUE.user_id, "co_author_ids": ()}
    )
    with pytest.raises(errors.AuthorIsTheCreator, match=r"draft\.author_id"):
        apply(state, EditDraft(draft=taken_over), COLLEAGUE, LATER)
    widened = RequestDraft.model_validate(
        {**dict(state.draft), "co_author_ids": (COLLEAGUE.user_id, STRANGER.user_id)}
    )
    with pytest.raises(errors.CoAuthorsNamedByAuthor, match="only its author"):
        apply(state, EditDraft(draft=widened), COLLEAGUE, LATER)
    named = apply(state, EditDraft(draft=widened), OFFICER, LATER)
    assert named.draft.co_author_ids == (COLLEAGUE.user_id, STRANGER.user_id)


def test_allowed_transitions_leave_out_another_officers_changes() -> None:
    """Asked for a person, allowed_transitions omits officer changes they may not make."""
    listing = state_at(Stage.option_listing)
    assert allowed_transitions(listing, [Role.officer], STRANGER.user_id) == ()
    assert allowed_transitions(listing, [Role.officer], OFFICER.user_id) == allowed_transitions(
        listing, [Role.officer]
    )
