"""The sign-in store (storage.signin) on SQLite and, when configured, PostgreSQL: links
and sessions kept only as digests, used once, expired by the store's clock."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from storage.accounts import UserDirectory
from storage.engine import create_register_engine
from storage.signin import LINK_LIFETIME, LinkState, SignInStore, digest
from tests.web.conftest import CHAIR, OFFICER, MovableClock

IDLE = timedelta(minutes=30)


@pytest.fixture
def clock() -> MovableClock:
    """A clock the test moves on."""
    return MovableClock()


@pytest.fixture
def store(database_url: str, clock: MovableClock) -> Iterator[SignInStore]:
    """A sign-in store over a directory holding the officer and the chair."""
    directory = UserDirectory(database_url)
    directory.create_schema()
    for person in (OFFICER, CHAIR):
        directory.add(person)
    signin = SignInStore(database_url, session_idle=IDLE, clock=clock)
    yield signin
    signin.close()
    directory.close()


def _stored_values(url: str) -> set[str]:
    engine = create_register_engine(url)
    try:
        with engine.connect() as conn:
            return {
                str(value)
                for table in ("sign_in_links", "web_sessions", "sign_in_attempts")
                for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
                for value in row
            }
    finally:
        engine.dispose()


def test_only_digests_are_stored(store: SignInStore, database_url: str) -> None:
    """Neither a link, a session token, an address nor an IP is in the database as
    itself; each is there as its SHA-256 digest."""
    assert store.allow_attempt(OFFICER.email, "192.0.2.7", per_address=5, per_client=5)
    link = store.issue_link(OFFICER.user_id)
    session = store.start_session(OFFICER.user_id, "email-link")

    stored = _stored_values(database_url)
    for secret in (link.token, session, OFFICER.email, "192.0.2.7"):
        assert secret not in stored
    assert {digest(link.token), digest(session), digest(OFFICER.email)} <= stored


def test_a_link_is_used_once_even_when_used_at_the_same_time(store: SignInStore) -> None:
    """Eight simultaneous uses of one link: exactly one signs in; the rest are told it
    has been used, and so is anyone checking it after."""
    link = store.issue_link(OFFICER.user_id)
    assert store.check_link(link.token).state is LinkState.valid

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(store.use_link, [link.token] * 8))

    assert sorted(o.state.value for o in outcomes) == ["used"] * 7 + ["valid"]
    assert {o.user_id for o in outcomes} == {OFFICER.user_id}
    assert store.check_link(link.token).state is LinkState.used


def test_a_link_expires_after_its_lifetime(store: SignInStore, clock: MovableClock) -> None:
    """A link works until just before its lifetime is up, and not from then on."""
    link = store.issue_link(OFFICER.user_id)
    assert link.expires_at - link.issued_at == LINK_LIFETIME
    clock.advance(LINK_LIFETIME - timedelta(seconds=1))
    assert store.check_link(link.token).state is LinkState.valid
    clock.advance(timedelta(seconds=1))

    assert store.use_link(link.token).state is LinkState.expired
    assert store.check_link("never-issued").state is LinkState.unknown


def test_addresses_are_found_whatever_their_case(store: SignInStore) -> None:
    """The address a person types finds their user however it is capitalised."""
    assert store.user_ids_for_email("  SEAN.Hogg@Council.Example.org ") == [OFFICER.user_id]
    assert store.user_ids_for_email("nobody@nowhere.example.org") == []


def test_attempts_are_limited_per_address_and_per_client(
    store: SignInStore, clock: MovableClock
) -> None:
    """Each limit counts the last 15 minutes; refused attempts are not counted."""
    assert [
        store.allow_attempt(OFFICER.email, f"192.0.2.{n}", per_address=2, per_client=9)
        for n in range(3)
    ] == [True, True, False]
    assert not store.allow_attempt(OFFICER.email.upper(), "192.0.2.9", per_address=2, per_client=9)
    assert [
        store.allow_attempt(f"p{n}@school.example.org", "198.51.100.1", per_address=9, per_client=2)
        for n in range(3)
    ] == [True, True, False]

    clock.advance(timedelta(minutes=15))
    assert store.allow_attempt(OFFICER.email, "192.0.2.1", per_address=2, per_client=9)
    assert store.allow_attempt("p9@school.example.org", "198.51.100.1", per_address=9, per_client=2)


def test_a_session_lasts_while_used_and_ends_on_sign_out_or_when_idle(
    store: SignInStore, clock: MovableClock
) -> None:
    """Each request keeps a session going; it ends when signed out, or once it has been
    idle for the idle time."""
    kept = store.start_session(OFFICER.user_id, "email-link")
    ended = store.start_session(CHAIR.user_id, "email-link")
    store.end_session(ended)
    assert store.session(ended) is None

    for _ in range(3):
        clock.advance(IDLE - timedelta(minutes=1))
        live = store.session(kept)
        assert live is not None
        assert (live.user_id, live.signed_in_by) == (OFFICER.user_id, "email-link")
    clock.advance(IDLE)
    assert store.session(kept) is None
