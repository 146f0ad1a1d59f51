"""Search attributes forumflow keeps current on each request, so requests can be
listed and filtered in the Temporal Web UI and by the product."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("ForumflowStage")
MEETING_DATE = SearchAttributeKey.for_datetime("ForumflowMeetingDate")
FUNDING_SOURCES = SearchAttributeKey.for_keyword_list("ForumflowFundingSources")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("ForumflowNextDeadline")

ALL: tuple[SearchAttributeKey[Any], ...] = (STAGE, MEETING_DATE, FUNDING_SOURCES, NEXT_DEADLINE)
