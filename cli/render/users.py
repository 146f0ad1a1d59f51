"""How the CLI shows users and their tokens."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from cli.render.values import NONE, fields, plural, table, text, words


def _roles(user: Any) -> str:
    return ", ".join(sorted(user.get("roles") or ())) or NONE


def user(console: Console, person: Any) -> None:
    """One user."""
    rows = [
        ("user", escape(person["user_id"])),
        ("name", text(person.get("name"))),
        ("email", text(person.get("email"))),
        ("roles", _roles(person)),
    ]
    if person.get("group"):
        rows.append(("group", words(person["group"])))
    console.print(fields(rows))


def user_list(console: Console, listing: Any) -> None:
    """Everyone who may sign in."""
    people = listing.get("users", listing) if isinstance(listing, dict) else listing
    grid = table("user", "name", "email", "roles", "group")
    for person in people:
        grid.add_row(
            escape(person["user_id"]),
            text(person.get("name")),
            text(person.get("email")),
            _roles(person),
            words(person.get("group")),
        )
    console.print(grid)
    console.print(plural(len(people), "user", "users"))


def issued_token(console: Console, issued: Any) -> None:
    """A freshly minted token, shown this once."""
    console.print(f"Token for {escape(issued['user_id'])} ({escape(issued.get('label', ''))}):")
    console.print(escape(issued["token"]))
    console.print("It is shown this once; keep it as FORUM_TOKEN.")


def revoked(console: Console, result: Any) -> None:
    """Tokens revoked."""
    if isinstance(result, dict) and "revoked" in result:
        console.print(
            f"Revoked {result['revoked']} token(s) of {escape(str(result.get('user_id')))}."
        )
    else:
        console.print("Revoked.")
