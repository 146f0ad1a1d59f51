"""Who is this person? Each way of signing in answers it, and a session starts on the
answer; the pages never care which way it was.

The email link is the one built: it proves that the person reads a user's mailbox.
Single sign-on is the seam left open: an OpenID Connect provider (councils run
Microsoft Entra ID) would be a second ``Identity`` whose ``identify`` takes the
authorization code its callback receives, checks the ID token and finds the user
its claims name. Its pages (a "Sign in with ..." button, the callback route) would
call ``identify`` and start the session exactly as the email link's pages do.
"""

from __future__ import annotations

import enum
from typing import Protocol

from storage.accounts import UnknownUser, User, UserDirectory
from storage.signin import LinkCheck, LinkState, SignInStore
from web.links import LinkDelivery


class Refusal(enum.Enum):
    """Why a proof of identity was not accepted."""

    used = "used"
    expired = "expired"
    unknown = "unknown"


class Identity(Protocol):
    """A way of signing in: turns what the person brought back into who they are."""

    @property
    def method(self) -> str:
        """Recorded on the session: how the person proved who they are."""
        ...

    def identify(self, proof: str) -> User | Refusal:
        """The user ``proof`` shows this is, or why it shows nobody. Proofs are single-use:
        a second call with the same proof is refused."""
        ...


_REFUSALS = {
    LinkState.used: Refusal.used,
    LinkState.expired: Refusal.expired,
    LinkState.unknown: Refusal.unknown,
}


class EmailLink:
    """Sign-in by a one-time link sent to the address a user has on record."""

    method = "email-link"

    def __init__(
        self, store: SignInStore, directory: UserDirectory, delivery: LinkDelivery
    ) -> None:
        self._store = store
        self._directory = directory
        self._delivery = delivery

    def send_links(self, address: str) -> int:
        """Send a link to each user with this address (none if nobody has it); how many.

        Runs after the person has had their answer, which is the same either way.
        """
        sent = 0
        for user_id in self._store.user_ids_for_email(address):
            try:
                user = self._directory.get(user_id)
            except UnknownUser:
                continue
            self._delivery.deliver(user, self._store.issue_link(user_id))
            sent += 1
        return sent

    def check(self, token: str) -> LinkCheck:
        """What a link is worth, without using it."""
        return self._store.check_link(token)

    def identify(self, proof: str) -> User | Refusal:
        """Use the link ``proof``; its user the first time, a refusal after that or once
        it has expired."""
        checked = self._store.use_link(proof)
        if checked.state is not LinkState.valid or checked.user_id is None:
            return _REFUSALS.get(checked.state, Refusal.unknown)
        try:
            return self._directory.get(checked.user_id)
        except UnknownUser:
            return Refusal.unknown
