"""``python -m devtools``: forumflow on its embedded default, the demo, and the examples.

``run`` starts the Temporal dev server on the project's data directory (so the
same workflows are there next time), makes sure the namespace and search
attributes exist, starts the worker and the HTTP API beside it, prints the Web UI
and API addresses, and stops everything cleanly on Ctrl-C. ``demo`` walks the two
seed cases through the API on a throwaway server. ``scripts/run`` and
``scripts/demo`` call these. ``examples`` rewrites the JSON bodies in ``examples/``
from the seed cases.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import structlog
from pydantic import ValidationError

from adapters.outbox import Outbox, embedded_outbox
from api.services import ApiServices
from clients.connection import connect
from config.logs import configure_logging
from config.settings import Settings
from devtools.cluster.command import add_arguments as add_cluster_arguments
from devtools.cluster.command import run_cluster
from devtools.devserver import DevServer
from devtools.examples import EXAMPLES_DIR, write_examples
from devtools.toolchain import ToolchainError, ensure_temporal_cli
from forumflow.__main__ import settings_problems
from forumflow.serve_api import api_services, describe_sign_in, running_api
from storage.migrations import upgrade_database
from worker.run import serve, stop_event_on_signals

log = structlog.get_logger("forumflow")


async def run(settings: Settings) -> None:
    """Dev server + worker + HTTP API until Ctrl-C."""
    cli = ensure_temporal_cli()
    if cli is None:
        raise ToolchainError("no Temporal CLI: install Go so scripts/setup can build it")
    host, _, port = settings.temporal_address.rpartition(":")
    server = DevServer(
        cli.path,
        settings.data_dir / "temporal.sqlite3",
        namespace=settings.temporal_namespace,
        ip=host,
        port=int(port),
        ui_port=settings.ui_port,
        log_file=settings.data_dir / "temporal-server.log",
    )
    stop = stop_event_on_signals()
    # Before anything uses the database: the worker and the API find it at the newest schema.
    await asyncio.to_thread(upgrade_database, settings.resolved_register_url)
    await server.start()
    try:
        client = await connect(settings)
        services = ApiServices.build(settings, client)
        # The outbox first: the pages send sign-in links to it, and print each one here.
        with embedded_outbox(settings) as outbox:
            async with (
                api_services(settings, services, outbox=outbox, announce=print_line) as app,
                running_api(app, settings.api_host, settings.api_port, stop=stop) as api_url,
            ):
                print(f"Temporal Web UI: {server.ui_address}", flush=True)
                print(
                    f"HTTP API: {api_url}  (OpenAPI: {api_url}/docs)  Ctrl-C stops forumflow",
                    flush=True,
                )
                print(describe_sign_in(settings, outbox, printed=True), flush=True)
                print(f"Mail: {mail_destination(settings, outbox)}", flush=True)
                await serve(
                    client,
                    settings,
                    stop,
                    outbox=outbox,
                    web_ui=server.ui_address,
                    api=api_url,
                )
    finally:
        await server.stop()
        log.info("stopped")


def print_line(line: str) -> None:
    """Print a line at once (a sign-in link someone is waiting for)."""
    print(line, flush=True)


def mail_destination(settings: Settings, outbox: Outbox | None) -> str:
    """Where notices go, in a line for the person who started forumflow."""
    if outbox is not None:
        return (
            f"kept in the outbox {outbox.directory}, one .eml file per message "
            "(set FORUMFLOW_SMTP_HOST to send through a mail relay)"
        )
    if not settings.mail_enabled:
        return "switched off (FORUMFLOW_MAIL_ENABLED=false): notices go to the log only"
    return f"sent through the mail relay {settings.smtp_host}:{settings.smtp_port}"


def main() -> None:
    """Entry point of ``python -m devtools``."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="dev server + worker + HTTP API on the data directory until Ctrl-C")
    sub.add_parser("demo", help="the two seed cases through the API on a throwaway server")
    examples = sub.add_parser("examples", help="write examples/*.json from the seed cases")
    examples.add_argument("directory", nargs="?", type=Path, default=EXAMPLES_DIR)
    cluster = sub.add_parser(
        "cluster", help="the production topology (PostgreSQL, Temporal server, UI, workers, API)"
    )
    add_cluster_arguments(cluster)
    args = parser.parse_args()
    if args.command == "examples":
        for name in write_examples(args.directory):
            print(args.directory / name)
        return
    try:
        settings = Settings()
    except ValidationError as error:
        print(settings_problems(error), file=sys.stderr)
        sys.exit(2)
    if args.command == "cluster":
        configure_logging(settings.log_level, settings.log_format)
        asyncio.run(run_cluster(args))
        return
    if args.command == "demo":
        from devtools.demo import main as demo_main

        configure_logging("WARNING", settings.log_format)
        sys.exit(demo_main())
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
