"""A real SMTP server on 127.0.0.1 for tests: it records what it receives.

Built on aiosmtpd's Controller, which runs the server on its own event loop in a
thread, so tests (sync or async) talk to it over a real socket exactly as the worker
would talk to the council's mail relay.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

KEY_HEADER = "X-Forumflow-Key"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the server accepted it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _RecordingHandler:
    """aiosmtpd hooks: enforce AUTH when configured, refuse chosen recipients, record DATA."""

    def __init__(self, server: RecordingSmtpServer) -> None:
        self._server = server

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which warns when TLS
        # is not required too; the test server is plain text on loopback.
        if self._server.requires_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._server.refuse.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        # SMTP carries CRLF line ends; a mailbox stores native ones, so compare like that.
        raw = envelope.original_content.replace(b"\r\n", b"\n")
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        self._server._record(
            ReceivedMessage(
                mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos), message=parsed
            )
        )
        return "250 Message accepted for delivery"


class RecordingSmtpServer:
    """A local SMTP server that keeps every message it accepts.

    ``username``/``password``: offer AUTH LOGIN/PLAIN (without TLS, for the test) and
    refuse mail from unauthenticated sessions. ``refuse``: recipient address to the
    reply that refuses it, e.g. ``{"gone@example.org": "550 5.1.1 No such user"}``.
    Use as a context manager, or call ``start`` and ``stop``.
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        refuse: Mapping[str, str] | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.host = "127.0.0.1"
        self.port = free_port()
        self.refuse: dict[str, str] = dict(refuse or {})
        self._credentials = (
            (username.encode(), password.encode())
            if username is not None and password is not None
            else None
        )
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._controller = Controller(
            _RecordingHandler(self),
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate if self._credentials else None,
            auth_require_tls=False,
        )

    @property
    def requires_auth(self) -> bool:
        """Whether mail is accepted only after a successful AUTH."""
        return self._credentials is not None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password) == self._credentials
        )
        return AuthResult(success=ok, handled=False)

    def _record(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(received)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message accepted so far, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def count(self) -> int:
        """How many messages were accepted."""
        with self._lock:
            return len(self._messages)

    def keys(self) -> list[str]:
        """The X-Forumflow-Key header of each accepted message, oldest first.

        A key too long for one header line is folded onto the next, and unfolding leaves
        the fold's leading space (RFC 5322 2.2.3), so it is stripped here.
        """
        return [
            str(m.message[KEY_HEADER]).strip() for m in self.messages if KEY_HEADER in m.message
        ]

    def start(self) -> RecordingSmtpServer:
        """Start listening; returns self."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def __enter__(self) -> RecordingSmtpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
