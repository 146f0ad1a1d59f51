"""Email over real SMTP: build a notice's message and hand it to a mail server.

The message is deterministic in everything that identifies it: its Message-ID is
derived from the notice's idempotency key, so a message resent after a crash is the
same message to the receiving server and to mail clients, which can discard the copy.

Errors are sorted into permanent ones (the server refused every recipient, the
credentials are wrong, the server lacks a feature the settings ask for, any other 5xx
reply) and temporary ones (cannot connect, timeouts, 4xx replies, a dropped
connection), so the caller can tell Temporal whether a retry can help.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import TYPE_CHECKING, Literal

import structlog

from domain.notices import Notice

if TYPE_CHECKING:
    from adapters.outbox import Outbox
    from config.settings import Settings

SmtpSecurity = Literal["none", "starttls", "tls"]

KEY_HEADER = "X-Forumflow-Key"
KIND_HEADER = "X-Forumflow-Kind"

_log = structlog.get_logger(__name__)


class MailDeliveryError(Exception):
    """Sending failed; ``permanent`` says whether sending the same message again can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def message_id_for(idempotency_key: str) -> str:
    """The Message-ID of the notice with this key: the same on every attempt.

    128 bits of the key's SHA-256, so the header fits one line: a folded Message-ID
    comes back from some parsers with a leading space and no longer matches.
    """
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@forumflow>"


def build_email(notice: Notice, sender: str, *, sent_at: datetime | None = None) -> EmailMessage:
    """The plain-text email for ``notice``, to its recipients that have an email address.

    Raises ValueError when no recipient has one: such a notice is for the log only.
    """
    addressed = notice.addressed
    if not addressed:
        raise ValueError(
            f"notice {notice.idempotency_key!r} has no recipient with an email address; "
            "it can only be logged"
        )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = tuple(
        Address(display_name=r.name, addr_spec=r.email) for r in addressed if r.email
    )
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(sent_at or datetime.now(UTC))
    message["Message-ID"] = message_id_for(notice.idempotency_key)
    message[KEY_HEADER] = notice.idempotency_key
    message[KIND_HEADER] = notice.kind.value
    # RFC 3834: tells auto-responders (out-of-office replies) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the source readable for anyone inspecting a raw message.
    message.set_content(notice.body, cte="quoted-printable")
    return message


class SmtpMailer:
    """Sends messages through one SMTP server; a new connection per message.

    A connection per message keeps it stateless and so safe to share across the
    activity thread pool; notices are few, so the handshake costs nothing that matters.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        security: SmtpSecurity = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        local_hostname: str | None = None,
    ) -> None:
        if not sender.strip():
            raise ValueError("the mailer needs a sender address")
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"security must be 'none', 'starttls' or 'tls', not {security!r}")
        if password is not None and username is None:
            raise ValueError("an SMTP password was given without a username")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._host = host
        self._port = port
        self._sender = sender
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._local_hostname = local_hostname

    @property
    def sender(self) -> str:
        """The address messages come from (header and envelope)."""
        return self._sender

    def __repr__(self) -> str:
        # No password here: a repr ends up in logs and tracebacks.
        return (
            f"SmtpMailer(host={self._host!r}, port={self._port}, security={self._security!r}, "
            f"username={self._username!r}, sender={self._sender!r})"
        )

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to the server for every address in its To/Cc/Bcc headers.

        Raises MailDeliveryError (``permanent`` set when a retry cannot help). Returns
        normally once the server has accepted the message for at least one recipient;
        recipients it refused individually are logged.
        """
        to_addrs = [
            addr
            for _, addr in getaddresses(
                [str(v) for header in ("To", "Cc", "Bcc") for v in message.get_all(header, [])]
            )
            if addr
        ]
        if not to_addrs:
            raise ValueError("the message has no recipient address")
        try:
            refused = self._send(message, to_addrs)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            permanent = all(500 <= code < 600 for code in codes)
            raise MailDeliveryError(
                f"the mail server {self._where} refused every recipient "
                f"({_refusals(error.recipients)})",
                permanent=permanent,
            ) from error
        except smtplib.SMTPAuthenticationError as error:
            raise MailDeliveryError(
                f"the mail server {self._where} rejected the SMTP credentials of user "
                f"{self._username!r} ({error.smtp_code} {_text(error.smtp_error)}); "
                "check the smtp_username and smtp_password settings",
                permanent=True,
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise MailDeliveryError(
                f"the mail server {self._where} does not support what the settings ask for "
                f"(security {self._security!r}, authentication "
                f"{'on' if self._username else 'off'}): {error}",
                permanent=True,
            ) from error
        except smtplib.SMTPServerDisconnected as error:
            raise MailDeliveryError(
                f"the mail server {self._where} closed the connection: {error}", permanent=False
            ) from error
        except smtplib.SMTPResponseException as error:
            raise MailDeliveryError(
                f"the mail server {self._where} replied {error.smtp_code} "
                f"{_text(error.smtp_error)}",
                permanent=500 <= error.smtp_code < 600,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            # Connection refused, DNS, timeouts and TLS handshake failures: the server
            # or the network may be back, or the operator may fix a certificate, by the
            # next attempt.
            raise MailDeliveryError(
                f"could not deliver through the mail server {self._where}: "
                f"{type(error).__name__}: {error}",
                permanent=False,
            ) from error
        if refused:
            _log.warning(
                "mail server refused some recipients",
                message_id=message["Message-ID"],
                refused=_refusals(refused),
            )

    @property
    def _where(self) -> str:
        return f"{self._host}:{self._port}"

    def _connect(self) -> smtplib.SMTP:
        if self._security == "tls":
            return smtplib.SMTP_SSL(
                self._host,
                self._port,
                local_hostname=self._local_hostname,
                timeout=self._timeout,
                context=ssl.create_default_context(),
            )
        return smtplib.SMTP(
            self._host, self._port, local_hostname=self._local_hostname, timeout=self._timeout
        )

    def _send(self, message: EmailMessage, to_addrs: list[str]) -> dict[str, tuple[int, bytes]]:
        smtp = self._connect()
        try:
            if self._security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None:
                smtp.login(self._username, self._password or "")
            refused = smtp.send_message(message, from_addr=self._sender, to_addrs=to_addrs)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            # The message is already accepted; failing now would only cause a resend.
            smtp.close()
        return refused


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {code} {_text(reply)}" for addr, (code, reply) in refused.items())


def mailer_from_settings(settings: Settings, outbox: Outbox | None = None) -> SmtpMailer | None:
    """The mailer the settings describe, or None when mail is switched off (log only).

    With ``smtp_host`` set it sends through that relay; unset, through the embedded
    ``outbox``, which the caller starts (and which must then be given).
    """
    if not settings.mail_enabled:
        return None
    if settings.smtp_host is None:
        if outbox is None:
            raise ValueError(
                "FORUMFLOW_SMTP_HOST is unset, so mail goes to the embedded outbox, "
                "but no outbox was started"
            )
        return SmtpMailer(
            outbox.host,
            outbox.port,
            sender=settings.mail_from,
            timeout=settings.smtp_timeout_seconds,
            local_hostname="localhost",
        )
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.mail_from,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=(
            settings.smtp_password.get_secret_value()
            if settings.smtp_password is not None
            else None
        ),
        timeout=settings.smtp_timeout_seconds,
    )
