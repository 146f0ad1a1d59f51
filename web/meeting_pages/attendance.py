"""Attendance on the meeting day: the clerk ticks who is present, group by group, and the
page says whether that is quorate; the chair opens a quorate meeting.

Saving records the attendance on the meeting and on each request its agenda still has
to vote on, so the chair can open those votes; a de-delegation item shows, phase by
phase, who present may decide it before any vote is opened.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clients.records import TransitionRefused
from domain.meeting.commands import MeetingTransition, OpenMeeting, RecordMeetingAttendance
from domain.meeting.models import MeetingStage, MeetingState
from domain.people import Member, MemberGroup
from domain.request.commands import RecordAttendance
from domain.request.draft import DecisionType
from domain.request.models import RequestState, Stage
from domain.request.voting import vote_decision_type
from storage.accounts import User
from web.forms import FormErrors, chosen
from web.meeting_pages.common import (
    MEETINGS,
    allowed,
    item_progress,
    meeting_state,
    meeting_url,
    posted_to_meeting,
    send_to_meeting,
)
from web.meeting_pages.meeting_item import agenda_states, item_url
from web.meeting_pages.vote_view import PhasePresence, phase_presence
from web.pages import SIGN_IN, page, redirect
from web.present import uk_date
from web.request_pages.common import new_form_key, not_found, send
from web.sessions import Visitor, visitor

router = APIRouter(include_in_schema=False)

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_PARTS = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("quarter", "quarters"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
}
_DONE = {"saved": "Attendance saved.", "opened": "The meeting is open."}


def fraction_words(numerator: int, denominator: int) -> str:
    """A quorum's fraction as the regulations word it: "two fifths"; digits otherwise."""
    if denominator == 1 and numerator == 1:
        return "all"
    if denominator not in _PARTS or not 0 < numerator < min(denominator, len(_NUMBERS)):
        return f"{numerator}/{denominator}"
    one, many = _PARTS[denominator]
    return f"{_NUMBERS[numerator]} {one if numerator == 1 else many}"


def quorum_status(present: int, quorum: int) -> str:
    """E.g. "8 present: quorate", "5 present: not quorate (needs 3 more)"."""
    if present >= quorum:
        return f"{present} present: quorate"
    return f"{present} present: not quorate (needs {quorum - present} more)"


def group_field(group: MemberGroup) -> str:
    """The id of the group's first checkbox, which an error summary links to."""
    return f"present-{group.value.replace('_', '-')}"


@dataclass(frozen=True)
class DedelegationItem:
    """A de-delegation on the agenda, and who present may decide it, phase by phase."""

    reference: str
    title: str
    phases: tuple[PhasePresence, ...]


def dedelegation_items(
    meeting: MeetingState, states: Sequence[RequestState]
) -> list[DedelegationItem]:
    """The agenda's de-delegations still to be voted on, with each phase's present members."""
    present = set(meeting.present_member_ids)
    found = []
    for state in states:
        if state.stage not in (Stage.tabled, Stage.voting):
            continue
        if vote_decision_type(state) is not DecisionType.dedelegation:
            continue
        phases = phase_presence(meeting.membership, present)
        found.append(DedelegationItem(state.reference, state.draft.title, phases))
    return found


def membership_groups(meeting: MeetingState) -> list[tuple[MemberGroup, list[Member]]]:
    """The membership by group, in the constitution's order, leaving out empty groups."""
    return [
        (group, members)
        for group in MemberGroup
        if (members := [m for m in meeting.membership.members if m.group is group])
    ]


async def show_attendance(
    request: Request,
    who: Visitor,
    meeting: MeetingState,
    *,
    ticked: Collection[str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The attendance page: the checklist for the clerk, the quorum, the de-delegations'
    phases and, for the chair, opening the meeting."""
    user = who.user
    assert user is not None
    may = allowed(meeting, user)
    states = await agenda_states(request, meeting)
    settings = meeting.settings
    quorum = meeting.quorum_required
    present_ids = set(meeting.present_member_ids) & meeting.membership.ids
    titles = {state.reference: state.draft.title for state in states}
    by_reference = {state.reference: state for state in states}
    return page(
        request,
        who,
        "meeting_day_attendance.html",
        f"Attendance at the meeting on {_day(meeting)}",
        status_code=status_code,
        error=bool(errors),
        errors=errors or FormErrors(),
        meeting=meeting,
        meeting_url=meeting_url(meeting.meeting_id),
        day=_day(meeting),
        groups=membership_groups(meeting),
        group_field=group_field,
        ticked=set(meeting.present_member_ids if ticked is None else ticked),
        present=sorted(present_ids),
        quorum=quorum,
        total=meeting.membership.total,
        fraction=fraction_words(settings.quorum_numerator, settings.quorum_denominator),
        status=quorum_status(len(present_ids), quorum),
        quorate=len(present_ids) >= quorum,
        may_record=MeetingTransition.record_attendance in may,
        may_open=MeetingTransition.open_meeting in may,
        in_session=meeting.stage is MeetingStage.in_session,
        dedelegations=dedelegation_items(meeting, states),
        agenda=[
            (
                item,
                titles.get(item.request_ref, item.title),
                item_progress(item, by_reference.get(item.request_ref)),
            )
            for item in meeting.agenda
        ],
        item_url=lambda ref, part: item_url(meeting.meeting_id, ref, part),
        form_key=new_form_key(),
        done=_DONE.get(request.query_params.get("done", "")) if not errors else None,
    )


def _day(meeting: MeetingState) -> str:
    return uk_date(meeting.meeting_day)


STATUS_FIELD = "attendance-status"
"""The sentence saying how many are present, which a refusal to open links to."""


def refusal_errors(refusal: TransitionRefused, field_id: str) -> FormErrors:
    """A workflow's refusal in the error summary, linking to ``field_id``."""
    errors = FormErrors()
    errors.add(field_id, refusal.message)
    return errors


@router.get(f"{MEETINGS}/{{meeting_id}}/attendance")
async def attendance(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """Who is present; the clerk's checklist while the meeting can still record it."""
    if who.user is None:
        return redirect(SIGN_IN)
    meeting = await meeting_state(request, meeting_id)
    if meeting is None:
        return not_found(request, who)
    return await show_attendance(request, who, meeting)


@router.post(f"{MEETINGS}/{{meeting_id}}/attendance")
async def record_attendance(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """Record who is present on the meeting, and on each request it has still to vote on."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.record_attendance)
    if isinstance(sent, Response):
        return sent
    form, user, meeting = sent
    on_membership = meeting.membership.ids
    ticked = tuple(dict.fromkeys(i for i in chosen(form, "present") if i in on_membership))
    refusal = await send_to_meeting(
        request, user, meeting_id, RecordMeetingAttendance(present_member_ids=ticked), form
    )
    if refusal is None:
        refusal = await _record_on_requests(request, user, meeting, ticked, form)
    if refusal is None:
        return redirect(f"{meeting_url(meeting_id, 'attendance')}?done=saved")
    groups = membership_groups(meeting)
    errors = refusal_errors(refusal, group_field(groups[0][0]) if groups else STATUS_FIELD)
    return await show_attendance(
        request, who, meeting, ticked=ticked, errors=errors, status_code=409
    )


async def _record_on_requests(
    request: Request,
    user: User,
    meeting: MeetingState,
    ticked: tuple[str, ...],
    form: Mapping[str, Any],
) -> TransitionRefused | None:
    """The same attendance on every request the meeting has still to vote on: a request
    opens its vote on its own record of who is present."""
    for state in await agenda_states(request, meeting):
        item = meeting.item(state.reference)
        if state.stage is not Stage.tabled or item is None or item.status != "pending":
            continue
        refusal = await send(
            request, user, state.reference, RecordAttendance(present_member_ids=ticked), form
        )
        if refusal is not None:
            return refusal
    return None


@router.post(f"{MEETINGS}/{{meeting_id}}/open")
async def open_meeting(
    request: Request, meeting_id: str, who: Visitor = Depends(visitor)
) -> Response:
    """The chair opens the meeting; an inquorate one is refused, with the numbers."""
    sent = await posted_to_meeting(request, who, meeting_id, MeetingTransition.open_meeting)
    if isinstance(sent, Response):
        return sent
    form, user, meeting = sent
    refusal = await send_to_meeting(request, user, meeting_id, OpenMeeting(), form)
    if refusal is None:
        return redirect(f"{meeting_url(meeting_id, 'attendance')}?done=opened")
    errors = refusal_errors(refusal, STATUS_FIELD)
    return await show_attendance(request, who, meeting, errors=errors, status_code=409)
