"""What the API's handlers work with, built once per process and shared."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from config.settings import Settings
from storage.accounts import UserDirectory
from storage.register import DecisionRegister


@dataclass(frozen=True)
class ApiServices:
    """The Temporal clients and the stores behind the API."""

    settings: Settings
    requests: FundingRequests
    meetings: ForumMeetings
    register: DecisionRegister
    directory: UserDirectory

    @classmethod
    def build(
        cls,
        settings: Settings,
        client: Client,
        *,
        task_queue: str | None = None,
        register: DecisionRegister | None = None,
        directory: UserDirectory | None = None,
    ) -> ApiServices:
        """Services over ``client``; stores default to the configured database."""
        queue = task_queue or settings.task_queue
        register = register or DecisionRegister(settings.resolved_register_url)
        register.create_schema()
        directory = directory or UserDirectory(settings.resolved_register_url)
        directory.create_schema()
        return cls(
            settings=settings,
            requests=FundingRequests(client, queue, settings.forum_settings(), register=register),
            meetings=ForumMeetings(client, queue),
            register=register,
            directory=directory,
        )
