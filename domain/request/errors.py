"""Every way the domain refuses a change to a funding request, one class per rule.

The base class and the refusals a meeting shares (RoleNotPermitted,
TransitionNotAllowedInStage, NotAMember, InquorateMeeting) are in ``domain.errors``.
Classes are grouped by the concern that raises them; catching a group's base class (for
example :class:`TablingRefused`) catches every reason a step of that kind can fail.
"""

from __future__ import annotations

from domain.errors import RuleViolation, TransitionNotAllowedInStage

# --- who may do what, and when -------------------------------------------------------


class NotTheRequestsAuthor(RuleViolation):
    """An officer acted on a request they neither wrote nor were named a co-author of.

    Any officer may read a request; only its author (the officer who created it) and
    the officers the author names as co-authors may change it, so a draft and its
    funding options are always someone's accountable work.
    """

    rule = "officer-not-author"


class AuthorIsTheCreator(RuleViolation):
    """A draft named an author other than the officer creating the request, or an edit
    tried to change the author: the author is who created it, never a field to set."""

    rule = "author-is-creator"


class CoAuthorsNamedByAuthor(RuleViolation):
    """A co-author tried to change who the co-authors are; only the author names them."""

    rule = "co-authors-named-by-author"


class PeriodClosed(TransitionNotAllowedInStage):
    """The funding period was extended: its workflow run has handed the request to the
    next period, so changes go to that one."""

    rule = "period-closed"


class AlreadyAtMeetingDate(RuleViolation):
    """The request is already tabled for the day the meeting moved to: the move reached it."""

    rule = "follow-meeting-already-there"


class TabledForAnotherDate(RuleViolation):
    """The moved meeting is not the one the request is tabled for."""

    rule = "follow-meeting-other-date"


class NotOnThatAgenda(RuleViolation):
    """A meeting said the request left its agenda, but the request is tabled for another
    meeting (or none): the message is stale or repeated, and changes nothing."""

    rule = "leave-agenda-other-meeting"


class MeetingNotScheduled(RuleViolation):
    """The command names a meeting that is not scheduled: never scheduled, or ended."""

    rule = "meeting-not-scheduled"


class TabledMeetingDisagrees(RuleViolation):
    """The command gives a meeting day that is not the named meeting's day."""

    rule = "meeting-day-disagrees"


class MeetingNotResolved(RuleViolation):
    """Tabling named a meeting whose day and membership were not read from it: only a
    client that reads the meeting first can table by meeting id."""

    rule = "table-meeting-unresolved"


# --- drafting ------------------------------------------------------------------------


class DraftIncomplete(RuleViolation):
    """The draft lacks something a submitted request must have (purpose, evaluation plan...)."""

    rule = "draft-incomplete"


class ReferenceCannotChange(RuleViolation):
    """An edit tried to change the request's reference, which identifies it everywhere."""

    rule = "reference-cannot-change"


# --- option listing ------------------------------------------------------------------


class UnknownOption(RuleViolation):
    """A command names a funding option that is not listed on the request."""

    rule = "unknown-option"


class DuplicateOption(RuleViolation):
    """A funding option with the same option_id is already listed."""

    rule = "duplicate-option"


# --- tabling -------------------------------------------------------------------------


class TablingRefused(RuleViolation):
    """The request is not ready to be put on a meeting's agenda."""

    rule = "tabling-refused"


class NoFundingOptions(TablingRefused):
    """No funding option is listed, so the forum would be asked for money from nowhere."""

    rule = "tabling-requires-funding-options"


class NoRecommendation(TablingRefused):
    """The request has no recommendation for the forum to agree."""

    rule = "tabling-requires-recommendation"


class RecommendationNamesNoOption(TablingRefused):
    """The recommendation names no funding option (seed 000, July 2018)."""

    rule = "tabling-requires-specific-option"


class RecommendationNamesUnknownOption(TablingRefused):
    """The recommendation names an option id that is not listed."""

    rule = "tabling-recommendation-names-unknown-option"


class OptionsDoNotCoverCost(TablingRefused):
    """The recommended option(s) leave part of the cost unfunded without saying so."""

    rule = "tabling-requires-options-to-cover-cost"


# --- the meeting ---------------------------------------------------------------------


class NoEligibleVoters(RuleViolation):
    """Nobody present may vote on this kind of decision."""

    rule = "no-eligible-voters"


# --- votes ---------------------------------------------------------------------------


class NotEligibleToVote(RuleViolation):
    """The member may not vote on this decision (their group is excluded from it)."""

    rule = "not-eligible-to-vote"


class MemberNotPresent(NotEligibleToVote):
    """The member was not recorded present at the meeting, so cannot vote."""

    rule = "member-not-present"


class VoteNotOwn(RuleViolation):
    """A member tried to cast a vote in another member's name."""

    rule = "vote-not-own"


class VoteWithoutMember(RuleViolation):
    """The clerk recorded a vote without naming the member whose vote it is."""

    rule = "vote-member-missing"


class DuplicateVote(RuleViolation):
    """The member has already voted: one vote per member."""

    rule = "one-vote-per-member"


class VoteOptionInvalid(RuleViolation):
    """A vote's option_id does not fit the recommendation (missing, needless or not offered)."""

    rule = "vote-option-invalid"


class AmendmentAfterVotesCast(RuleViolation):
    """The recommendation cannot be amended once members have voted on it."""

    rule = "amendment-before-votes"


# --- closing the vote ----------------------------------------------------------------


class NoVotesCast(RuleViolation):
    """The vote cannot be closed before anyone has voted (an abstention counts)."""

    rule = "vote-requires-votes"


class CastingVoteRefused(RuleViolation):
    """The chair's casting vote was missing, not allowed or not a decision."""

    rule = "casting-vote-refused"


class CastingVoteRequired(CastingVoteRefused):
    """The vote is tied, the chair has a casting vote, and did not give it."""

    rule = "casting-vote-required"


class CastingVoteNotAllowed(CastingVoteRefused):
    """The forum's settings give the chair no casting vote."""

    rule = "casting-vote-not-allowed"


class CastingVoteNotNeeded(CastingVoteRefused):
    """A casting vote was given although the vote (or option choice) is not tied."""

    rule = "casting-vote-not-needed"


class CastingVoteMustDecide(CastingVoteRefused):
    """A casting vote must be for or against (or name an option), never an abstention."""

    rule = "casting-vote-must-decide"


class OptionChoiceTied(RuleViolation):
    """The forum agreed to fund but is tied between options, so no source was chosen."""

    rule = "option-choice-tied"


# --- minuting ------------------------------------------------------------------------


class MinutingRefused(RuleViolation):
    """The minute does not record the decision as the rules require."""

    rule = "minuting-refused"


class NothingToMinute(MinutingRefused):
    """There is no approval to minute."""

    rule = "minute-requires-approval"


class MinuteWithoutFundingSource(MinutingRefused):
    """An approval minuted without the agreed funding option(s) (seed 000)."""

    rule = "minute-requires-funding-source"


class MinuteNamesUnlistedOption(MinutingRefused):
    """The minute names an option that was never listed on the request."""

    rule = "minute-names-unlisted-option"


class MinuteOptionsDifferFromDecision(MinutingRefused):
    """The minute's agreed options are not the ones the forum voted for."""

    rule = "minute-options-differ-from-decision"


class MinuteAmountMismatch(MinutingRefused):
    """The minute's amount is not the sum of the agreed options' amounts."""

    rule = "minute-amount-mismatch"


class MinutePeriodMissing(MinutingRefused):
    """The minute does not record the funding period."""

    rule = "minute-requires-period"


class MinutePeriodMismatch(MinutingRefused):
    """The minute's period is not the agreed options' period."""

    rule = "minute-period-mismatch"


class MinuteAmendmentsMismatch(MinutingRefused):
    """The minute does not record the amendments the meeting made."""

    rule = "minute-amendments-mismatch"


class MinutePhasesMismatch(MinutingRefused):
    """The minute gives a de-delegation's phase outcomes other than those the vote found."""

    rule = "minute-phases-mismatch"


class ActionDueBeforeMeeting(MinutingRefused):
    """An action is due at a meeting on or before the meeting that set it."""

    rule = "action-due-after-meeting"


class RecordedByMismatch(RuleViolation):
    """A record names someone other than the person recording it."""

    rule = "recorded-by-mismatch"


# --- evaluation and the next cycle ---------------------------------------------------


class EvaluationNotReported(RuleViolation):
    """The forum cannot extend or end funding before the evaluation is reported."""

    rule = "evaluation-required"


class NewPeriodOverlapsPrevious(RuleViolation):
    """An extension's new period must start after the previous period ends."""

    rule = "new-period-overlaps-previous"


# --- funding that an approval waits on ------------------------------------------------


class FundingDueBeforeMeeting(MinutingRefused):
    """A minute's funding condition gives a date to confirm the money by that is not after
    the meeting that decided: the deadline would pass before the approval is minuted."""

    rule = "funding-due-after-meeting"


class FundingNotConditional(RuleViolation):
    """Funding was confirmed on an approval whose minute waits on nothing: the money was
    available when it was agreed, so there is nothing to confirm."""

    rule = "funding-not-conditional"


class FundingAlreadyConfirmed(RuleViolation):
    """The funding of this approval was confirmed before: a confirmation is recorded once."""

    rule = "funding-already-confirmed"


class FundingOptionsDifferFromMinute(RuleViolation):
    """The confirmation names other funding options than the minute agreed (seed 000: the
    money must come from the source the forum agreed, not another)."""

    rule = "funding-options-differ-from-minute"


class FundingAmountDiffersFromMinute(RuleViolation):
    """The confirmation gives another amount than the minute agreed."""

    rule = "funding-amount-differs-from-minute"


class DateInTheFuture(RuleViolation):
    """A record of something that happened is dated after today (London): it has not
    happened yet."""

    rule = "date-not-in-future"


class SpendingAlreadyRecorded(RuleViolation):
    """The day spending started is recorded once per funding period."""

    rule = "spending-already-recorded"


# --- citations of earlier decisions ----------------------------------------------------


class CitationRefused(RuleViolation):
    """A paper cites an earlier decision that the decision register does not support."""

    rule = "citation-refused"


class CitedEntryNotFound(CitationRefused):
    """The cited register entry does not exist (or not for the request reference given)."""

    rule = "citation-entry-not-found"


class CitedEntryNotAnApproval(CitationRefused):
    """The cited entry is not an approval of funding (a rejection, a deferral, an
    evaluation...), so no money can be said to come from it."""

    rule = "citation-entry-not-an-approval"


class CitedMinutesUnconfirmed(CitationRefused):
    """The cited approval's minutes are not confirmed yet, so it is not final and cannot be
    relied on."""

    rule = "citation-minutes-unconfirmed"


class CitedSourceNotRecorded(CitationRefused):
    """The paper claims a funding source the cited entry does not record (seed 000: "approved
    from the DSG", which no minute supported)."""

    rule = "citation-source-not-recorded"


class CitedAmountNotRecorded(CitationRefused):
    """The paper claims an amount from the source that the cited entry does not record."""

    rule = "citation-amount-not-recorded"


# --- evaluation evidence ----------------------------------------------------------------


class PaymentByResultsUnmeasured(RuleViolation):
    """Payment by results is reported against a measure the report gives no outcome for."""

    rule = "payment-by-results-measure-reported"


class PaymentByResultsDiffersFromOutcome(RuleViolation):
    """The result a payment was made on differs from the outcome the report measured."""

    rule = "payment-by-results-matches-outcome"
