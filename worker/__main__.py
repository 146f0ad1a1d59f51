"""Runs the forumflow worker against an already running Temporal server
(the docker-compose service). ``python -m devtools run`` starts a dev server too."""

from __future__ import annotations

import asyncio

from worker.run import run_worker_until_stopped


def main() -> None:
    """Entry point of ``python -m worker``."""
    asyncio.run(run_worker_until_stopped())


if __name__ == "__main__":
    main()
