"""What each of a request's transitions at a meeting does: tabling, following a moved
meeting, attendance, the vote and deferral.

Each step checks the rules that concern it, then returns the next state (without the
audit entry, which the lifecycle adds) and a plain-English summary of what changed.
"""

from __future__ import annotations

from datetime import datetime

from domain.attendance import check_on_membership, quorum_required
from domain.calendar import default_calendar, format_uk_date, papers_deadline
from domain.machine import Step
from domain.people import Actor
from domain.request import rules, voting
from domain.request.commands import (
    AmendRecommendation,
    CastVote,
    CloseVote,
    FollowMeeting,
    LeaveAgenda,
    RecordAttendance,
    TableRequest,
)
from domain.request.decision import Decision, Deferral, PhaseDecision, PhaseOutcome, Vote
from domain.request.draft import DecisionType
from domain.request.errors import (
    AlreadyAtMeetingDate,
    AmendmentAfterVotesCast,
    MeetingNotResolved,
    NotOnThatAgenda,
    NoVotesCast,
    TabledForAnotherDate,
)
from domain.request.models import RequestState, Stage
from domain.request.tally import tally, tally_by_phase
from domain.values import evolve, quote_ids


def table(state: RequestState, command: TableRequest, now: datetime) -> Step[RequestState]:
    """Put the request on the meeting's agenda, noting late papers (the chair's call)."""
    rules.check_tabling(state)
    meeting_date, membership = command.meeting_date, command.membership
    if meeting_date is None or membership is None:
        raise MeetingNotResolved(
            f"Cannot table {state.reference} for {command.meeting_id}: the meeting's day and "
            "membership were not read from it (meeting_id). Table it through forumflow's "
            "API, which reads them from the scheduled meeting.",
            field="meeting_id",
        )
    settings = state.settings
    note = rules.late_papers_note(meeting_date, now, settings.papers_clear_working_days)
    late = f" {note}" if note else ""
    quorum = quorum_required(
        membership.total, settings.quorum_numerator, settings.quorum_denominator
    )
    on_agenda = f" on the agenda of {command.meeting_id}" if command.meeting_id else ""
    return Step(
        evolve(
            state,
            stage=Stage.tabled,
            meeting_date=meeting_date,
            meeting_id=command.meeting_id,
            membership=membership,
            present_member_ids=(),
            votes=(),
            amendments=(),
        ),
        f"Tabled for the meeting on {format_uk_date(meeting_date)}{on_agenda} "
        f"({membership.total} members; quorum {quorum}).{late}",
        command.late_reason,
    )


def follow_meeting(
    state: RequestState, command: FollowMeeting, now: datetime
) -> Step[RequestState]:
    """Move the request with its meeting to the day the meeting moved to."""
    tabled_for, moved_to = state.meeting_date, command.meeting_date
    if tabled_for == moved_to:
        raise AlreadyAtMeetingDate(
            f"Cannot move {state.reference} with {command.meeting_id}: it is already tabled "
            f"for {format_uk_date(moved_to)} (meeting_date), so the move has reached it.",
            field="meeting_date",
        )
    if tabled_for is None or tabled_for != command.from_date:
        raise TabledForAnotherDate(
            f"Cannot move {state.reference} with {command.meeting_id}: the request is tabled "
            f"for {format_uk_date(tabled_for) if tabled_for else 'no meeting'}, not "
            f"{format_uk_date(command.from_date)} (from_date).",
            field="from_date",
        )
    days = state.settings.papers_clear_working_days
    note = rules.late_papers_note(moved_to, now, days)
    # Attendance is taken at the meeting; any recorded for the old day no longer holds.
    cleared = " Attendance taken for the old day was cleared." if state.present_member_ids else ""
    papers = (
        f"; papers now due by 5pm on {format_uk_date(papers_deadline(moved_to, days))}"
        if default_calendar().covers(moved_to)
        else ""
    )
    # A request on a meeting's agenda follows that meeting, or the one it is carried to.
    linked = state.meeting_id is not None or command.from_meeting_id is not None
    meeting_id = command.meeting_id if linked else state.meeting_id
    how = (
        f"Carried from {command.from_meeting_id} to {command.meeting_id}"
        if command.from_meeting_id
        else f"Moved with {command.meeting_id}"
    )
    return Step(
        evolve(state, meeting_date=moved_to, meeting_id=meeting_id, present_member_ids=()),
        f"{how} from {format_uk_date(tabled_for)} to "
        f"{format_uk_date(moved_to)}{papers}.{cleared}{f' {note}' if note else ''}",
        command.reason,
    )


def leave_agenda(state: RequestState, command: LeaveAgenda) -> Step[RequestState]:
    """Back to option listing: the meeting the request is tabled for no longer takes it."""
    if state.meeting_id != command.meeting_id:
        raise NotOnThatAgenda(
            f"Cannot take {state.reference} off the agenda of {command.meeting_id}: it is "
            f"tabled for {state.meeting_id or 'no named meeting'} (meeting_id).",
            field="meeting_id",
        )
    return Step(
        evolve(
            state,
            stage=Stage.option_listing,
            meeting_date=None,
            meeting_id=None,
            membership=None,
            present_member_ids=(),
        ),
        f"Taken off the agenda of {command.meeting_id}; back to option listing.",
        command.reason,
    )


def record_attendance(state: RequestState, command: RecordAttendance) -> Step[RequestState]:
    """Record who is present, saying whether that is quorate."""
    membership = voting.membership_of(state)
    check_on_membership(membership, command.present_member_ids, f"for {state.reference}")
    settings = state.settings
    quorum = quorum_required(
        membership.total, settings.quorum_numerator, settings.quorum_denominator
    )
    present = len(command.present_member_ids)
    verdict = "quorate" if present >= quorum else "not quorate"
    return Step(
        evolve(state, present_member_ids=command.present_member_ids),
        f"Recorded {present} of {membership.total} members present (quorum {quorum}): {verdict}.",
    )


def open_vote(state: RequestState) -> Step[RequestState]:
    """Open the vote at a quorate meeting where someone present may vote."""
    voting.check_quorum(state)
    voting.check_voters(state)
    decision_type = voting.vote_decision_type(state)
    membership = voting.membership_of(state)
    voters = voting.eligible_voters(decision_type, membership, state.present_member_ids)
    summary = f"Opened the vote: a {decision_type} decision with {len(voters)} eligible voters"
    if decision_type is DecisionType.dedelegation:
        counts = [
            f"{sum(1 for m in membership.members if m.group is group and m.member_id in voters)} "
            f"{group.label}"
            for group in voting.DEDELEGATION_GROUPS
        ]
        summary += f" ({' and '.join(counts)}), each phase deciding for its own schools"
    return Step(evolve(state, stage=Stage.voting), summary + ".")


def amend(state: RequestState, command: AmendRecommendation) -> Step[RequestState]:
    """Record an amendment, before anyone has voted."""
    # Members who already voted voted on the unamended text; amending now would
    # record their votes against words they never saw.
    if state.votes:
        raise AmendmentAfterVotesCast(
            f"Cannot amend the recommendation on {state.reference}: {len(state.votes)} "
            "member(s) have already voted on it (votes). Amendments are made before the "
            "vote; defer the request if the text must change now.",
            field="votes",
        )
    return Step(
        evolve(state, amendments=(*state.amendments, command.amendment)),
        f"Amended the recommendation: {command.amendment}.",
    )


def cast_vote(state: RequestState, command: CastVote, actor: Actor) -> Step[RequestState]:
    """Record the actor's own vote, or the clerk's record of a member's, if it counts."""
    member_id = command.member_id or actor.user_id
    vote = Vote(member_id=member_id, choice=command.choice, option_id=command.option_id)
    voting.check_vote(state, actor, vote)
    supporting = f" (option '{vote.option_id}')" if vote.option_id else ""
    if member_id == actor.user_id:
        summary = f"{actor.name} voted {vote.choice}{supporting}."
    else:
        member = voting.membership_of(state).get(member_id)
        name = member.name if member is not None else member_id
        summary = (
            f"{actor.name} recorded the vote of {name} ({member_id}) on their behalf: "
            f"{vote.choice}{supporting}."
        )
    return Step(evolve(state, votes=(*state.votes, vote)), summary)


def close_vote(
    state: RequestState, command: CloseVote, actor: Actor, now: datetime
) -> Step[RequestState]:
    """Count the votes (phase by phase for a de-delegation) and record the decision."""
    recommendation = state.recommendation
    meeting_date = state.meeting_date
    if recommendation is None or meeting_date is None:
        raise ValueError(f"{state.reference} is voting without a recommendation or meeting")
    if not state.votes:
        # Closing an empty vote would reject the request by a slip of the chair's hand.
        raise NoVotesCast(
            f"Cannot close the vote on {state.reference}: nobody has voted yet (votes). "
            "Record the votes (abstentions included) first, or defer the request.",
            field="votes",
        )
    decision_type = voting.vote_decision_type(state)
    membership = voting.membership_of(state)
    phases: tuple[PhaseDecision, ...] = ()
    if decision_type is DecisionType.dedelegation:
        outcome, counted, chosen, phases = tally_by_phase(
            state.votes,
            membership,
            state.present_member_ids,
            recommendation=recommendation,
            amended=bool(state.amendments),
            casting_given=command.chair_casting_choice is not None
            or command.chair_casting_option_id is not None,
        )
        count = "; ".join(phase.text for phase in phases)
    else:
        eligible = voting.eligible_voters(decision_type, membership, state.present_member_ids)
        outcome, counted, chosen = tally(
            state.votes,
            eligible,
            actor.user_id,
            state.settings.chair_has_casting_vote,
            command.chair_casting_choice,
            recommendation=recommendation,
            amended=bool(state.amendments),
            chair_casting_option_id=command.chair_casting_option_id,
        )
        count = counted.text
    reason = None if outcome.is_approval else f"The vote was lost: {count}."
    decision = Decision(
        outcome=outcome,
        decided_at=now,
        meeting_date=meeting_date,
        tally=counted,
        chosen_option_ids=chosen,
        amendments=state.amendments,
        reason=reason,
        phases=phases,
    )
    stage = Stage.decided if outcome.is_approval else Stage.rejected
    agreed = f", agreeing {quote_ids(chosen)}" if chosen else ""
    words = outcome.label
    if phases and outcome.is_approval:
        deciding = [p.group.phase for p in phases if p.outcome is PhaseOutcome.approved]
        words += f" for maintained {' and '.join(str(d) for d in deciding)} schools"
    return Step(
        evolve(state, stage=stage, decision=decision),
        f"Closed the vote: {words} ({count}){agreed}.",
        reason,
    )


def defer(state: RequestState, reason: str, now: datetime) -> Step[RequestState]:
    """Send the request back to option listing, keeping the deferral and its reason."""
    meeting_date = state.meeting_date
    if meeting_date is None:
        raise ValueError(f"{state.reference} is being deferred without a meeting")
    deferral = Deferral(reason=reason, meeting_date=meeting_date, at=now)
    return Step(
        evolve(
            state,
            stage=Stage.option_listing,
            meeting_date=None,
            membership=None,
            present_member_ids=(),
            votes=(),
            amendments=(),
            deferrals=(*state.deferrals, deferral),
        ),
        f"Deferred at the meeting on {format_uk_date(meeting_date)}; back to option listing.",
        reason,
    )
