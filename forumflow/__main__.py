"""``python -m forumflow``: the run command.

``run`` starts the Temporal dev server on the project's data directory (so the
same workflows are there next time), makes sure the namespace and search
attributes exist, starts the worker, prints the Web UI address, and stops
everything cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio

import structlog

from forumflow.client import connect
from forumflow.devserver import DevServer
from forumflow.logs import configure_logging
from forumflow.settings import Settings
from forumflow.toolchain import ToolchainError, ensure_temporal_cli
from worker.run import serve, stop_event_on_signals

log = structlog.get_logger("forumflow")


async def run(settings: Settings) -> None:
    """Dev server + worker until Ctrl-C."""
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
    await server.start()
    try:
        print(f"Temporal Web UI: {server.ui_address}  (Ctrl-C stops forumflow)", flush=True)
        await serve(await connect(settings), settings, stop, web_ui=server.ui_address)
    finally:
        await server.stop()
        log.info("stopped")


def main() -> None:
    """Entry point of ``python -m forumflow`` and the ``forumflow`` script."""
    parser = argparse.ArgumentParser(prog="forumflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="dev server + worker on the data directory until Ctrl-C")
    args = parser.parse_args()
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "run":
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
