"""The embedded outbox: with no mail relay set, notices are kept as .eml files in the
data directory, through a real SMTP server on loopback; with one set, they go to it."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from activities.notify import NotificationActivities
from adapters.mailer import mailer_from_settings
from adapters.outbox import embedded_outbox
from config.settings import Settings
from domain.notices import Recipient
from domain.people import Role
from storage.deliveries import DeliveryLog
from tests.notifications.test_delivery import deliver, papers_reminder
from tests.smtp import RecordingSmtpServer

CLERK = Recipient(name="Forum Clerk", email="clerk@forum.example.org", role=Role.clerk)


def parsed(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_without_a_relay_notices_are_kept_in_the_outbox_one_eml_file_each(
    tmp_path: Path, deliveries: DeliveryLog
) -> None:
    """No smtp_host: the notify activity's emails land in data_dir/outbox, one file each."""
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.smtp_host is None
    with embedded_outbox(settings) as outbox:
        assert outbox is not None
        assert outbox.directory == (tmp_path / "data" / "outbox").resolve()
        assert outbox.host == "127.0.0.1"
        assert outbox.port not in (0, 1025)
        activities = NotificationActivities(mailer_from_settings(settings, outbox), deliveries)
        first = deliver(activities, papers_reminder(CLERK))
        second = deliver(activities, papers_reminder(CLERK, ref="SMF-2019-FSW"))
        kept = outbox.messages()
    assert [first.outcome, second.outcome] == ["sent", "sent"]
    assert len(kept) == 2
    assert all(path.parent == settings.outbox_dir.resolve() for path in kept)
    message = parsed(kept[0])
    assert message["Message-ID"] == first.message_id
    assert str(message["To"]) == "Forum Clerk <clerk@forum.example.org>"
    assert message["Delivered-To"] == "clerk@forum.example.org"
    assert "by 5pm on Monday 25 March 2024" in message.get_content()
    assert {parsed(path)["Message-ID"] for path in kept} == {first.message_id, second.message_id}


def test_with_a_relay_set_notices_go_to_it_and_no_outbox_starts(
    tmp_path: Path, smtp_server: RecordingSmtpServer, deliveries: DeliveryLog
) -> None:
    """smtp_host set: no outbox, the mailer sends to that relay; mail off: neither."""
    settings = Settings(data_dir=tmp_path, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    with embedded_outbox(settings) as outbox:
        assert outbox is None
        mailer = mailer_from_settings(settings, outbox)
        deliver(NotificationActivities(mailer, deliveries), papers_reminder(CLERK))
    assert smtp_server.count == 1
    assert not settings.outbox_dir.exists()

    switched_off = Settings(data_dir=tmp_path, mail_enabled=False)
    with embedded_outbox(switched_off) as outbox:
        assert outbox is None
        assert mailer_from_settings(switched_off, outbox) is None
    with pytest.raises(ValueError, match="FORUMFLOW_SMTP_HOST"):
        mailer_from_settings(Settings(data_dir=tmp_path))


def test_an_empty_smtp_host_means_no_relay(monkeypatch: pytest.MonkeyPatch) -> None:
    """FORUMFLOW_SMTP_HOST= (empty, as an env file may say) is unset: the outbox is used."""
    monkeypatch.setenv("FORUMFLOW_SMTP_HOST", "")
    assert Settings().smtp_host is None
    monkeypatch.setenv("FORUMFLOW_SMTP_HOST", "relay.council.example.gov.uk")
    assert Settings().smtp_host == "relay.council.example.gov.uk"
