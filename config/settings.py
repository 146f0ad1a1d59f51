"""The one settings class. Every knob is read from the environment with the
``FORUMFLOW_`` prefix, so the worker, the tests and docker-compose agree."""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from domain.deadlines import DeadlineKind
from domain.forum import (
    DEFAULT_REMINDER_DAYS,
    ForumSettings,
    ReminderDays,
    ReminderTiming,
    SendHour,
)


class _KindTiming(BaseModel):
    """One kind of deadline's reminders in FORUMFLOW_REMINDER_TIMINGS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[ReminderDays, ...] = Field(description="days before the deadline; 0: on the day")
    send_hour: SendHour | None = Field(
        default=None, description="London hour; unset: the deadline's own time (5pm)"
    )


class Settings(BaseSettings):
    """Configuration of a forumflow process (worker, dev-server runner, tools)."""

    model_config = SettingsConfigDict(env_prefix="FORUMFLOW_", frozen=True, extra="ignore")

    temporal_address: str = Field(
        default="127.0.0.1:7233", description="host:port of the Temporal frontend"
    )
    temporal_namespace: str = Field(default="forumflow", description="Temporal namespace")
    task_queue: str = Field(default="forumflow", description="task queue the worker polls")
    data_dir: Path = Field(
        default=Path(".data"),
        description="where the dev server's SQLite file, the register database (users "
        "included) and the outbox live; administration commands must use the server's",
    )
    ui_port: int = Field(default=8233, ge=1, le=65535, description="Temporal Web UI port")
    api_host: str = Field(default="127.0.0.1", description="address the HTTP API listens on")
    api_port: int = Field(default=8000, ge=1, le=65535, description="HTTP API port")
    first_chair_id: str = Field(
        default="chair",
        pattern=r"^[a-z0-9][a-z0-9._-]{1,40}$",
        description="user id of the chair added on the first run (empty user directory)",
    )
    first_chair_name: str = Field(default="Forum Chair", min_length=1)
    first_chair_email: str = Field(default="chair@forum.example.org", min_length=3)
    first_clerk_id: str = Field(
        default="clerk",
        pattern=r"^[a-z0-9][a-z0-9._-]{1,40}$",
        description="user id of the clerk added on the first run",
    )
    first_clerk_name: str = Field(default="Forum Clerk", min_length=1)
    first_clerk_email: str = Field(default="clerk@forum.example.org", min_length=3)
    first_officer_id: str = Field(
        default="officer",
        pattern=r"^[a-z0-9][a-z0-9._-]{1,40}$",
        description="user id of the local authority officer added on the first run",
    )
    first_officer_name: str = Field(default="Local Authority Officer", min_length=1)
    first_officer_email: str = Field(default="officer@council.example.org", min_length=3)
    register_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the decision register; a SQLite file in data_dir if unset",
    )
    worker_max_cached_workflows: int = Field(
        default=1000,
        ge=0,
        description="workflows a worker keeps in memory between tasks (0: none, no sticky queue)",
    )
    worker_sticky_queue_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how long a task for a workflow the worker keeps in memory waits for that "
        "worker before any worker may take it; a query caught behind a burst of Updates (a "
        "vote) waits this long",
    )
    annual_review_schedule: bool = Field(
        default=True,
        description="keep the yearly DSG review Schedule; off for servers without Schedules",
    )
    dsg_decision_month: int = Field(
        default=10, ge=1, le=12, description="month of the forum's annual DSG decision"
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: JSON unless stderr is a terminal"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    smtp_host: str | None = Field(
        default=None,
        description="mail relay that reminders and escalations go through; unset: an "
        "embedded SMTP server on loopback keeps every message in the outbox directory",
    )
    smtp_port: int = Field(
        default=1025, ge=1, le=65535, description="mail relay port (with smtp_host)"
    )
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none",
        description="none: plain SMTP; starttls: upgrade after connecting (port 587); "
        "tls: TLS from the start (port 465)",
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP AUTH user; no authentication if unset"
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP AUTH password (kept out of logs and reprs)"
    )
    mail_from: str = Field(
        default="forumflow@localhost", description="sender address of every notice"
    )
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="timeout of each network operation with the mail server"
    )
    notice_claim_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="how long a notice being sent is held before a retry may send it again; "
        "a notice sent meanwhile waits this long for the database to record it",
    )
    mail_enabled: bool = Field(
        default=True,
        description="false: notices are only written to the log channel, never emailed",
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="the address people open forumflow at, which the sign-in links sent by "
        "email start with; unset: http://<api host>:<api port> (127.0.0.1 for a wildcard host)",
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="a signed-in browser is signed out after this many minutes without a request",
    )
    sign_in_limit_per_address: int = Field(
        default=5,
        ge=1,
        description="sign-in links one email address may ask for in 15 minutes",
    )
    sign_in_limit_per_client: int = Field(
        default=20,
        ge=1,
        description="sign-in links one client IP address may ask for in 15 minutes",
    )

    reminder_days: Annotated[tuple[ReminderDays, ...], NoDecode] = Field(
        default=DEFAULT_REMINDER_DAYS,
        description="reminders go this many days before each deadline, e.g. 28,7,1 (0: on "
        "the day; empty: none), for every kind reminder_timings does not name",
    )
    reminder_send_hour: SendHour | None = Field(
        default=None,
        description="the London hour (0-23) those reminders go at; unset: the deadline's own "
        "time (5pm)",
    )
    reminder_timings: dict[DeadlineKind, _KindTiming] = Field(
        default_factory=dict,
        description='per kind of deadline, as JSON: {"papers": {"days": [7, 1], "send_hour": '
        "9}}; the kinds not named take reminder_days and reminder_send_hour",
    )
    digest_hour: SendHour = Field(
        default=8,
        description="the London hour each day's digest of notices goes to those who chose one",
    )
    daily_digest_schedule: bool | None = Field(
        default=None,
        description="keep the daily digest Schedule; unset: as annual_review_schedule, since "
        "both need a server with Schedules",
    )

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _comma_separated_days(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(int(part) for part in parts)
            except ValueError:
                raise ValueError(
                    f"FORUMFLOW_REMINDER_DAYS: whole days separated by commas, e.g. 28,7,1; "
                    f"got {value!r}"
                ) from None
        return value

    @field_validator("reminder_send_hour", mode="before")
    @classmethod
    def _empty_hour_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _reminders_make_forum_settings(self) -> Self:
        # Repeated days are the one rule the fields do not check themselves; refused
        # here, a bad setting stops the process at start-up rather than at its first request.
        try:
            self.forum_settings()
        except ValidationError as error:
            problems = "; ".join(issue["msg"] for issue in error.errors(include_url=False))
            raise ValueError(
                f"FORUMFLOW_REMINDER_DAYS / FORUMFLOW_REMINDER_TIMINGS: {problems}"
            ) from None
        return self

    @property
    def keeps_daily_digest_schedule(self) -> bool:
        """Whether the worker keeps the daily digest Schedule."""
        if self.daily_digest_schedule is None:
            return self.annual_review_schedule
        return self.daily_digest_schedule

    def forum_settings(self) -> ForumSettings:
        """The forum settings requests and meetings start with when none are sent."""
        return ForumSettings(
            reminder_offsets_days=self.reminder_days,
            reminder_send_hour=self.reminder_send_hour,
            reminder_timings=tuple(
                ReminderTiming(
                    kind=kind.value, offsets_days=timing.days, send_hour=timing.send_hour
                )
                for kind, timing in sorted(self.reminder_timings.items())
            ),
        )

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_not_empty(cls, value: object) -> object:
        # Path("") is the current directory: every command would quietly make a new,
        # empty database wherever it happened to be run.
        if isinstance(value, str) and not value.strip():
            raise ValueError(
                "FORUMFLOW_DATA_DIR is empty; set it to the server's data directory "
                "(default .data), or leave it unset"
            )
        return value

    @field_validator("smtp_host", "smtp_username", "smtp_password", "public_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker-compose passes an unset variable on as an empty string.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def resolved_public_url(self) -> str:
        """Where people reach forumflow, without a trailing slash: the explicit
        ``public_url``, or the address the API listens on (loopback for a wildcard)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.api_host
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(host).is_unspecified:
                host = "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.api_port}"

    @property
    def outbox_dir(self) -> Path:
        """Where the embedded outbox keeps messages when no mail relay is set."""
        return self.data_dir / "outbox"

    @property
    def register_location(self) -> str:
        """Which database the register and the users are in, fit to print: a SQLite
        file's absolute path, or the URL with its password masked."""
        url = make_url(self.resolved_register_url)
        if url.get_backend_name() == "sqlite" and url.database:
            return str(Path(url.database).resolve())
        return url.render_as_string(hide_password=True)

    @property
    def resolved_register_url(self) -> str:
        """The register URL to use: the explicit one, or a SQLite file in the data dir."""
        if self.register_url:
            return self.register_url
        return f"sqlite:///{(self.data_dir / 'register.sqlite3').resolve()}"
