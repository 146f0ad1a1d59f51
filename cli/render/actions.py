"""What an action did, and what actions the signed-in user may take next.

Requests and meetings answer an accepted transition the same way (its audit entry
and the stage it left the aggregate in), so one renderer shows both.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from cli.render.values import NONE, london_time, table, words
from cli.vocabulary import REQUEST_COMMANDS


def transition_result(console: Console, result: Any) -> None:
    """What an accepted transition did, as the audit trail says it."""
    entry = result["audit_entry"]
    # forumflow's own clock acts on meetings too, and holds no role.
    role = f" as {entry['role']}" if entry.get("role") else ""
    console.print(
        f"{escape(entry['summary'])}\n"
        f"stage: {words(result['stage'])}  (by {escape(entry['actor_name'])}{role}, "
        f"{london_time(entry['at'])})"
    )
    for key in result.get("register_keys") or ():
        console.print(f"decision register: {escape(key)}")


def allowed_actions(console: Console, allowed: Any) -> None:
    """What the signed-in user may do next on a request, with the command for each."""
    console.print(f"stage: {words(allowed['stage'])}")
    transitions = allowed.get("transitions") or ()
    if not transitions:
        console.print("You can take no action on this request now.")
        return
    grid = table("action", "command")
    for transition in transitions:
        grid.add_row(words(transition), REQUEST_COMMANDS.get(transition, NONE))
    console.print(grid)
