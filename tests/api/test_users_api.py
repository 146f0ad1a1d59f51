"""Users and tokens over HTTP: who may list and add users, minting and revoking tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from devtools.seeds import MEMBERS
from storage.accounts import token_digest, tokens_table
from tests.api.conftest import STAFF, Api

pytestmark = pytest.mark.devserver_only

MEMBER = MEMBERS[0].member_id
NEW_OFFICER = {
    "user_id": "jo.bloggs",
    "name": "Jo Bloggs",
    "email": "jo.bloggs@council.example.org",
    "roles": ["officer"],
}


def bearer(token: str) -> dict[str, str]:
    """Headers that sign in with ``token``."""
    return {"Authorization": f"Bearer {token}"}


async def mint(api: Api, as_user: str, for_user: str, body: object = None) -> str:
    """A token minted over HTTP; fails the test unless it was minted."""
    response = await api.http.post(
        f"/users/{for_user}/tokens", json=body, headers=api.auth(as_user)
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def test_me_is_the_user_the_token_belongs_to(api: Api) -> None:
    """GET /me answers the signed-in user's id, name and roles."""
    response = await api.http.get("/me", headers=api.auth(MEMBER))

    assert response.status_code == 200
    body = response.json()
    assert (body["user_id"], body["roles"], body["group"]) == (
        MEMBER,
        ["member"],
        MEMBERS[0].group.value,
    )


async def test_no_token_or_an_unknown_one_is_401_with_a_bearer_challenge(api: Api) -> None:
    """Without a token, or with one nobody was given, /me is 401 and asks for a bearer."""
    missing = await api.http.get("/me")
    unknown = await api.http.get("/me", headers=bearer("ff_not-a-token-anyone-was-given"))

    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize(
    ("user_id", "status"),
    [("clerk", 200), ("chair", 200), ("sean.hogg", 403), (MEMBER, 403)],
)
async def test_only_the_clerk_and_chair_list_users(api: Api, user_id: str, status: int) -> None:
    """GET /users lists everyone for the clerk and the chair; an officer or member gets 403."""
    response = await api.http.get("/users", headers=api.auth(user_id))

    assert response.status_code == status
    if status == 200:
        ids = [user["user_id"] for user in response.json()["users"]]
        assert ids == sorted([*(s.user_id for s in STAFF), *(m.member_id for m in MEMBERS)])
    else:
        assert response.json()["rule"] == "role-not-permitted"


async def test_clerk_adds_a_user_who_signs_in_with_a_minted_token(api: Api) -> None:
    """A user the clerk adds (201) signs in with the token the clerk mints for them."""
    added = await api.http.post("/users", json=NEW_OFFICER, headers=api.auth("clerk"))
    assert added.status_code == 201, added.text
    assert added.json()["roles"] == ["officer"]

    token = await mint(api, "clerk", "jo.bloggs")
    me = await api.http.get("/me", headers=bearer(token))

    assert me.status_code == 200
    assert me.json()["user_id"] == "jo.bloggs"


@pytest.mark.parametrize("user_id", ["chair", "sean.hogg", MEMBER])
async def test_only_the_clerk_adds_users(api: Api, user_id: str) -> None:
    """Anyone but the clerk gets 403 adding a user, and no user is added."""
    response = await api.http.post("/users", json=NEW_OFFICER, headers=api.auth(user_id))

    assert response.status_code == 403
    assert "clerk" in response.json()["message"]
    assert "jo.bloggs" not in {user.user_id for user in api.services.directory.all()}


async def test_a_taken_user_id_is_409_and_the_user_is_unchanged(api: Api) -> None:
    """Adding a user under an id someone has is 409, and the existing user keeps their roles."""
    response = await api.http.post(
        "/users", json={**NEW_OFFICER, "user_id": "chair"}, headers=api.auth("clerk")
    )

    assert response.status_code == 409
    assert response.json()["rule"] == "user-id-taken"
    assert {r.value for r in api.services.directory.get("chair").roles} == {"chair"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not an email"}, "body.email"),
        ({"user_id": "Has Spaces"}, "body.user_id"),
        ({"roles": []}, "body.roles"),
        ({"roles": ["treasurer"]}, "body.roles.0"),
    ],
)
async def test_an_invalid_new_user_is_422_naming_the_field(
    api: Api, change: dict[str, object], field: str
) -> None:
    """A bad email, id or role is refused with 422 naming that field; nobody is added."""
    before = len(api.services.directory.all())
    response = await api.http.post(
        "/users", json={**NEW_OFFICER, **change}, headers=api.auth("clerk")
    )

    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["problems"]]
    assert len(api.services.directory.all()) == before


async def test_a_member_without_a_group_is_422(api: Api) -> None:
    """A forum member must name the group they represent, or the body is refused."""
    response = await api.http.post(
        "/users", json={**NEW_OFFICER, "roles": ["member"]}, headers=api.auth("clerk")
    )

    assert response.status_code == 422
    assert "group" in response.json()["message"]


async def test_a_user_mints_their_own_token_with_a_label(api: Api) -> None:
    """A member mints a labelled token for themself (201), and it signs them in."""
    response = await api.http.post(
        f"/users/{MEMBER}/tokens", json={"label": "calendar"}, headers=api.auth(MEMBER)
    )

    assert response.status_code == 201
    issued = response.json()
    assert (issued["user_id"], issued["label"]) == (MEMBER, "calendar")
    assert issued["token"].startswith("ff_")
    me = await api.http.get("/me", headers=bearer(issued["token"]))
    assert me.json()["user_id"] == MEMBER


async def test_minting_without_a_body_uses_the_default_label(api: Api) -> None:
    """No body is needed to mint: the token is labelled "api"."""
    response = await api.http.post("/users/chair/tokens", headers=api.auth("chair"))

    assert response.status_code == 201
    assert response.json()["label"] == "api"


async def test_an_invalid_label_is_422(api: Api) -> None:
    """A blank label is refused with 422 naming body.label."""
    response = await api.http.post(
        "/users/chair/tokens", json={"label": "   "}, headers=api.auth("chair")
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == ["body.label"]


async def test_only_the_clerk_mints_for_someone_else(api: Api) -> None:
    """A member minting for the chair gets 403; the clerk may; an unknown user is 404."""
    refused = await api.http.post("/users/chair/tokens", json={}, headers=api.auth(MEMBER))
    unknown = await api.http.post("/users/no.such.user/tokens", json={}, headers=api.auth("clerk"))

    assert refused.status_code == 403
    assert refused.json()["rule"] == "role-not-permitted"
    assert unknown.status_code == 404
    token = await mint(api, "clerk", "chair")
    assert (await api.http.get("/me", headers=bearer(token))).json()["user_id"] == "chair"


async def test_revoking_your_own_tokens_signs_you_out(api: Api) -> None:
    """DELETE on your own tokens revokes every one; each then answers 401."""
    extra = await mint(api, "sean.hogg", "sean.hogg")

    response = await api.http.delete("/users/sean.hogg/tokens", headers=bearer(extra))

    assert response.status_code == 200
    assert response.json() == {"user_id": "sean.hogg", "revoked": 2}
    for token in (extra, api.tokens["sean.hogg"]):
        me = await api.http.get("/me", headers=bearer(token))
        assert me.status_code == 401
        assert me.json()["message"] == "The token is unknown or revoked"


async def test_only_the_clerk_revokes_someone_elses_tokens(api: Api) -> None:
    """The officer revoking the chair's tokens gets 403 and they still work; the clerk may."""
    refused = await api.http.delete("/users/chair/tokens", headers=api.auth("sean.hogg"))
    still = await api.http.get("/me", headers=api.auth("chair"))
    revoked = await api.http.delete("/users/chair/tokens", headers=api.auth("clerk"))
    after = await api.http.get("/me", headers=api.auth("chair"))
    unknown = await api.http.delete("/users/no.such.user/tokens", headers=api.auth("clerk"))

    assert refused.status_code == 403
    assert still.status_code == 200
    assert revoked.json()["revoked"] == 1
    assert after.status_code == 401
    assert unknown.status_code == 404


async def test_the_directory_keeps_a_digest_not_the_token(api: Api, tmp_path: Path) -> None:
    """The database holds the minted token's SHA-256 digest and never the token itself."""
    token = await mint(api, "clerk", MEMBER)

    # The directory fixture keeps users on this file; read it as a copy of the database would.
    engine = create_engine(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(tokens_table).where(tokens_table.c.user_id == MEMBER)).all()
    finally:
        engine.dispose()

    stored = [value for row in rows for value in row if isinstance(value, str)]
    assert token_digest(token) in [row.token_digest for row in rows]
    assert all(token not in value for value in stored)
