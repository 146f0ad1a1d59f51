"""The names a workflow, an activity, a signal or a query is known by on the Temporal server.

Workflows, activities and clients refer to each other by these names, not by importing
each other's code: a client starts a workflow it never imports, and a workflow runs an
activity whose dependencies (a database, a mail relay) it must never load. The names are
part of every saved history, so they never change once released.
"""

from __future__ import annotations

from typing import Final

# --- workflow types --------------------------------------------------------------------

FUNDING_REQUEST_WORKFLOW: Final = "FundingRequestWorkflow"
MEETING_WORKFLOW: Final = "MeetingWorkflow"
ANNUAL_REVIEW_WORKFLOW: Final = "AnnualReviewWorkflow"
DAILY_DIGEST_WORKFLOW: Final = "DailyDigestWorkflow"
SMOKE_WORKFLOW: Final = "SmokeWorkflow"

# --- queries ---------------------------------------------------------------------------

REQUEST_STATE_QUERY: Final = "state"
REQUEST_AUDIT_TRAIL_QUERY: Final = "audit_trail"
REQUEST_DEADLINES_QUERY: Final = "deadlines"
REQUEST_ALLOWED_ACTIONS_QUERY: Final = "allowed_actions"
REQUEST_OVERVIEW_QUERY: Final = "overview"
MEETING_STATE_QUERY: Final = "meeting_state"
MEETING_AGENDA_QUERY: Final = "agenda"

# --- updates ---------------------------------------------------------------------------
# Requests and meetings take one dynamic Update per transition, named after it.

SMOKE_RELEASE_UPDATE: Final = "release"

# --- signals ---------------------------------------------------------------------------

CARRY_IN_SIGNAL: Final = "carry_in"
"""Sent to the next meeting with the items and actions the previous one carried forward."""
FORWARD_PLAN_SIGNAL: Final = "forward_plan"
"""Sent to each open request when a meeting is scheduled, moved or cancelled: the forum's
meeting days as they now stand, against which its procurement plan is worked out."""

# --- activities ------------------------------------------------------------------------

RECORD_REGISTER_ENTRY_ACTIVITY: Final = "register_record"
LIST_RECURRENT_FUNDING_ACTIVITY: Final = "annual_review_list_recurrent"
CARRY_FORWARD_ACTIVITY: Final = "meeting_carry_forward"
PASS_ON_MOVE_ACTIVITY: Final = "meeting_pass_on_move"  # noqa: S105 -- "PASS" is no password
PASS_ON_LEAVE_ACTIVITY: Final = "meeting_pass_on_leave"  # noqa: S105 -- "PASS" is no password
ANNOUNCE_FORWARD_PLAN_ACTIVITY: Final = "meeting_announce_forward_plan"
SEND_MEETING_COMMAND_ACTIVITY: Final = "request_send_meeting_command"
DELIVER_NOTICE_ACTIVITY: Final = "notify_deliver"
SEND_DIGESTS_ACTIVITY: Final = "notify_send_digests"
SMOKE_GREET_ACTIVITY: Final = "smoke_greet"
