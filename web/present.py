"""How the pages write values: UK dates, London times, pounds, stages and roles.

Every instant is shown on the London wall clock whatever the server's zone, dates the
UK way ("1 April 2019"), times as GOV.UK writes them ("5pm", "9:30am"), and money from
whole pence ("£89,604", "£12.50"). The stage and transition names are the domain's;
only their wording for people is here.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.calendar import format_uk_date, to_london
from domain.meeting.models import MeetingStage
from domain.people import Role
from domain.request.commands import Transition
from domain.request.models import Stage
from domain.values import format_pence

STAGE_LABELS: dict[Stage, str] = {
    Stage.drafting: "Drafting",
    Stage.option_listing: "Listing funding options",
    Stage.tabled: "Tabled",
    Stage.voting: "Voting",
    Stage.decided: "Decided",
    Stage.minuted: "Minuted",
    Stage.evaluation: "Evaluation",
    Stage.closed: "Closed",
    Stage.rejected: "Rejected",
    Stage.withdrawn: "Withdrawn",
}

# GOV.UK tag colours: grey while it is the officer's to work on, blue while it is the
# forum's, green once funded, and the final stages in their own colours.
_STAGE_TAGS: dict[Stage, str] = {
    Stage.drafting: "govuk-tag--grey",
    Stage.option_listing: "govuk-tag--grey",
    Stage.tabled: "govuk-tag--blue",
    Stage.voting: "govuk-tag--blue",
    Stage.decided: "govuk-tag--turquoise",
    Stage.minuted: "govuk-tag--green",
    Stage.evaluation: "govuk-tag--green",
    Stage.closed: "",
    Stage.rejected: "govuk-tag--red",
    Stage.withdrawn: "govuk-tag--orange",
}

MEETING_STAGE_LABELS: dict[MeetingStage, str] = {
    MeetingStage.scheduled: "Scheduled",
    MeetingStage.in_session: "In session",
    MeetingStage.closed: "Closed",
    MeetingStage.cancelled: "Cancelled",
}

_MEETING_STAGE_TAGS: dict[MeetingStage, str] = {
    MeetingStage.scheduled: "govuk-tag--blue",
    MeetingStage.in_session: "govuk-tag--green",
    MeetingStage.closed: "govuk-tag--grey",
    MeetingStage.cancelled: "govuk-tag--red",
}

TRANSITION_LABELS: dict[str, str] = {
    "create": "Drafted",
    Transition.edit_draft: "Edited the draft",
    Transition.submit_draft: "Submitted the draft",
    Transition.add_option: "Added a funding option",
    Transition.remove_option: "Removed a funding option",
    Transition.set_recommendation: "Wrote the recommendation",
    Transition.table: "Tabled",
    Transition.follow_meeting: "Followed the meeting to a new date",
    Transition.withdraw: "Withdrew the request",
    Transition.record_attendance: "Recorded attendance",
    Transition.open_vote: "Opened the vote",
    Transition.amend_recommendation: "Recorded an amendment",
    Transition.cast_vote: "Voted",
    Transition.close_vote: "Closed the vote",
    Transition.defer: "Deferred",
    Transition.record_minute: "Minuted the decision",
    Transition.confirm_minutes: "Confirmed the minutes",
    Transition.report_evaluation: "Reported the evaluation",
    Transition.extend: "Extended",
    Transition.close: "Closed",
}


def uk_date(day: date | None) -> str:
    """``day`` written the UK way, "1 April 2019"; empty for no day."""
    return format_uk_date(day) if day is not None else ""


def clock_time(moment: datetime) -> str:
    """The London wall-clock time of ``moment`` as GOV.UK writes it: "5pm", "9:30am"."""
    local = to_london(moment)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def due_by(moment: datetime) -> str:
    """A deadline as people read it: "5pm on 26 June 2018" (London time)."""
    return f"{clock_time(moment)} on {format_uk_date(to_london(moment).date())}"


def when(moment: datetime) -> str:
    """An instant in the audit trail: "4 July 2018 at 10:32am" (London time)."""
    return f"{format_uk_date(to_london(moment).date())} at {clock_time(moment)}"


def pounds(pence: int) -> str:
    """Whole pence as money: "£89,604", "£12.50"."""
    return format_pence(pence)


def pounds_field(pence: int | None) -> str:
    """Whole pence as a form shows them back to be changed: "22401", "22401.50"."""
    if pence is None:
        return ""
    whole, rest = divmod(pence, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}"


def sentence(words: str) -> str:
    """``words`` with a capital first letter, the rest as written ("DSG" stays "DSG")."""
    return words[:1].upper() + words[1:]


def stage_tag(stage: Stage) -> dict[str, str]:
    """The ``govukTag`` parameters showing ``stage``."""
    return {"text": STAGE_LABELS[stage], "classes": _STAGE_TAGS[stage]}


def meeting_stage_tag(stage: MeetingStage) -> dict[str, str]:
    """The ``govukTag`` parameters showing a meeting's ``stage``."""
    return {"text": MEETING_STAGE_LABELS[stage], "classes": _MEETING_STAGE_TAGS[stage]}


def month_and_year(day: date) -> str:
    """The month ``day`` falls in, as a calendar heads it: "July 2018"."""
    return format_uk_date(day).split(" ", 1)[1]


def transition_label(transition: str) -> str:
    """What an audit entry's transition did, as a heading."""
    return TRANSITION_LABELS.get(transition, transition.replace("_", " ").capitalize())


def role_label(role: Role | None) -> str:
    """An audit entry's role; forumflow itself acts in none."""
    return role.value if role is not None else "forumflow"


OFFICER_TITLE = "Your requests"
FORUM_TITLE = "Your forum business"
FORUM_ROLES = frozenset({Role.clerk, Role.chair, Role.member})


def home_title(roles: frozenset[Role]) -> str:
    """The home page's title (and its link's name) for someone holding ``roles``: an
    officer alone keeps "Your requests"; anyone with a part in the forum's meetings gets
    their sections."""
    return FORUM_TITLE if roles & FORUM_ROLES else OFFICER_TITLE
