"""Who is in the room: attendance on the forum's membership, and whether it is quorate.

A meeting opens, and a request's vote opens, only when enough members are present; both
record attendance only of people on the membership. Pure: each function returns a fact
or raises the refusal.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from domain.errors import InquorateMeeting, NotAMember
from domain.forum import ForumSettings
from domain.people import Membership
from domain.values import quote_ids


def quorum_required(total: int, numerator: int = 2, denominator: int = 5) -> int:
    """Members who must be present: numerator/denominator of ``total``, rounded up.

    Integer arithmetic only, so 2/5 of 20 is exactly 8 and of 21 is 9 (reg. 8 of the
    Schools Forums (England) Regulations 2012: "at least two fifths").
    """
    if total < 0 or numerator < 0 or denominator < 1:
        raise ValueError(f"invalid quorum {numerator}/{denominator} of {total}")
    return -(-total * numerator // denominator)


def present_members(membership: Membership, present_ids: Iterable[str]) -> frozenset[str]:
    """The ids of ``present_ids`` that are on the membership (no one else counts)."""
    return frozenset(present_ids) & membership.ids


def is_quorate(
    membership: Membership,
    present_ids: Iterable[str],
    numerator: int = 2,
    denominator: int = 5,
) -> bool:
    """Whether enough members (ids not on the membership do not count) are present."""
    present = present_members(membership, present_ids)
    return len(present) >= quorum_required(membership.total, numerator, denominator)


def check_quorum(
    membership: Membership, present_ids: Collection[str], settings: ForumSettings, doing: str
) -> None:
    """Refuse ``doing`` (e.g. "open the vote on SMF-2018-EHP") at an inquorate meeting,
    quoting the numbers."""
    num, den = settings.quorum_numerator, settings.quorum_denominator
    if is_quorate(membership, present_ids, num, den):
        return
    present = present_members(membership, present_ids)
    needed = quorum_required(membership.total, num, den)
    raise InquorateMeeting(
        f"Cannot {doing}: {len(present)} of {membership.total} members are recorded present, "
        f"and the quorum is {needed} ({num}/{den} of the membership, rounded up) "
        "(present_member_ids). An inquorate meeting cannot decide.",
        field="present_member_ids",
    )


def check_on_membership(membership: Membership, present_ids: Iterable[str], where: str) -> None:
    """Refuse attendance naming anyone not on the membership; ``where`` says for what,
    e.g. "for SMF-2018-EHP" or "at meeting-2018-07-04"."""
    strangers = [i for i in present_ids if membership.get(i) is None]
    if strangers:
        raise NotAMember(
            f"Cannot record attendance {where}: {quote_ids(strangers)} "
            f"{'is' if len(strangers) == 1 else 'are'} not on the forum's membership "
            "(present_member_ids).",
            field="present_member_ids",
        )
