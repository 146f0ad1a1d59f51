"""Steps shared by the follow-through tests: an approval minuted as waiting on its money."""

from __future__ import annotations

from datetime import date, timedelta

from temporalio.testing import WorkflowEnvironment

from clients.requests import FundingRequests
from devtools.seeds import CENTRALLY_RETAINED, CHAIR, CLERK, OFFICER, TOTAL_PENCE
from domain.calendar import LONDON
from domain.forum import Contact, ForumContacts, ForumSettings
from domain.request.commands import ConfirmFunding, ConfirmMinutes, RecordMinute
from domain.request.decision import Minute
from tests.lifecycle.drive import approved_request, minute_for

CONDITION = "pending the DSG allocation"
FORUM_CHAIR = Contact(name="Forum Chair", email="chair@forum.example.org")
SETTINGS = ForumSettings(contacts=ForumContacts(chair=FORUM_CHAIR))
AUTHOR = OFFICER.model_copy(update={"email": "sean.hogg@council.example.org"})


async def london_today(env: WorkflowEnvironment) -> date:
    """Today in London on the server's clock (the time-skipping server's moves on)."""
    return (await env.get_current_time()).astimezone(LONDON).date()


def conditional_minute(funding_due: date) -> Minute:
    """The seed approval's minute, its money waiting on the DSG allocation."""
    return minute_for().model_copy(
        update={"funding_condition": CONDITION, "funding_due": funding_due}
    )


async def conditionally_approved(
    forum: FundingRequests, funding_due: date, *, confirm_minutes: bool = True
) -> str:
    """A request approved, minuted as waiting on its money until ``funding_due``, and (by
    default) its minutes confirmed."""
    reference = await approved_request(forum, settings=SETTINGS, author=AUTHOR)
    await forum.submit(reference, RecordMinute(minute=conditional_minute(funding_due)), CLERK)
    if confirm_minutes:
        await forum.submit(reference, ConfirmMinutes(), CHAIR)
    return reference


def confirmation(on: date, **changes: object) -> ConfirmFunding:
    """The officer's confirmation of the minute's option and amount, confirmed ``on``."""
    fields: dict[str, object] = {
        "confirmed_by": "Head of Schools Finance",
        "confirmed_on": on,
        "option_ids": (CENTRALLY_RETAINED.option_id,),
        "amount_pence": TOTAL_PENCE,
    }
    return ConfirmFunding.model_validate({**fields, **changes})


def days(count: int) -> timedelta:
    return timedelta(days=count)
