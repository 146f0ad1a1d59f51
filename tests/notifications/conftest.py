"""Fixtures for the notification tests: a real local SMTP server and a real delivery log.

``smtp_server`` is written to be lifted into the root conftest as it is.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forumflow.mailer import SmtpMailer
from register.deliveries import DeliveryLog
from tests.smtp import RecordingSmtpServer

POSTGRES_URL_ENV = "FORUMFLOW_TEST_POSTGRES_URL"
SENDER = "forumflow@council.example.gov.uk"


@pytest.fixture
def mailer(smtp_server: RecordingSmtpServer) -> SmtpMailer:
    """A mailer pointed at this test's SMTP server, without TLS or authentication."""
    return SmtpMailer(
        smtp_server.host, smtp_server.port, sender=SENDER, timeout=5, local_hostname="tests"
    )


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A throwaway schema per test, so runs sharing one database cannot collide."""
    schema = f"deliveries_test_{uuid.uuid4().hex}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The register database: a SQLite file, or PostgreSQL when its test URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'register.sqlite3'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(
            f"{POSTGRES_URL_ENV} is not set; set it to a postgresql+psycopg:// URL of a "
            "database the user may create schemas in to run the PostgreSQL backend"
        )
    yield from _postgres_schema_url(base_url)


@pytest.fixture
def deliveries(database_url: str) -> Iterator[DeliveryLog]:
    """A real delivery log with its table created."""
    with DeliveryLog(database_url) as log:
        log.create_schema()
        yield log
