"""Tests of forum meetings: the pure rules and the meeting workflow on real servers.

The people and the forum's membership are the seed cases' (devtools.seeds):
20 members, so the quorum is 8.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from devtools.seeds import CHAIR, CLERK, MEMBERS, MEMBERSHIP, OFFICER
from domain.calendar import LONDON
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.meeting.lifecycle import new_meeting
from domain.meeting.models import MeetingState
from domain.people import Actor, Role

__all__ = [
    "CHAIR",
    "CHAIR_CONTACT",
    "CLERK",
    "MEMBERS",
    "MEMBERSHIP",
    "OFFICER",
    "SETTINGS",
    "actor_without",
    "meeting_at",
    "quorum_ids",
    "ten_am",
]

CHAIR_CONTACT = Contact(name="Forum Chair", email="chair@forum.example.org")
SETTINGS = ForumSettings(contacts=ForumContacts(chair=CHAIR_CONTACT))


def ten_am(day_offset: int, now: datetime) -> datetime:
    """10am London time ``day_offset`` days after ``now``'s London date."""
    day = now.astimezone(LONDON).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(10, 0), tzinfo=LONDON)


def quorum_ids(count: int = 8) -> tuple[str, ...]:
    """The ids of the first ``count`` members."""
    return tuple(m.member_id for m in MEMBERS[:count])


def actor_without(roles: frozenset[Role]) -> Actor:
    """Someone holding every role except ``roles``."""
    held = frozenset(Role) - roles
    return Actor(
        user_id="someone-else", name="Someone Else", roles=held or frozenset({Role.member})
    )


def meeting_at(
    starts_at: datetime,
    now: datetime,
    *,
    meeting_id: str = "meeting-2024-04-04",
    previous_meeting_id: str | None = None,
    settings: ForumSettings = SETTINGS,
) -> MeetingState:
    """A scheduled meeting of the scenario's forum."""
    return new_meeting(
        meeting_id, starts_at, "Town Hall", MEMBERSHIP, settings, previous_meeting_id, now
    )
