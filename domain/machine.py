"""The one state machine both aggregates run: a guard, a step and an audit entry.

A change to a request and a change to a meeting are the same thing: check that the actor
holds a role the transition needs (RoleNotPermitted), check that the current stage allows
it (TransitionNotAllowedInStage), run the step (its own rules may refuse), append one
audit entry, and rebuild the state through validation. :class:`Lifecycle` does exactly
that from an aggregate's tables; ``domain.request.lifecycle`` and
``domain.meeting.lifecycle`` each build one. It is pure: calling ``apply`` and discarding
the result is how a Temporal Update validator refuses a command before anything is
written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from domain.audit import AuditEntry
from domain.calendar import require_aware
from domain.errors import RoleNotPermitted, TransitionNotAllowedInStage
from domain.people import Actor, Role, roles_text
from domain.values import DomainModel, Rebuildable, evolve

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)
C = TypeVar("C", bound=DomainModel)


class Aggregate(Rebuildable, Protocol[S]):
    """What the machine needs of a state: its stage, and its audit trail in those stages."""

    @property
    def stage(self) -> S: ...

    @property
    def audit(self) -> tuple[AuditEntry[S], ...]: ...


A = TypeVar("A", bound=Aggregate[Any])


@dataclass(frozen=True)
class Step(Generic[A]):
    """A step's result: the next state (without its audit entry), what changed, and why
    (when the command gave a reason)."""

    state: A
    summary: str
    reason: str | None = None


def _anyone(state: Any, transition: Any, actor: Actor) -> None:
    """Every holder of a permitted role may act (the default ``check_actor``)."""


@dataclass(frozen=True)
class Lifecycle(Generic[A, C, T, S]):
    """One aggregate's state machine, from its tables.

    ``doing`` words each transition to follow "Cannot " and precede the aggregate's
    ``subject`` (a request's reference, a meeting's id) in a refusal. ``check_actor``
    runs between the role and the stage checks, for a rule about who (a request's
    authorship). ``entry`` is the audit entry model for the aggregate's stages.
    """

    noun: str
    entry: type[AuditEntry[S]]
    command_transition: Mapping[type[C], T]
    permissions: Mapping[T, frozenset[Role]]
    from_stages: Mapping[T, frozenset[S]]
    doing: Mapping[T, str]
    subject: Callable[[A], str]
    run_step: Callable[[A, C, Actor, datetime], Step[A]]
    check_actor: Callable[[A, T, Actor], None] = _anyone

    def transition_of(self, command: C) -> T:
        """The transition ``command`` asks for."""
        try:
            return self.command_transition[type(command)]
        except KeyError:
            raise TypeError(f"{type(command).__name__} is not a {self.noun} command") from None

    def apply(self, state: A, command: C, actor: Actor, now: datetime) -> A:
        """The state after ``actor`` gives ``command`` at ``now``, or a RuleViolation.

        Role, then ``check_actor``, then stage, then the step's own rules; one audit
        entry records who, in which role, when, the stage change, what changed and why.
        ``now`` must be timezone-aware (ValueError otherwise: that is a caller's bug).
        """
        require_aware(now)
        transition = self.transition_of(command)
        role = self._role_used(state, transition, actor)
        self.check_actor(state, transition, actor)
        allowed_from = self.from_stages[transition]
        if state.stage not in allowed_from:
            stages = " or ".join(repr(str(s)) for s in type(state.stage) if s in allowed_from)
            raise TransitionNotAllowedInStage(
                f"Cannot {self.doing[transition]} {self.subject(state)}: it is at stage "
                f"'{state.stage}', and that is only possible at stage {stages} (stage).",
                field="stage",
            )
        step = self.run_step(state, command, actor, now)
        entry = self.entry(
            at=now,
            actor_id=actor.user_id,
            actor_name=actor.name,
            role=role,
            transition=transition.value,
            from_stage=state.stage,
            to_stage=step.state.stage,
            summary=step.summary,
            reason=step.reason,
        )
        return evolve(step.state, audit=(*step.state.audit, entry))

    def _role_used(self, state: A, transition: T, actor: Actor) -> Role:
        # Roles are tried in Role's declared order, not set order, so the role the audit
        # records is the same on every replay.
        needed = self.permissions[transition]
        for role in Role:
            if role in needed and role in actor.roles:
                return role
        raise RoleNotPermitted(
            f"Cannot {self.doing[transition]} {self.subject(state)}: that needs "
            f"{roles_text(needed, any_of=True)}, and {actor.name} ({actor.user_id}) holds "
            f"{roles_text(actor.roles)} (actor.roles).",
            field="actor.roles",
        )

    def allowed(
        self, state: A, roles: Iterable[Role], may: Callable[[T], bool] = lambda _: True
    ) -> tuple[T, ...]:
        """The transitions ``roles`` may take from the current stage, in the tables' order,
        judged by role and stage (and ``may``) only: the step's own rules may still refuse."""
        held = frozenset(roles)
        return tuple(
            t
            for t, needed in self.permissions.items()
            if state.stage in self.from_stages[t] and held & needed and may(t)
        )
