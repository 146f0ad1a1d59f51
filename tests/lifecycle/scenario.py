"""Example people, forums and requests for the lifecycle tests, drawn from the seeds.

The Middlesbrough case (seed 000): four Early Help Practitioner posts at
GBP 22,401 each, GBP 89,604 in all, offered from centrally retained budgets or
the schools block, approved in July 2018 "full time and not term time only".
The product keeps them in ``devtools.seeds`` (the demo loads them too); this
module re-exports them under the names the tests use.
"""

from __future__ import annotations

from devtools.seeds import (
    CENTRALLY_RETAINED,
    CHAIR,
    CLERK,
    EVALUATION,
    JULY_2018_MEETING,
    MEMBERS,
    MEMBERSHIP,
    OFFICER,
    POST_COST_PENCE,
    POSTS_PERIOD,
    SCHOOLS_BLOCK,
    SEPTEMBER_2018_MEETING,
    TOTAL_PENCE,
    member_actor,
    members_of,
    middlesbrough_draft,
)

__all__ = [
    "CENTRALLY_RETAINED",
    "CHAIR",
    "CLERK",
    "EVALUATION",
    "JULY_2018_MEETING",
    "MEMBERS",
    "MEMBERSHIP",
    "OFFICER",
    "POSTS_PERIOD",
    "POST_COST_PENCE",
    "SCHOOLS_BLOCK",
    "SEPTEMBER_2018_MEETING",
    "TOTAL_PENCE",
    "member_actor",
    "members_of",
    "middlesbrough_draft",
]
