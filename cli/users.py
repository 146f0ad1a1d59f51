"""Who may use forumflow: yourself, the users, and their API tokens."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.render import users as render
from cli.session import Session, segment
from cli.vocabulary import MemberGroup, Role

user_app = typer.Typer(help="Users, their roles and their API tokens.", no_args_is_help=True)

UserId = Annotated[str, typer.Argument(help="the user's id, e.g. sean.hogg")]


@user_app.command("me")
def me(ctx: typer.Context) -> None:
    """Who you are signed in as, and your roles."""
    session = Session.of(ctx)
    session.show(session.call("GET", "/me"), render.user)


@user_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Everyone who may sign in."""
    session = Session.of(ctx)
    session.show(session.call("GET", "/users"), render.user_list)


@user_app.command("add")
def add(
    ctx: typer.Context,
    user_id: UserId,
    name: Annotated[str, typer.Option(help="their name, as the audit trail shows it")],
    email: Annotated[str, typer.Option(help="where their reminders go")],
    role: Annotated[list[Role], typer.Option("--role", help="a role they hold (repeat)")],
    group: Annotated[
        MemberGroup | None, typer.Option(help="for a forum member, the group they represent")
    ] = None,
) -> None:
    """Add a user."""
    body: dict[str, Any] = {
        "user_id": user_id,
        "name": name,
        "email": email,
        "roles": sorted({r.value for r in role}),
    }
    if group is not None:
        body["group"] = group.value
    session = Session.of(ctx)
    session.show(session.call("POST", "/users", body=body), render.user)


@user_app.command("token")
def token(
    ctx: typer.Context,
    user_id: UserId,
    label: Annotated[str, typer.Option(help="what the token is for")] = "forum CLI",
) -> None:
    """Mint a token for a user; it is shown this once."""
    session = Session.of(ctx)
    response = session.call("POST", f"/users/{segment(user_id)}/tokens", body={"label": label})
    session.show(response, render.issued_token)


@user_app.command("revoke")
def revoke(ctx: typer.Context, user_id: UserId) -> None:
    """Revoke every token of a user: they are signed out everywhere."""
    session = Session.of(ctx)
    response = session.call("DELETE", f"/users/{segment(user_id)}/tokens")
    session.show(response, render.revoked)


def install(app: typer.Typer) -> None:
    """Add the user commands to ``app``."""
    app.add_typer(user_app, name="user")
