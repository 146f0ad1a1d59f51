"""``forum``: the Schools Forum's funding requests from the command line.

A client of the forumflow HTTP API and nothing else: every command is one or two
HTTP calls, so the API's sign-in, role checks and the workflows' rules all apply.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli import decisions, funding, meetings, records, requests, users
from cli.client import EXIT_CODES_HELP, Api
from cli.session import Session

HELP = f"""\
Funding requests to the Schools Forum, from the officer's draft to the decision
register, through the forumflow API.

Sign in with a token (--token or FORUM_TOKEN) minted by `forum user token`. Add
--json to any command for the API's JSON, unchanged. Amounts are typed in pounds
("£89,604") and shown with £; dates and times are Europe/London.

{EXIT_CODES_HELP}
"""

app = typer.Typer(
    name="forum",
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    api_url: Annotated[
        str,
        typer.Option(
            "--api-url",
            envvar="FORUM_API_URL",
            metavar="URL",
            help="the forumflow API",
            show_default=True,
        ),
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="FORUM_TOKEN",
            metavar="TOKEN",
            help="your API token",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="print the API's JSON unchanged (for scripts)")
    ] = False,
) -> None:
    """Global options; every command runs with the session they make."""
    ctx.obj = Session(api=Api(base_url=api_url.rstrip("/"), token=token), json=json_output)


requests.install(app)
decisions.install(app)
funding.install(app)
meetings.install(app)
records.install(app)
users.install(app)


if __name__ == "__main__":  # pragma: no cover
    app()
