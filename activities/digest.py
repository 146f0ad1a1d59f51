"""The activity that sends each day's digests: one email per person who chose the daily
digest, listing the notices queued for them, exactly once per person and London day."""

from __future__ import annotations

from temporalio import activity

from activities.notify import NotificationActivities
from contracts import names
from contracts.digest import DigestReport, DigestRun, DigestSent
from domain.notices import Notice, NoticeKind, Recipient, format_uk_day
from domain.people import Role
from storage.accounts import UnknownUser, User, UserDirectory
from storage.digests import DigestQueue, QueuedNotice, digest_key

_SIGN_OFF = "This message was sent automatically by forumflow for the Schools Forum."


def digest_notice(user: User, run: DigestRun, key: str, items: list[QueuedNotice]) -> Notice:
    """The email listing ``items`` for ``user``: each notice's subject, then its text."""
    day = format_uk_day(run.day)
    count = f"{len(items)} notice{'s' if len(items) != 1 else ''}"
    parts = [f"Dear {user.name},", "", f"Your forumflow notices for {day} ({count}):"]
    for number, item in enumerate(items, start=1):
        parts += ["", f"{number}. {item.subject}", "", item.body.rstrip()]
    parts += ["", "You get one email a day because you chose the daily digest.", _SIGN_OFF]
    role = Role.officer if Role.officer in user.roles else min(user.roles)
    return Notice(
        idempotency_key=key,
        kind=NoticeKind.digest,
        subject=f"Your forumflow notices for {day} ({count})",
        body="\n".join(parts),
        recipients=(Recipient(name=user.name, email=user.email, role=role),),
    )


class DigestActivities:
    """Sends the day's digests through the notice delivery log, so each person's digest
    for a day (``digest/<user id>/<day>``) is emailed once, however often it is retried."""

    def __init__(
        self, notifications: NotificationActivities, digests: DigestQueue, directory: UserDirectory
    ) -> None:
        self._notifications = notifications
        self._digests = digests
        self._directory = directory

    @activity.defn(name=names.SEND_DIGESTS_ACTIVITY)
    def send_digests(self, run: DigestRun) -> DigestReport:
        """Email each person with queued notices their digest for ``run.day``; a retry
        sends only the digests not sent yet, with the same notices."""
        sent: list[DigestSent] = []
        for user_id in self._digests.users_for_day(run.day, run.up_to):
            key = digest_key(user_id, run.day)
            # Once the day's email has gone, later notices wait for tomorrow's.
            still_open = not self._notifications.was_delivered(key)
            items = self._digests.gather(user_id, key, up_to=run.up_to, open_for_more=still_open)
            if not items:
                continue
            try:
                user = self._directory.get(user_id)
            except UnknownUser:
                activity.logger.warning("digest for an unknown user", extra={"user_id": user_id})
                continue
            receipt = self._notifications.deliver_now(digest_notice(user, run, key, items))
            sent.append(
                DigestSent(user_id=user_id, key=key, notices=len(items), outcome=receipt.outcome)
            )
        activity.logger.info(
            "daily digests sent",
            extra={"day": run.day.isoformat(), "digests": [d.key for d in sent]},
        )
        return DigestReport(day=run.day, digests=tuple(sent))
