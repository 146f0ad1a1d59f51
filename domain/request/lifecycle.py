r"""The state machine of a funding request: who may take which transition, from where.

``apply(state, command, actor, now)`` is the only way a request changes. It runs the
machine every aggregate shares (``domain.machine``) on this module's tables: the actor
holds a role the transition needs (RoleNotPermitted), an officer's change comes from the
request's author or a co-author (NotTheRequestsAuthor), the request is in a stage the
transition starts from (TransitionNotAllowedInStage), and then the rules of the step
itself (``domain.request.steps``); only then does it build the next state, with one
audit entry appended. It is pure: calling it and discarding the result is how a
Temporal Update validator refuses a command before anything is written.

The stages (closed, rejected and withdrawn are final)::

    drafting -> option_listing -> tabled -> voting -> decided -> minuted -> evaluation -> closed
                 ^    ^              |         |  \-> rejected                  |
                 |    +-- defer -----+---------+  (defer, or close_vote with a reason)
                 +-------------------- extend: the next cycle -------------------+
    withdraw: drafting | option_listing | tabled -> withdrawn
    follow_meeting: tabled -> tabled, for the day the meeting moved to (a meeting in
    session cannot be moved, so a request being voted on never follows a move)
    leave_agenda: tabled -> option_listing, when its meeting removes the item or is cancelled
    confirm_funding, record_spending: minuted | evaluation -> the same stage, recording
    that a conditional approval's money came, and when spending started

Rejected requests are not minuted here: rejection ends the request in stage
``rejected`` with the decision (and its reason) on the state, which is what the
decision register records. Only an approval needs a minute, because only an approval
commits money from a source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from domain.audit import AuditEntry
from domain.machine import Lifecycle
from domain.people import Actor, Role
from domain.request.commands import COMMAND_TRANSITION, Command, Transition
from domain.request.errors import NotTheRequestsAuthor
from domain.request.models import RequestState, Stage
from domain.request.steps import run_step

_T = Transition
_S = Stage

PERMISSIONS: Mapping[Transition, frozenset[Role]] = MappingProxyType(
    {
        _T.edit_draft: frozenset({Role.officer}),
        _T.submit_draft: frozenset({Role.officer}),
        _T.add_option: frozenset({Role.officer}),
        _T.remove_option: frozenset({Role.officer}),
        _T.set_recommendation: frozenset({Role.officer}),
        _T.table: frozenset({Role.chair}),
        _T.follow_meeting: frozenset({Role.chair}),
        _T.leave_agenda: frozenset({Role.chair}),
        _T.withdraw: frozenset({Role.officer}),
        _T.record_attendance: frozenset({Role.clerk}),
        _T.open_vote: frozenset({Role.chair}),
        _T.amend_recommendation: frozenset({Role.clerk}),
        # The clerk records the vote of a member who cannot use a device of their own.
        _T.cast_vote: frozenset({Role.member, Role.clerk}),
        _T.close_vote: frozenset({Role.chair}),
        _T.defer: frozenset({Role.chair}),
        _T.record_minute: frozenset({Role.clerk}),
        _T.confirm_minutes: frozenset({Role.chair}),
        _T.report_evaluation: frozenset({Role.officer}),
        _T.confirm_funding: frozenset({Role.officer}),
        _T.record_spending: frozenset({Role.officer}),
        _T.extend: frozenset({Role.chair}),
        _T.close: frozenset({Role.chair}),
    }
)
"""The roles that may take each transition."""

FROM_STAGES: Mapping[Transition, frozenset[Stage]] = MappingProxyType(
    {
        # Editing stays open while options are listed: costs firm up alongside funding.
        _T.edit_draft: frozenset({_S.drafting, _S.option_listing}),
        _T.submit_draft: frozenset({_S.drafting}),
        _T.add_option: frozenset({_S.option_listing}),
        _T.remove_option: frozenset({_S.option_listing}),
        _T.set_recommendation: frozenset({_S.option_listing}),
        _T.table: frozenset({_S.option_listing}),
        # Only before the meeting opens: a meeting in session cannot be moved.
        _T.follow_meeting: frozenset({_S.tabled}),
        # Only before the meeting opens: an item in session is decided, deferred or carried.
        _T.leave_agenda: frozenset({_S.tabled}),
        _T.withdraw: frozenset({_S.drafting, _S.option_listing, _S.tabled}),
        _T.record_attendance: frozenset({_S.tabled}),
        _T.open_vote: frozenset({_S.tabled}),
        _T.amend_recommendation: frozenset({_S.voting}),
        _T.cast_vote: frozenset({_S.voting}),
        _T.close_vote: frozenset({_S.voting}),
        _T.defer: frozenset({_S.tabled, _S.voting}),
        _T.record_minute: frozenset({_S.decided}),
        _T.confirm_minutes: frozenset({_S.minuted}),
        _T.report_evaluation: frozenset({_S.evaluation}),
        # Funding and spending follow the minute, whether or not it is confirmed yet.
        _T.confirm_funding: frozenset({_S.minuted, _S.evaluation}),
        _T.record_spending: frozenset({_S.minuted, _S.evaluation}),
        _T.extend: frozenset({_S.evaluation}),
        _T.close: frozenset({_S.evaluation}),
    }
)
"""The stages each transition can be taken from."""

AUTHORS_ONLY: frozenset[Transition] = frozenset(
    {
        _T.edit_draft,
        _T.submit_draft,
        _T.add_option,
        _T.remove_option,
        _T.set_recommendation,
        _T.withdraw,
        _T.report_evaluation,
        _T.confirm_funding,
        _T.record_spending,
    }
)
"""The officer's transitions that only the request's author and co-authors may take:
any officer may read a request, but the paper, its options and its evaluation are the
accountable work of the officers who wrote it."""

DOING: Mapping[Transition, str] = MappingProxyType(
    {
        _T.edit_draft: "edit the draft of",
        _T.submit_draft: "submit the draft of",
        _T.add_option: "add a funding option to",
        _T.remove_option: "remove a funding option from",
        _T.set_recommendation: "set the recommendation of",
        _T.table: "table",
        _T.follow_meeting: "move the meeting date of",
        _T.leave_agenda: "take off the agenda",
        _T.withdraw: "withdraw",
        _T.record_attendance: "record attendance for",
        _T.open_vote: "open the vote on",
        _T.amend_recommendation: "amend the recommendation of",
        _T.cast_vote: "vote on",
        _T.close_vote: "close the vote on",
        _T.defer: "defer",
        _T.record_minute: "minute",
        _T.confirm_minutes: "confirm the minutes of",
        _T.report_evaluation: "report the evaluation of",
        _T.confirm_funding: "confirm the funding of",
        _T.record_spending: "record the spending of",
        _T.extend: "extend",
        _T.close: "close",
    }
)
"""Each transition worded to follow "Cannot " and precede the request's reference."""


def check_author_may_act(state: RequestState, transition: Transition, actor: Actor) -> None:
    """Refuse an officer's change to a request they are neither the author nor a co-author of."""
    if transition not in AUTHORS_ONLY or state.is_author_or_co_author(actor.user_id):
        return
    raise NotTheRequestsAuthor(
        f"Cannot {DOING[transition]} {state.reference}: only its author ({state.author_id}) "
        f"and the co-authors they name may change it, and {actor.name} ({actor.user_id}) is "
        "neither (draft.co_author_ids). Any officer may read it; ask the author to name you "
        "a co-author.",
        field="draft.co_author_ids",
    )


_LIFECYCLE: Lifecycle[RequestState, Command, Transition, Stage] = Lifecycle(
    noun="request",
    entry=AuditEntry[Stage],
    command_transition=COMMAND_TRANSITION,
    permissions=PERMISSIONS,
    from_stages=FROM_STAGES,
    doing=DOING,
    subject=lambda state: state.reference,
    run_step=run_step,
    check_actor=check_author_may_act,
)


def transition_of(command: Command) -> Transition:
    """The transition ``command`` asks for."""
    return _LIFECYCLE.transition_of(command)


def apply(state: RequestState, command: Command, actor: Actor, now: datetime) -> RequestState:
    """The request after ``actor`` gives ``command`` at ``now``, or a RuleViolation.

    Checks role first, then that an officer's change comes from the request's author or
    a co-author (NotTheRequestsAuthor), then stage, then the step's own rules; appends
    one AuditEntry recording who, in which role, when, the stage change, what changed
    and why. ``now`` must be timezone-aware (ValueError otherwise: that is a caller's bug).
    """
    return _LIFECYCLE.apply(state, command, actor, now)


def allowed_transitions(
    state: RequestState, roles: Iterable[Role], user_id: str | None = None
) -> tuple[Transition, ...]:
    """The transitions ``roles`` may take from the current stage, judged by role and stage
    (and, given ``user_id``, by authorship) only: the step's own rules may still refuse."""
    return _LIFECYCLE.allowed(
        state,
        roles,
        lambda t: user_id is None or t not in AUTHORS_ONLY or state.is_author_or_co_author(user_id),
    )
