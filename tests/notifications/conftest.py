"""Fixtures for the notification tests: a real local SMTP server and a real delivery log.

``smtp_server`` is written to be lifted into the root conftest as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.mailer import SmtpMailer
from storage.deliveries import DeliveryLog
from tests.smtp import RecordingSmtpServer

SENDER = "forumflow@council.example.gov.uk"


@pytest.fixture
def mailer(smtp_server: RecordingSmtpServer) -> SmtpMailer:
    """A mailer pointed at this test's SMTP server, without TLS or authentication."""
    return SmtpMailer(
        smtp_server.host, smtp_server.port, sender=SENDER, timeout=5, local_hostname="tests"
    )


@pytest.fixture
def deliveries(database_url: str) -> Iterator[DeliveryLog]:
    """A real delivery log with its table created."""
    with DeliveryLog(database_url) as log:
        log.create_schema()
        yield log
