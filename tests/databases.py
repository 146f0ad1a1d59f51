"""The databases the register and delivery log are tested on: a SQLite file, and
PostgreSQL when ``FORUMFLOW_TEST_POSTGRES_URL`` is set (scripts/test starts one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL_ENV = "FORUMFLOW_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def postgres_schema_url(base_url: str) -> Iterator[str]:
    """A throwaway schema per test, so runs sharing one database cannot collide."""
    schema = f"forumflow_test_{uuid.uuid4().hex}"
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


def database_urls(backend: str, tmp_path: Path) -> Iterator[str]:
    """One URL of the given backend for a test, cleaned up after it (skips if unavailable)."""
    if backend == "sqlite":
        # A directory that does not exist yet checks that the stores create it.
        yield f"sqlite:///{tmp_path / 'data' / 'register.sqlite3'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(
            f"{POSTGRES_URL_ENV} is not set; set it to a postgresql+psycopg:// URL of a "
            "database the user may create schemas in to run the PostgreSQL backend"
        )
    yield from postgres_schema_url(base_url)
