"""The embedded outbox: an SMTP server on loopback that keeps every message as a file.

When no mail relay is configured (``FORUMFLOW_SMTP_HOST`` unset), the worker's mailer
talks SMTP to this server instead, so notices take the same path as in production
(build, send, mark sent) and land in ``<data dir>/outbox/`` as one ``.eml`` file per
message, which any mail client opens. It listens on a port the system picks, on
127.0.0.1 only, so it never clashes with another mail server on the machine.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from config.settings import Settings

LOOPBACK = "127.0.0.1"


class _KeepAsFile:
    """aiosmtpd hook: write each message's bytes to a file of its own, atomically."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        envelope_lines = [f"Return-Path: <{envelope.mail_from}>"] + [
            f"Delivered-To: {address}" for address in envelope.rcpt_tos
        ]
        content = b"\n".join(line.encode() for line in envelope_lines) + b"\n"
        # SMTP carries CRLF line ends; a file on disk keeps the platform's.
        content += bytes(envelope.original_content).replace(b"\r\n", b"\n")
        self.store(content)
        return "250 Message kept in the outbox"

    def store(self, content: bytes) -> Path:
        """Write one message; a partly written file never carries the .eml name."""
        with self._lock:
            serial = next(self._serial)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        final = self._directory / f"{stamp}-{os.getpid()}-{serial:04d}.eml"
        partial = final.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(final)
        return final


class _LoopbackController(Controller):
    """aiosmtpd's threaded server, listening on a port the system chooses."""

    def _create_server(self) -> Any:
        return self._listen()

    async def _listen(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
        )
        self.port = int(server.sockets[0].getsockname()[1])
        return server


class Outbox:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts in ``directory``.

    Use as a context manager, or call ``start`` and ``stop``; ``port`` is known once
    started.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.host = LOOPBACK
        self._controller = _LoopbackController(
            _KeepAsFile(self.directory), hostname=LOOPBACK, port=0, server_hostname="localhost"
        )

    @property
    def port(self) -> int:
        """The port it listens on (0 until started)."""
        return int(self._controller.port)

    def start(self) -> Outbox:
        """Create the directory and start listening; returns self."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; the messages stay."""
        self._controller.stop()

    def messages(self) -> list[Path]:
        """Every message kept so far, oldest first."""
        return sorted(self.directory.glob("*.eml"))

    def __enter__(self) -> Outbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def embedded_outbox(settings: Settings) -> Iterator[Outbox | None]:
    """The outbox, running, when mail is on and no relay is set; None otherwise."""
    if not settings.mail_enabled or settings.smtp_host is not None:
        yield None
        return
    with Outbox(settings.outbox_dir) as outbox:
        yield outbox
