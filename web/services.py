"""What the web pages work with, built once per process and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.mailer import SmtpMailer, mailer_from_settings
from adapters.outbox import Outbox
from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from config.settings import Settings
from storage.accounts import UserDirectory
from storage.signin import Clock, SignInStore, utc_now
from web.identity import EmailLink
from web.links import Announce, LinkDelivery


def link_mailer(settings: Settings, outbox: Outbox | None) -> SmtpMailer | None:
    """The mailer for sign-in links: the relay, else the outbox; None with neither (or
    with mail switched off), and then links go to the log."""
    if settings.smtp_host is None and outbox is None:
        return None
    return mailer_from_settings(settings, outbox)


@dataclass(frozen=True)
class WebServices:
    """The stores, the sign-in method and the Temporal clients behind the pages.

    ``requests`` and ``meetings`` are the very clients the API uses, so a page and a
    JSON route reach a workflow the same way and meet the same refusals.
    """

    settings: Settings
    directory: UserDirectory
    requests: FundingRequests
    meetings: ForumMeetings
    sign_in: SignInStore
    email_link: EmailLink

    @classmethod
    def build(
        cls,
        settings: Settings,
        directory: UserDirectory,
        requests: FundingRequests,
        meetings: ForumMeetings,
        *,
        outbox: Outbox | None = None,
        announce: Announce | None = None,
        clock: Clock = utc_now,
    ) -> WebServices:
        """Services over the users in ``directory``, the database the settings name and
        the workflows ``requests`` and ``meetings`` drive.

        ``outbox``: the running embedded outbox, when links go there. ``announce``: also
        given each link (the run command prints it). ``clock``: what expiry is judged by.
        """
        store = SignInStore(
            settings.resolved_register_url,
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            clock=clock,
        )
        delivery = LinkDelivery(
            link_mailer(settings, outbox), settings.resolved_public_url, announce=announce
        )
        return cls(
            settings=settings,
            directory=directory,
            requests=requests,
            meetings=meetings,
            sign_in=store,
            email_link=EmailLink(store, directory, delivery),
        )

    def close(self) -> None:
        """Release the sign-in store's connections (the directory is the caller's)."""
        self.sign_in.close()
