"""Notices go to the people in the user directory, not to placeholders.

A request's notices name the chair and the clerk as offices ("The chair", no address)
unless the forum's settings carry contacts, and name the officer as the author; the
notify activity looks the people up in the user directory (accounts/store.py): the
users holding the office, or the officer of that name. Mail goes to a real SMTP server;
the workflow test runs a real worker on a real Temporal server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from activities.notify import NotificationActivities
from adapters.mailer import SmtpMailer
from clients.requests import FundingRequests
from domain.notices import Recipient
from domain.people import MemberGroup, Role
from storage.accounts import NewUser, UserDirectory
from storage.deliveries import DeliveryLog
from storage.register import DecisionRegister
from tests.lifecycle.drive import approved_request
from tests.notifications.test_delivery import deliver, papers_reminder
from tests.smtp import RecordingSmtpServer
from worker.app import WorkerDependencies

THE_CHAIR = Recipient(name="The chair", email=None, role=Role.chair)
THE_CLERK = Recipient(name="The clerk", email=None, role=Role.clerk)
SEAN = Recipient(name="Sean Hogg", email=None, role=Role.officer)

PEOPLE = (
    NewUser(
        user_id="chair",
        name="Forum Chair",
        email="chair@forum.example.org",
        roles=frozenset({Role.chair}),
    ),
    NewUser(
        user_id="vice-chair",
        name="Vice Chair",
        email="vice.chair@forum.example.org",
        roles=frozenset({Role.chair, Role.member}),
        group=MemberGroup.academy,
    ),
    NewUser(
        user_id="clerk",
        name="Forum Clerk",
        email="clerk@forum.example.org",
        roles=frozenset({Role.clerk}),
    ),
    NewUser(
        user_id="sean.hogg",
        name="Sean Hogg",
        email="sean.hogg@council.example.org",
        roles=frozenset({Role.officer}),
    ),
    NewUser(
        user_id="other.officer",
        name="Another Officer",
        email="another.officer@council.example.org",
        roles=frozenset({Role.officer}),
    ),
)


@pytest.fixture
def people(tmp_path: Path) -> UserDirectory:
    """A real user directory holding two chairs, a clerk and two officers."""
    directory = UserDirectory(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    directory.create_schema()
    for person in PEOPLE:
        directory.add(person)
    return directory


@pytest.fixture
def deps(
    register: DecisionRegister, smtp_server: RecordingSmtpServer, people: UserDirectory
) -> WorkerDependencies:
    """The suite's worker dependencies, with the notify activity given the user directory."""
    deliveries = DeliveryLog(register.engine)
    deliveries.create_schema()
    mailer = SmtpMailer("127.0.0.1", smtp_server.port, sender="forumflow@forum.example.org")
    return WorkerDependencies(
        register=register, notifications=NotificationActivities(mailer, deliveries, people)
    )


def test_a_notice_to_an_office_goes_to_every_user_holding_it(
    smtp_server: RecordingSmtpServer,
    mailer: SmtpMailer,
    deliveries: DeliveryLog,
    people: UserDirectory,
) -> None:
    """'The chair' with no address is emailed to both chairs; the receipt and log name them."""
    notice = papers_reminder(THE_CHAIR)

    receipt = deliver(NotificationActivities(mailer, deliveries, people), notice)

    chairs = (
        Recipient(name="Forum Chair", email="chair@forum.example.org", role=Role.chair),
        Recipient(name="Vice Chair", email="vice.chair@forum.example.org", role=Role.chair),
    )
    assert receipt.outcome == "sent"
    assert receipt.recipients == chairs
    (received,) = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["chair@forum.example.org", "vice.chair@forum.example.org"]
    delivery = deliveries.delivery(notice.idempotency_key)
    assert delivery is not None
    assert delivery.recipients == chairs
    again = deliver(NotificationActivities(mailer, deliveries, people), notice)
    assert again.outcome == "already_sent"
    assert again.recipients == chairs


def test_an_officer_without_an_address_is_the_officer_of_that_name(
    smtp_server: RecordingSmtpServer,
    mailer: SmtpMailer,
    deliveries: DeliveryLog,
    people: UserDirectory,
) -> None:
    """The named officer is found by name (no other officer is told); the clerk is found too."""
    notice = papers_reminder(SEAN, THE_CLERK)

    receipt = deliver(NotificationActivities(mailer, deliveries, people), notice)

    (received,) = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["clerk@forum.example.org", "sean.hogg@council.example.org"]
    assert [r.name for r in receipt.recipients] == ["Sean Hogg", "Forum Clerk"]


def test_nobody_in_the_directory_leaves_the_notice_to_the_log(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer, deliveries: DeliveryLog, tmp_path: Path
) -> None:
    """With no user holding the role, or no officer of that name, the notice is logged only."""
    empty = UserDirectory(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    empty.create_schema()

    receipt = deliver(NotificationActivities(mailer, deliveries, empty), papers_reminder(SEAN))

    assert receipt.outcome == "logged_only"
    assert receipt.recipients == (SEAN,)
    assert smtp_server.count == 0


async def test_a_requests_notices_reach_the_role_holders_and_its_record_says_so(
    forum: FundingRequests, smtp_server: RecordingSmtpServer
) -> None:
    """Without forum contacts, notices reach the role's users and the request record names them."""
    reference = await approved_request(forum)
    for _ in range(300):
        notices = (await forum.state(reference)).notices
        if notices:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("no notice was delivered")

    recorded = [name for notice in notices for name in notice.recipients]
    assert notices[0].outcome == "sent"
    assert not [name for name in recorded if "no address" in name], recorded
    assert "Forum Chair <chair@forum.example.org>" in recorded
    assert "Vice Chair <vice.chair@forum.example.org>" in recorded
    addressed = {address for message in smtp_server.messages for address in message.rcpt_tos}
    assert {"chair@forum.example.org", "vice.chair@forum.example.org"} <= addressed
    assert "another.officer@council.example.org" not in addressed
