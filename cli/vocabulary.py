"""The forum's words as the CLI sends and reads them: its own, not the product's.

The CLI is an HTTP client, so it names roles, stages, groups, funding sources and
transitions by the strings the API takes and answers, and the API validates them.
The enums here exist so typer offers (and checks) the same choices the API's OpenAPI
document lists; tests/cli/test_vocabulary.py compares them, value for value, so they
cannot drift from it.
"""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
"""The forum's clock: times typed without an offset, and every time shown, are London's."""


class Role(StrEnum):
    """What a user may do; ``forum user add --role``."""

    officer = "officer"
    clerk = "clerk"
    chair = "chair"
    member = "member"


class MemberGroup(StrEnum):
    """The constituency a forum member represents; ``forum user add --group``."""

    maintained_primary = "maintained_primary"
    maintained_secondary = "maintained_secondary"
    maintained_special = "maintained_special"
    maintained_pru = "maintained_pru"
    academy = "academy"
    early_years = "early_years"
    non_school = "non_school"


class Stage(StrEnum):
    """Where a request is in its lifecycle; ``forum request list --stage``."""

    drafting = "drafting"
    option_listing = "option_listing"
    tabled = "tabled"
    voting = "voting"
    decided = "decided"
    minuted = "minuted"
    evaluation = "evaluation"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


class MeetingStage(StrEnum):
    """Where a meeting is; ``forum meeting list --stage``."""

    scheduled = "scheduled"
    in_session = "in_session"
    closed = "closed"
    cancelled = "cancelled"


class FundingSource(StrEnum):
    """Where an option's money comes from: the register's source codes."""

    dsg_schools_block_dedelegation = "dsg_schools_block_dedelegation"
    dsg_central_school_services = "dsg_central_school_services"
    dsg_high_needs = "dsg_high_needs"
    dsg_early_years = "dsg_early_years"
    centrally_retained = "centrally_retained"
    authority_budget = "authority_budget"
    other_grant = "other_grant"


SOURCE_LABELS: dict[str, str] = {
    FundingSource.dsg_schools_block_dedelegation: "DSG schools block, by de-delegation",
    FundingSource.dsg_central_school_services: "DSG central school services block",
    FundingSource.dsg_high_needs: "DSG high needs block",
    FundingSource.dsg_early_years: "DSG early years block",
    FundingSource.centrally_retained: "centrally retained budget",
    FundingSource.authority_budget: "the authority's own budget",
    FundingSource.other_grant: "another named grant",
}
"""Each source code as papers and minutes name it (the codes stay in --json)."""


class DecisionType(StrEnum):
    """Who may vote on an option; ``forum option add --decision-type``."""

    general = "general"
    formula = "formula"
    dedelegation = "dedelegation"


class VoteChoice(StrEnum):
    """A member's vote, or the chair's casting vote."""

    for_ = "for"
    against = "against"
    abstain = "abstain"


REQUEST_COMMANDS: dict[str, str] = {
    "edit_draft": "forum request edit",
    "submit_draft": "forum request submit",
    "add_option": "forum option add",
    "remove_option": "forum option remove",
    "set_recommendation": "forum recommend",
    "table": "forum table",
    "follow_meeting": "forum follow-meeting",
    "leave_agenda": "forum leave-agenda",
    "withdraw": "forum withdraw",
    "record_attendance": "forum attendance",
    "open_vote": "forum vote open",
    "amend_recommendation": "forum amend",
    "cast_vote": "forum vote cast",
    "close_vote": "forum vote close",
    "defer": "forum defer",
    "record_minute": "forum minute record",
    "confirm_minutes": "forum minutes confirm",
    "report_evaluation": "forum evaluation report",
    "confirm_funding": "forum funding confirm",
    "record_spending": "forum spending record",
    "extend": "forum extend",
    "close": "forum close",
}
"""Each request transition the API takes, and the command that takes it."""

MEETING_COMMANDS: dict[str, str] = {
    "add_item": "forum meeting add-item",
    "remove_item": "forum meeting remove-item",
    "move_meeting": "forum meeting move",
    "record_attendance": "forum meeting attendance",
    "open_meeting": "forum meeting open",
    "mark_item": "forum meeting mark-item",
    "add_action": "forum meeting add-action",
    "complete_action": "forum meeting complete-action",
    "confirm_previous_minutes": "forum meeting confirm-previous",
    "close_meeting": "forum meeting close",
    "cancel_meeting": "forum meeting cancel",
    "order_item": "forum meeting order-item",
    "publish_agenda": "forum meeting publish",
}
"""Each meeting transition the API takes, and the command that takes it."""
