"""Which of the domain's rules a request's Update handler applies.

Validators do not run on replay, so a run recorded before a rule existed may hold
transitions that the rule would now refuse, and its handler must still accept them
for the history to mean what it meant. Each rule added since the first release has a
patch; a handler asks for it only where the rule can matter, so other transitions add
no marker to history.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lifecycle import AUTHORS_ONLY, RuleSet, Transition
    from domain.models import DecisionType, RequestState
    from domain.voting import vote_decision_type

AUTHORS_ONLY_PATCH = "authors-only"
DEDELEGATION_BY_PHASE_PATCH = "dedelegation-by-phase"
VOTE_TRANSITIONS = frozenset({Transition.open_vote, Transition.cast_vote, Transition.close_vote})


def handler_rules(state: RequestState, transition: Transition) -> RuleSet:
    """The rules for applying ``transition`` to ``state`` in an Update handler."""
    authors_only = transition not in AUTHORS_ONLY or workflow.patched(AUTHORS_ONLY_PATCH)
    by_phase = (
        transition not in VOTE_TRANSITIONS
        or vote_decision_type(state) is not DecisionType.dedelegation
        or workflow.patched(DEDELEGATION_BY_PHASE_PATCH)
    )
    return RuleSet(authors_only=authors_only, dedelegation_by_phase=by_phase)
