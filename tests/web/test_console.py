"""What the person running forumflow is told about signing in, and where a link goes
when the process has no way to send mail."""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs

from adapters.outbox import Outbox
from config.settings import Settings
from forumflow.serve_api import describe_sign_in
from storage.accounts import User
from storage.signin import IssuedLink, utc_now
from tests.web.conftest import OFFICER
from web.links import LinkDelivery
from web.services import link_mailer


def test_the_run_command_says_where_to_sign_in_and_where_links_go(tmp_path: Path) -> None:
    """The embedded default names the sign-in page, a user to try, the console and the
    outbox; a relay and a process with no mail route are named as such."""
    settings = Settings(api_port=18000)
    outbox = Outbox(tmp_path / "outbox")

    line = describe_sign_in(settings, outbox, printed=True)

    assert line.startswith("Sign in: open http://127.0.0.1:18000/sign-in and give")
    assert "officer@council.example.org" in line
    assert line.endswith(f"link is printed here and kept in the outbox {outbox.directory}")
    relay = Settings(smtp_host="mail.council.example.org", smtp_port=587)
    assert describe_sign_in(relay, None, printed=False).endswith(
        "link is emailed through the mail relay mail.council.example.org:587"
    )
    assert "written to the log" in describe_sign_in(Settings(), None, printed=False)
    assert "mail is switched off" in describe_sign_in(
        Settings(mail_enabled=False), None, printed=False
    )


def test_without_a_mail_route_the_link_is_logged() -> None:
    """A process with no relay and no outbox writes the link to its log, for the
    operator to pass on, and tries to send nothing."""
    assert link_mailer(Settings(), None) is None
    now = utc_now()
    user = User(**OFFICER.model_dump(), created_at=now)
    link = IssuedLink(user_id=user.user_id, token="t" * 43, issued_at=now, expires_at=now)

    with capture_logs() as logs:
        LinkDelivery(None, "https://forum.example.gov.uk").deliver(user, link)

    assert [(entry["user_id"], entry["url"]) for entry in logs] == [
        (user.user_id, "https://forum.example.gov.uk/sign-in/link/" + "t" * 43)
    ]
