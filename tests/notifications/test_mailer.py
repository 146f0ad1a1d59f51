"""The SMTP mailer (forumflow/mailer.py) against a real local SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from adapters.mailer import (
    MailDeliveryError,
    SmtpMailer,
    build_email,
    mailer_from_settings,
    message_id_for,
)
from config.settings import Settings
from domain.notices import Notice, NoticeKind, Recipient
from domain.people import Role
from tests.notifications.conftest import SENDER
from tests.smtp import RecordingSmtpServer, free_port

OFFICER = Recipient(name="Jane Smith", email="jane.smith@example.gov.uk", role=Role.officer)
CLERK = Recipient(name="Sam Clerk", email="clerk@example.gov.uk", role=Role.clerk)
NO_EMAIL = Recipient(name="Alex Member", email=None, role=Role.member)


def make_notice(*recipients: Recipient) -> Notice:
    """A small warning notice to the given people."""
    return Notice(
        idempotency_key="SMF-2018-EHP/warning/abc123",
        kind=NoticeKind.warning,
        request_ref="SMF-2018-EHP",
        subject="SMF-2018-EHP: warning about Early Help Practitioners",
        body="The posts are being paid for pending funding: £89,604.\n",
        recipients=recipients or (OFFICER,),
    )


def make_mailer(server: RecordingSmtpServer, **options: object) -> SmtpMailer:
    """A mailer for ``server`` with the given extra options."""
    return SmtpMailer(
        server.host,
        server.port,
        sender=SENDER,
        timeout=5,
        local_hostname="tests",
        **options,  # type: ignore[arg-type]
    )


def test_build_email_is_plain_text_to_addressed_recipients_with_stable_message_id() -> None:
    """The email is plain text To those with addresses, keyed, with a deterministic Message-ID."""
    notice = make_notice(OFFICER, NO_EMAIL, CLERK)
    sent_at = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)

    first = build_email(notice, SENDER, sent_at=sent_at)
    second = build_email(notice, SENDER)

    assert [a.addr_spec for a in first["To"].addresses] == [OFFICER.email, CLERK.email]
    assert first["To"].addresses[0].display_name == "Jane Smith"
    assert first["From"] == SENDER
    assert first["Subject"] == notice.subject
    assert first["X-Forumflow-Key"] == notice.idempotency_key
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Message-ID"] == second["Message-ID"] == message_id_for(notice.idempotency_key)
    assert str(first["Message-ID"]).endswith("@forumflow>")
    assert first.get_content_type() == "text/plain"
    assert first.get_content() == notice.body


def test_build_email_refuses_a_notice_nobody_can_be_emailed() -> None:
    """A notice whose recipients have no address cannot become an email."""
    with pytest.raises(ValueError, match="no recipient with an email address"):
        build_email(make_notice(NO_EMAIL), SENDER)


def test_message_arrives_at_the_smtp_server_intact(
    smtp_server: RecordingSmtpServer, mailer: SmtpMailer
) -> None:
    """The server receives one message with the envelope, headers and body that were built."""
    notice = make_notice(OFFICER, CLERK)

    mailer.send(build_email(notice, mailer.sender))

    (received,) = smtp_server.messages
    assert received.mail_from == SENDER
    assert received.rcpt_tos == (OFFICER.email, CLERK.email)
    assert received.message["Subject"] == notice.subject
    assert received.message["Message-ID"] == message_id_for(notice.idempotency_key)
    assert received.message.get_content() == notice.body
    assert smtp_server.keys() == [notice.idempotency_key]


def test_smtp_auth_with_the_right_credentials_delivers() -> None:
    """AUTH with the configured user and password is accepted and the message delivered."""
    with RecordingSmtpServer(username="forumflow", password="s3cret") as server:
        make_mailer(server, username="forumflow", password="s3cret").send(
            build_email(make_notice(), SENDER)
        )
        assert server.count == 1


@pytest.mark.parametrize(
    ("credentials", "match"),
    [
        ({"username": "forumflow", "password": "wrong"}, "rejected the SMTP credentials"),
        ({}, "530"),
    ],
    ids=["wrong-password", "no-credentials"],
)
def test_smtp_auth_failures_are_permanent(credentials: dict[str, str], match: str) -> None:
    """Wrong credentials, or none where required, fail permanently and send nothing."""
    with RecordingSmtpServer(username="forumflow", password="s3cret") as server:
        mailer = make_mailer(server, **credentials)
        with pytest.raises(MailDeliveryError, match=match) as raised:
            mailer.send(build_email(make_notice(), SENDER))
        assert raised.value.permanent is True
        assert server.count == 0


def test_server_down_is_a_temporary_failure() -> None:
    """Nothing listening on the port is a failure a retry may cure."""
    mailer = SmtpMailer("127.0.0.1", free_port(), sender=SENDER, timeout=2)

    with pytest.raises(MailDeliveryError, match="could not deliver") as raised:
        mailer.send(build_email(make_notice(), SENDER))

    assert raised.value.permanent is False


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("450 4.2.1 Mailbox busy", False)],
    ids=["5xx", "4xx"],
)
def test_every_recipient_refused_is_permanent_only_for_5xx(reply: str, permanent: bool) -> None:
    """All recipients refused with 5xx cannot be cured by retrying; 4xx (greylisting, busy) can."""
    with RecordingSmtpServer(refuse={OFFICER.email or "": reply}) as server:
        with pytest.raises(MailDeliveryError, match="refused every recipient") as raised:
            make_mailer(server).send(build_email(make_notice(OFFICER), SENDER))
        assert raised.value.permanent is permanent
        assert server.count == 0


def test_one_refused_recipient_does_not_stop_the_others(smtp_server: RecordingSmtpServer) -> None:
    """When only some recipients are refused, the others still get the message."""
    smtp_server.refuse[CLERK.email or ""] = "550 5.1.1 No such user"

    make_mailer(smtp_server).send(build_email(make_notice(OFFICER, CLERK), SENDER))

    (received,) = smtp_server.messages
    assert received.rcpt_tos == (OFFICER.email,)


def test_starttls_to_a_server_without_it_is_permanent(smtp_server: RecordingSmtpServer) -> None:
    """Asking for STARTTLS from a server that does not offer it fails permanently."""
    mailer = make_mailer(smtp_server, security="starttls")

    with pytest.raises(MailDeliveryError, match="does not support") as raised:
        mailer.send(build_email(make_notice(), SENDER))

    assert raised.value.permanent is True
    assert smtp_server.count == 0


def test_mailer_from_settings_uses_the_smtp_settings_and_hides_the_password(
    smtp_server: RecordingSmtpServer,
) -> None:
    """Settings build a working mailer that hides its password; disabled mail gives None."""
    settings = Settings(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_username=None,
        smtp_password=None,
        mail_from=SENDER,
        smtp_timeout_seconds=5,
    )
    mailer = mailer_from_settings(settings)
    assert mailer is not None
    mailer.send(build_email(make_notice(), mailer.sender))
    assert smtp_server.count == 1

    with_password = mailer_from_settings(
        Settings(
            smtp_host="relay.example.org",
            smtp_username="forumflow",
            smtp_password=SecretStr("s3cret"),
        )
    )
    assert "s3cret" not in repr(with_password)
    assert mailer_from_settings(Settings(mail_enabled=False)) is None


def test_mailer_refuses_bad_configuration() -> None:
    """An empty sender, an unknown security mode or a password without user are refused up front."""
    with pytest.raises(ValueError, match="sender"):
        SmtpMailer("127.0.0.1", 25, sender=" ")
    with pytest.raises(ValueError, match="security"):
        SmtpMailer("127.0.0.1", 25, sender=SENDER, security="ssl")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="without a username"):
        SmtpMailer("127.0.0.1", 25, sender=SENDER, password="x")
