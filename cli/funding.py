"""Commands on what follows an approval: its funding confirmed, its spending started.

``forum funding confirm`` records that the money a conditional approval waited on has
come (it must be the minute's option(s) and amount); ``forum spending record`` the day
spending started, which the request marks when it came before the funding was
confirmed. Each is one action (see :mod:`cli.actions`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cli.actions import Aggregate, act
from cli.inputs import split_ids
from cli.options import DateOption, IdempotencyKey, MoneyOption, Reference

funding_app = typer.Typer(help="The money a conditional approval waits on.", no_args_is_help=True)
spending_app = typer.Typer(help="When spending of the agreed money started.", no_args_is_help=True)


@funding_app.command("confirm")
def confirm_funding(
    ctx: typer.Context,
    reference: Reference,
    confirmed_by: Annotated[
        str, typer.Option("--by", help="who confirmed the money, e.g. the finance lead")
    ],
    confirmed_on: Annotated[date, DateOption("--on", help="the day it was confirmed")],
    option: Annotated[
        list[str],
        typer.Option(
            "--option", metavar="OPTION_ID", help="an agreed option funded (repeat, or a,b)"
        ),
    ],
    amount: Annotated[int, MoneyOption("--amount", help="the amount, as minuted, e.g. £89,604")],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record that a conditional approval's funding is confirmed (officer)."""
    body = {
        "confirmed_by": confirmed_by,
        "confirmed_on": confirmed_on.isoformat(),
        "option_ids": split_ids(option),
        "amount_pence": amount,
    }
    act(ctx, Aggregate.request, reference, "confirm_funding", body, idempotency_key)


@spending_app.command("record")
def record_spending(
    ctx: typer.Context,
    reference: Reference,
    started_on: Annotated[
        date, DateOption("--started-on", help="the day spending of the money started")
    ],
    description: Annotated[
        str, typer.Option("--description", help="what started, e.g. 'four posts filled'")
    ],
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record the day spending of the agreed money started (officer)."""
    body = {"started_on": started_on.isoformat(), "description": description}
    act(ctx, Aggregate.request, reference, "record_spending", body, idempotency_key)


def install(app: typer.Typer) -> None:
    """Add the funding and spending commands to ``app``."""
    app.add_typer(funding_app, name="funding")
    app.add_typer(spending_app, name="spending")
