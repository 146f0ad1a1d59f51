"""Getting a sign-in link to its person: by email, through the same SMTP mailer as every
notice (the council's relay, or the embedded outbox in the default set-up).

A process with no mail route (no relay and no outbox, or mail switched off) writes the
link to its log instead, for the operator to pass on. The run command also prints each
link on its console (``announce``), so someone trying forumflow can sign in at once.
"""

from __future__ import annotations

from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import structlog

from adapters.mailer import MailDeliveryError, SmtpMailer
from storage.accounts import User
from storage.signin import LINK_LIFETIME, IssuedLink

log = structlog.get_logger(__name__)

LONDON = ZoneInfo("Europe/London")
LINK_PATH = "/sign-in/link"
"""Where a link lands: the link page is LINK_PATH/<token>, and its form posts to LINK_PATH."""

Announce = Callable[[str], None]


def link_url(public_url: str, token: str) -> str:
    """The address of the link page for ``token``."""
    return f"{public_url}{LINK_PATH}/{token}"


def sign_in_message(user: User, url: str, link: IssuedLink, *, sender: str) -> EmailMessage:
    """The email that carries a sign-in link: plain text, addressed to the user."""
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    until = link.expires_at.astimezone(LONDON).strftime("%H:%M")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=user.name, addr_spec=user.email)
    message["Subject"] = "Your link to sign in to forumflow"
    message["Date"] = format_datetime(link.issued_at)
    message["Message-ID"] = make_msgid(domain="forumflow")
    # RFC 3834: tells auto-responders (out-of-office replies) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    body = (
        f"Open this link to sign in to forumflow as {user.name}:\n"
        f"\n"
        f"{url}\n"
        f"\n"
        f"The link works once, for {minutes} minutes (until {until} UK time).\n"
        f"\n"
        f"If you did not ask to sign in, you can ignore this email: nobody can sign\n"
        f"in with it but by opening the link.\n"
    )
    # Quoted-printable would break the link across lines in the raw message (an .eml
    # file in the outbox, say); plain ASCII lines need no encoding.
    message.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    return message


class LinkDelivery:
    """Sends each sign-in link to the person it is for.

    ``mailer``: None when this process has no mail route, and then the link is logged.
    ``announce``: also called with a line naming the person and the link (the console).
    """

    def __init__(
        self,
        mailer: SmtpMailer | None,
        public_url: str,
        *,
        announce: Announce | None = None,
    ) -> None:
        self._mailer = mailer
        self._public_url = public_url
        self._announce = announce

    def deliver(self, user: User, link: IssuedLink) -> None:
        """Send the link; a mail failure is logged, since nobody waits for the answer."""
        url = link_url(self._public_url, link.token)
        if self._announce is not None:
            self._announce(f"Sign-in link for {user.name} <{user.email}>: {url}")
        if self._mailer is None:
            log.info("sign-in link (no mail route, so not emailed)", user_id=user.user_id, url=url)
            return
        message = sign_in_message(user, url, link, sender=self._mailer.sender)
        try:
            self._mailer.send(message)
        except MailDeliveryError as error:
            log.warning(
                "sign-in link not sent",
                user_id=user.user_id,
                permanent=error.permanent,
                error=str(error),
            )
            return
        log.info("sign-in link sent", user_id=user.user_id)
