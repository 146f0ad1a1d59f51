"""Who acts in the engine and who sits on the forum: roles, actors, members and groups."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from domain.values import DomainModel, Email, Text, require_unique


class Role(StrEnum):
    """What a person may do in the engine; one person may hold several."""

    officer = "officer"
    clerk = "clerk"
    chair = "chair"
    member = "member"


def roles_text(roles: frozenset[Role], *, any_of: bool = False) -> str:
    """Roles in a fixed order for messages: the roles someone holds ("the officer and
    member roles"), or with ``any_of`` the roles any one of which will do ("the clerk or
    member role")."""
    names = [role.value for role in Role if role in roles]
    if not names:
        return "no role"
    if len(names) == 1:
        return f"the {names[0]} role"
    if any_of:
        return f"the {', '.join(names[:-1])} or {names[-1]} role"
    return f"the {', '.join(names[:-1])} and {names[-1]} roles"


class MemberGroup(StrEnum):
    """The constituency a forum member represents, which decides what they may vote on."""

    maintained_primary = "maintained_primary"
    maintained_secondary = "maintained_secondary"
    maintained_special = "maintained_special"
    maintained_pru = "maintained_pru"
    academy = "academy"
    early_years = "early_years"
    non_school = "non_school"

    @property
    def is_maintained(self) -> bool:
        """Whether the member represents local-authority maintained schools."""
        return self in _PHASES

    @property
    def phase(self) -> str | None:
        """The school phase of a maintained group ("primary", ...); None for the others."""
        return _PHASES.get(self)

    @property
    def label(self) -> str:
        """The group as the forum's constitution would name it."""
        return _GROUP_LABELS[self]


_PHASES: dict[MemberGroup, str] = {
    MemberGroup.maintained_primary: "primary",
    MemberGroup.maintained_secondary: "secondary",
    MemberGroup.maintained_special: "special",
    MemberGroup.maintained_pru: "pupil referral unit",
}

_GROUP_LABELS: dict[MemberGroup, str] = {
    MemberGroup.maintained_primary: "maintained primary",
    MemberGroup.maintained_secondary: "maintained secondary",
    MemberGroup.maintained_special: "maintained special",
    MemberGroup.maintained_pru: "maintained pupil referral unit",
    MemberGroup.academy: "academy",
    MemberGroup.early_years: "early years",
    MemberGroup.non_school: "non-school",
}


class Actor(DomainModel):
    """Whoever issues a command: their id and name go into the audit trail."""

    user_id: Text
    name: Text
    roles: frozenset[Role] = Field(min_length=1)
    group: MemberGroup | None = Field(default=None, description="forum members only")
    email: Email | None = Field(default=None, description="where reminders to this person go")

    @model_validator(mode="after")
    def _group_only_for_members(self) -> Self:
        if self.group is not None and Role.member not in self.roles:
            raise ValueError("group: only an actor with the member role belongs to a group")
        return self


class Member(DomainModel):
    """One seat on the forum, as constituted for a meeting."""

    member_id: Text
    name: Text
    group: MemberGroup
    email: Email


class Membership(DomainModel):
    """The forum's whole membership; the quorum is a fraction of its total."""

    members: tuple[Member, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        require_unique((m.member_id for m in self.members), "members: member_id")
        return self

    @property
    def total(self) -> int:
        """How many members the forum has, present or not."""
        return len(self.members)

    @property
    def ids(self) -> frozenset[str]:
        """Every member's id."""
        return frozenset(m.member_id for m in self.members)

    def get(self, member_id: str) -> Member | None:
        """The member with that id, or None when they are not on the forum."""
        return next((m for m in self.members if m.member_id == member_id), None)
