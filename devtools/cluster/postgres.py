"""The cluster's PostgreSQL: Debian's server on a data directory of its own, on loopback.

One PostgreSQL holds what docker-compose.yml's does: Temporal's ``temporal`` and
``temporal_visibility`` databases (owned by the ``temporal`` role) and forumflow's own
``forumflow`` database for the decision register and the users (owned by the
``forumflow`` role, which reaches nothing else). Programs connect over TCP with a
password, as in production; the administration done here goes through the Unix socket
in the cluster's directory, which only the server's own user may use without one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devtools.toolchain import ToolchainError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Role:
    """A login role and the databases it owns."""

    name: str
    password: str
    databases: tuple[str, ...]


# docker-compose.yml's variables and development defaults (URL-safe characters only:
# the register's password goes into a URL).
TEMPORAL_ROLE = Role(
    "temporal",
    os.environ.get("TEMPORAL_DB_PASSWORD") or "temporal",
    ("temporal", "temporal_visibility"),
)
FORUMFLOW_ROLE = Role(
    "forumflow", os.environ.get("REGISTER_DB_PASSWORD") or "forumflow", ("forumflow",)
)


def postgres_bin_dir() -> Path:
    """The newest Debian PostgreSQL's bin directory (scripts/pg-for-tests installs one)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name)
    )
    if not candidates:
        raise ToolchainError(
            "no PostgreSQL server: install Debian's postgresql package (scripts/test does)"
        )
    return candidates[-1]


class ClusterPostgres:
    """``initdb`` once, then ``pg_ctl start``/``stop`` on ``root/data``, port ``port``."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.bin = postgres_bin_dir()
        # initdb refuses to run as root; Debian's postgres user owns the cluster then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "postgresql.log"

    def url(self, role: Role, database: str, driver: str = "postgresql+psycopg") -> str:
        """A SQLAlchemy URL for ``role`` on ``database`` over TCP."""
        return f"{driver}://{role.name}:{role.password}@{LOOPBACK}:{self.port}/{database}"

    def _run(self, *args: str, capture: bool = False) -> str:
        completed = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, check=False, cwd="/"
        )
        if completed.returncode != 0:
            raise ToolchainError(
                f"{Path(args[0]).name} failed ({completed.returncode}): "
                f"{(completed.stderr or completed.stdout).strip()[-2000:]}"
            )
        return completed.stdout if capture else ""

    def initialise(self) -> bool:
        """Create the data directory unless it exists; True if it was created."""
        if (self.data / "PG_VERSION").is_file():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        return True

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={LOOPBACK} "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions and disconnect everyone)."""
        if (self.data / "postmaster.pid").is_file():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop and start again: every connection is cut, as a failover or a reboot would."""
        self.stop()
        self.start()

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser over the socket; its unaligned output."""
        return self._run(
            str(self.bin / "psql"),
            "-X",
            "-q",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            statement,
            capture=True,
        ).strip()

    def ensure_roles_and_databases(self, roles: tuple[Role, ...]) -> list[str]:
        """Create each role and its databases if missing (as compose's init script does
        on a new volume); the names created."""
        created: list[str] = []
        for role in roles:
            if not self.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role.name}'"):
                self.sql(f"CREATE ROLE {role.name} LOGIN PASSWORD '{role.password}'")
                created.append(role.name)
            for database in role.databases:
                if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
                    self.sql(f"CREATE DATABASE {database} OWNER {role.name}")
                    self.sql(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
                    self.sql(f"GRANT CONNECT ON DATABASE {database} TO {role.name}")
                    created.append(database)
        return created

    def postmaster_pid(self) -> int | None:
        """The running server's process id, from its pid file."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.is_file():
            return None
        return int(pid_file.read_text().split()[0])
