"""The one settings class. Every knob is read from the environment with the
``FORUMFLOW_`` prefix, so the worker, the tests and docker-compose agree."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        description="where the dev server's SQLite file and the register database live",
    )
    ui_port: int = Field(default=8233, ge=1, le=65535, description="Temporal Web UI port")
    register_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the decision register; a SQLite file in data_dir if unset",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: JSON unless stderr is a terminal"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def resolved_register_url(self) -> str:
        """The register URL to use: the explicit one, or a SQLite file in the data dir."""
        if self.register_url:
            return self.register_url
        return f"sqlite:///{(self.data_dir / 'register.sqlite3').resolve()}"
