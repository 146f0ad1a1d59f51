"""``python -m forumflow demo`` (``scripts/demo``): the two seed cases, over the HTTP API.

A throwaway Temporal dev server starts in a temporary directory, with a worker and
the API in this process; nothing touches ``.data`` or a configured database. The
first run's chair, clerk and officer are added as ``python -m forumflow run`` adds
them, plus Sean Hogg (the Middlesbrough officer) and a forum of 20 members, each
with a token kept in memory (never printed). Then, with httpx against the app:

* seed 000, Middlesbrough, July 2018: tabling is refused while the recommendation
  names no funding option, and minuting is refused without one; the request ends
  approved, minuted with its source, and the minutes confirmed;
* seed 003, Staffordshire, 2019: the procurement plan says when the forum must decide
  (the October DSG decision would be too late); a member cannot table, an inquorate
  meeting cannot vote; the request ends approved, minuted and confirmed.

It prints a timeline in UK dates (the seed papers' dates; the audit trail itself is
stamped with the real time), every refusal with its status and rule, and the decision
register at the end. One chair, clerk and membership serve both forums here.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
from pydantic import BaseModel

from api.app import create_app
from api.services import ApiServices
from clients.connection import connect
from config.settings import Settings
from contracts.register import EntryKind, RegisterEntry
from devtools import seeds as ex
from devtools.devserver import DevServer
from devtools.toolchain import ToolchainError, ensure_temporal_cli
from domain.calendar import (
    default_calendar,
    format_uk_date,
    papers_deadline,
    plan_procurement_decision,
    to_london,
)
from domain.commands import (
    AddOption,
    AmendRecommendation,
    CastVote,
    CloseVote,
    Command,
    ConfirmMinutes,
    OpenVote,
    RecordAttendance,
    RecordMinute,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.lifecycle import transition_of
from domain.models import (
    ForumSettings,
    FundingSource,
    Member,
    Minute,
    Recommendation,
    RequestDraft,
    Role,
    VoteChoice,
    format_pence,
)
from forumflow.serve_api import seed_first_users
from storage.accounts import NewUser, User, UserDirectory
from storage.register import DecisionRegister
from worker.app import WorkerDependencies, build_worker

WHEN_WIDTH = 20
WRAP = 100


class DemoError(RuntimeError):
    """The API answered a step in a way the walk-through did not expect."""


@dataclass(frozen=True)
class Refusal:
    """An action a rule refused: who tried what, and the API's answer."""

    reference: str
    user_id: str
    action: str
    status: int
    rule: str | None
    message: str


@dataclass
class DemoReport:
    """What the walk-through ended with."""

    stages: dict[str, str] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    register: list[RegisterEntry] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrap(text: str, first: str, rest: str) -> list[str]:
    # Rule codes are hyphenated: keep them whole, so they read (and grep) as one word.
    return textwrap.wrap(
        text, WRAP, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _uk_deadline(due: str) -> str:
    moment = to_london(datetime.fromisoformat(due))
    return (
        f"5pm, {format_uk_date(moment.date())}"
        if moment.hour == 17
        else format_uk_date(moment.date())
    )


class Forum:
    """People acting on requests through the API, printing the timeline as they go."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        users: Mapping[str, User],
        tokens: Mapping[str, str],
        out: TextIO,
        report: DemoReport,
    ) -> None:
        self.http = http
        self.users = users
        self.tokens = tokens
        self.out = out
        self.report = report

    def entry(self, when: str, headline: str, detail: str = "") -> None:
        """One timeline entry: the date, what happened, and the detail wrapped beneath."""
        lead = f"  {when:<{WHEN_WIDTH}} "
        indent = " " * len(lead)
        # The headline stays on one line, so each step reads (and greps) whole.
        lines = [lead + headline, *_wrap(detail, indent, indent)]
        print("\n".join(lines), file=self.out)

    def bullet(self, text: str) -> None:
        """A line of a summary section."""
        print("\n".join(_wrap(text, "  - ", "    ")), file=self.out)

    def _who(self, user_id: str) -> str:
        return f"{self.users[user_id].name} ({user_id})"

    def _auth(self, user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}

    async def get(self, user_id: str, path: str) -> Any:
        """GET ``path`` as ``user_id``; the JSON body."""
        response = await self.http.get(path, headers=self._auth(user_id))
        if response.status_code != 200:
            raise DemoError(f"GET {path}: {response.status_code} {response.text}")
        return response.json()

    async def create(
        self,
        when: str,
        user_id: str,
        draft: RequestDraft,
        scheduled_meetings: Sequence[date] = (),
    ) -> None:
        """The officer starts a request with its draft."""
        body = {
            "draft": _body(draft),
            "scheduled_meetings": [day.isoformat() for day in scheduled_meetings],
        }
        response = await self.http.post("/requests", json=body, headers=self._auth(user_id))
        if response.status_code != 201:
            raise DemoError(f"POST /requests: {response.status_code} {response.text}")
        cost = " + ".join(
            f"{line.quantity} x {format_pence(line.unit_cost_pence)}" for line in draft.cost_lines
        )
        self.entry(
            when,
            f"{self._who(user_id)} drafts {draft.reference} [-> {response.json()['stage']}]",
            f"{draft.title}: {cost} = {format_pence(draft.total_pence)}, {draft.period.label}.",
        )

    async def _post(self, user_id: str, reference: str, command: Command) -> httpx.Response:
        action = transition_of(command).value
        return await self.http.post(
            f"/requests/{reference}/actions/{action}",
            json=_body(command),
            headers=self._auth(user_id),
        )

    async def act(
        self, when: str, user_id: str, reference: str, command: Command, *, quiet: bool = False
    ) -> dict[str, Any]:
        """An action the rules accept; prints who did it and the audit trail's summary."""
        response = await self._post(user_id, reference, command)
        action = transition_of(command).value
        if response.status_code != 200:
            raise DemoError(f"{action} on {reference}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        if not quiet:
            entry = result["audit_entry"]
            moved = (
                f" [{entry['from_stage']} -> {entry['to_stage']}]"
                if entry["from_stage"] != entry["to_stage"]
                else ""
            )
            self.entry(when, f"{self._who(user_id)}: {action}{moved}", entry["summary"])
        return result

    async def refused(
        self, when: str, user_id: str, reference: str, command: Command, status: int
    ) -> Refusal:
        """An action a rule refuses with ``status``; prints the rule and its message."""
        response = await self._post(user_id, reference, command)
        action = transition_of(command).value
        if response.status_code != status:
            raise DemoError(
                f"{action} on {reference}: expected {status}, got "
                f"{response.status_code} {response.text}"
            )
        problem = response.json()
        refusal = Refusal(
            reference=reference,
            user_id=user_id,
            action=action,
            status=response.status_code,
            rule=problem.get("rule"),
            message=problem["message"],
        )
        self.report.refusals.append(refusal)
        self.entry(
            when,
            f"{self._who(user_id)}: {action} REFUSED, {refusal.status} {refusal.rule}",
            refusal.message,
        )
        return refusal

    async def votes(
        self, when: str, reference: str, choices: Iterable[tuple[Member, VoteChoice]]
    ) -> None:
        """Each member casts a vote; one line sums them up."""
        counts: dict[VoteChoice, int] = {}
        for member, choice in choices:
            await self.act(when, member.member_id, reference, CastVote(choice=choice), quiet=True)
            counts[choice] = counts.get(choice, 0) + 1
        tally = ", ".join(f"{n} {choice.value}" for choice, n in counts.items())
        self.entry(when, f"{sum(counts.values())} members: cast_vote ({tally})")

    async def warning(self, user_id: str, reference: str) -> str | None:
        """The engine's warning about the request's deadlines, if it has one."""
        found = await self.get(user_id, f"/requests/{reference}/deadlines")
        warning = found.get("warning")
        return str(warning) if warning else None

    async def deadlines(self, user_id: str, reference: str) -> list[str]:
        """The request's deadlines as the engine computed them, one line each."""
        found = await self.get(user_id, f"/requests/{reference}/deadlines")
        return [
            f"{deadline['label']}: by {_uk_deadline(deadline['due'])}"
            for deadline in found["deadlines"]
        ]


def _by_role(users: Iterable[User], role: Role) -> User:
    return next(user for user in users if role in user.roles)


async def middlesbrough(forum: Forum, officer: str, chair: str, clerk: str) -> str:
    """Seed 000: the July 2018 request that offered two sources and chose neither."""
    ref = "SMF-2018-EHP"
    meeting = ex.JULY_2018_MEETING
    before = (
        f"by {format_uk_date(papers_deadline(meeting, ForumSettings().papers_clear_working_days))}"
    )
    at_meeting = format_uk_date(meeting)
    minutes_due = default_calendar().add_working_days(
        meeting, ForumSettings().minutes_draft_working_days
    )
    after = f"by {format_uk_date(minutes_due)}"
    options = (ex.CENTRALLY_RETAINED, ex.SCHOOLS_BLOCK)
    print(f"\n== {ref}: Middlesbrough Schools Management Forum (seed 000) ==", file=forum.out)
    await forum.create(before, officer, ex.middlesbrough_draft(ref, author_id=officer))
    await forum.act(before, officer, ref, SubmitDraft())
    for option in options:
        await forum.act(before, officer, ref, AddOption(option=option))
    as_written = Recommendation(text=ex.MIDDLESBROUGH_RECOMMENDATION)
    await forum.act(before, officer, ref, SetRecommendation(recommendation=as_written))
    table = TableRequest(meeting_date=meeting, membership=ex.MEMBERSHIP)
    await forum.refused(before, chair, ref, table, 409)
    naming = Recommendation(
        text=ex.MIDDLESBROUGH_RECOMMENDATION + " Funded from the centrally retained budget.",
        option_ids=(ex.CENTRALLY_RETAINED.option_id,),
    )
    await forum.act(before, officer, ref, SetRecommendation(recommendation=naming))
    await forum.act(before, chair, ref, table)
    everyone = tuple(member.member_id for member in ex.MEMBERS)
    await forum.act(at_meeting, clerk, ref, RecordAttendance(present_member_ids=everyone))
    await forum.act(at_meeting, chair, ref, OpenVote())
    amendment = AmendRecommendation(amendment=ex.MIDDLESBROUGH_AMENDMENT)
    await forum.act(at_meeting, clerk, ref, amendment)
    await forum.votes(at_meeting, ref, ((member, VoteChoice.for_) for member in ex.MEMBERS))
    await forum.act(at_meeting, chair, ref, CloseVote())
    sourceless = Minute(
        agreed_option_ids=(),
        amount_pence=ex.TOTAL_PENCE,
        period=ex.POSTS_PERIOD,
        text=ex.MIDDLESBROUGH_MINUTE,
        recorded_by=clerk,
    )
    await forum.refused(after, clerk, ref, RecordMinute(minute=sourceless), 409)
    minute = sourceless.model_copy(
        update={
            "agreed_option_ids": (ex.CENTRALLY_RETAINED.option_id,),
            "text": ex.MIDDLESBROUGH_MINUTE + " Funded from the centrally retained budget.",
        }
    )
    await forum.act(after, clerk, ref, RecordMinute(minute=minute))
    confirmed = await forum.act(
        format_uk_date(ex.SEPTEMBER_2018_MEETING), chair, ref, ConfirmMinutes()
    )
    return str(confirmed["stage"])


async def staffordshire(forum: Forum, officer: str, chair: str, clerk: str, member: str) -> str:
    """Seed 003: recurrent family support whose procurement must be decided early."""
    ref = "SSF-2019-EHFS"
    planned = format_uk_date(ex.STAFFORDSHIRE_PLANNED_ON)
    print(f"\n== {ref}: Staffordshire Schools Forum (seed 003) ==", file=forum.out)
    print("  (the minute gives no money figure: the amount here is illustrative)", file=forum.out)
    draft = ex.staffordshire_draft(ref, author_id=officer)
    await forum.create(planned, officer, draft, ex.STAFFORDSHIRE_MEETINGS)
    plan = plan_procurement_decision(
        ex.STAFFORDSHIRE_SERVICE_START, ex.STAFFORDSHIRE_MEETINGS, today=ex.STAFFORDSHIRE_PLANNED_ON
    )
    if plan.last_meeting is None or plan.papers_deadline is None:
        raise DemoError(f"no meeting can take the procurement decision: {plan.warning}")
    warning = await forum.warning(officer, ref)
    if warning is None:
        raise DemoError("the engine gave no warning about the annual DSG decision")
    forum.entry(planned, "the engine's warning", warning)
    for line in await forum.deadlines(officer, ref):
        forum.entry(planned, "deadline", line)
    before = f"by {format_uk_date(plan.papers_deadline)}"
    await forum.act(before, officer, ref, SubmitDraft())
    for option in (ex.STAFFORDSHIRE_CENTRAL_BLOCK, ex.STAFFORDSHIRE_AUTHORITY):
        await forum.act(before, officer, ref, AddOption(option=option))
    recommendation = Recommendation(
        text=ex.STAFFORDSHIRE_RECOMMENDATION,
        option_ids=(ex.STAFFORDSHIRE_CENTRAL_BLOCK.option_id,),
    )
    await forum.act(before, officer, ref, SetRecommendation(recommendation=recommendation))
    meeting = plan.last_meeting
    table = TableRequest(meeting_date=meeting, membership=ex.MEMBERSHIP)
    await forum.refused(before, member, ref, table, 403)
    await forum.act(before, chair, ref, table)
    at_meeting = format_uk_date(meeting)
    few = tuple(m.member_id for m in ex.MEMBERS[:5])
    await forum.act(at_meeting, clerk, ref, RecordAttendance(present_member_ids=few))
    await forum.refused(at_meeting, chair, ref, OpenVote(), 409)
    present = ex.MEMBERS[:16]
    attendance = RecordAttendance(present_member_ids=tuple(m.member_id for m in present))
    await forum.act(at_meeting, clerk, ref, attendance)
    await forum.act(at_meeting, chair, ref, OpenVote())
    choices = [(m, VoteChoice.for_) for m in present[:-1]] + [(present[-1], VoteChoice.abstain)]
    await forum.votes(at_meeting, ref, choices)
    await forum.act(at_meeting, chair, ref, CloseVote())
    minutes_due = default_calendar().add_working_days(
        meeting, ForumSettings().minutes_draft_working_days
    )
    minute = Minute(
        agreed_option_ids=(ex.STAFFORDSHIRE_CENTRAL_BLOCK.option_id,),
        amount_pence=ex.STAFFORDSHIRE_TOTAL_PENCE,
        period=ex.STAFFORDSHIRE_PERIOD,
        text=ex.STAFFORDSHIRE_MINUTE,
        recorded_by=clerk,
    )
    await forum.act(f"by {format_uk_date(minutes_due)}", clerk, ref, RecordMinute(minute=minute))
    confirmed = await forum.act(
        format_uk_date(ex.STAFFORDSHIRE_CONFIRMING_MEETING), chair, ref, ConfirmMinutes()
    )
    return str(confirmed["stage"])


def print_register(
    out: TextIO, register: DecisionRegister, references: Sequence[str]
) -> list[RegisterEntry]:
    """The register's decisions, with where each pound comes from."""
    decisions = [
        entry
        for entry in register.search(kind=EntryKind.DECISION)
        if entry.request_ref in references
    ]
    print("\n== The decision register ==", file=out)
    print(
        f"  {'request':<15} {'meeting':<15} {'outcome':<20} {'source':<36} {'amount':>12}  minutes",
        file=out,
    )
    for entry in decisions:
        confirmed = register.funding_decision_for(entry.request_ref, confirmed_only=True)
        status = "confirmed" if confirmed == entry else "not confirmed"
        meeting = format_uk_date(entry.meeting_date) if entry.meeting_date else "-"
        for option in entry.agreed_options or ():
            source = FundingSource(option.source).label
            print(
                f"  {entry.request_ref:<15} {meeting:<15} {entry.outcome:<20} {source:<36} "
                f"{format_pence(option.amount_pence):>12}  {status}",
                file=out,
            )
    return decisions


async def walk_through(
    http: httpx.AsyncClient,
    directory: UserDirectory,
    register: DecisionRegister,
    settings: Settings,
    out: TextIO,
) -> DemoReport:
    """Add the users, take both seed cases through the API, print the record."""
    report = DemoReport()
    first = seed_first_users(directory, settings)
    people = [
        *first,
        directory.add(
            NewUser(
                user_id=ex.OFFICER.user_id,
                name=ex.OFFICER.name,
                email="sean.hogg@council.example.org",
                roles=frozenset({Role.officer}),
            )
        ),
        *(
            directory.add(
                NewUser(
                    user_id=m.member_id,
                    name=m.name,
                    email=m.email,
                    roles=frozenset({Role.member}),
                    group=m.group,
                )
            )
            for m in ex.MEMBERS
        ),
    ]
    users = {user.user_id: user for user in people}
    tokens = {user.user_id: directory.mint_token(user.user_id, "demo").token for user in people}
    print(
        f"First run: added {', '.join(u.user_id for u in first)}; then Sean Hogg and "
        f"{len(ex.MEMBERS)} forum members. A token each, kept in memory (never printed).\n"
        "Dates on the left are the seed papers'; the server stamps the real time, so it "
        "notes that the papers are late.",
        file=out,
    )
    forum = Forum(http, users, tokens, out, report)
    chair = _by_role(first, Role.chair).user_id
    clerk = _by_role(first, Role.clerk).user_id
    officer = _by_role(first, Role.officer).user_id
    health = await forum.get(chair, "/health")
    if health.get("status") != "ok":
        raise DemoError(f"the API is not healthy: {health}")
    smf = "SMF-2018-EHP"
    ssf = "SSF-2019-EHFS"
    report.stages[smf] = await middlesbrough(forum, ex.OFFICER.user_id, chair, clerk)
    report.stages[ssf] = await staffordshire(forum, officer, chair, clerk, ex.MEMBERS[0].member_id)
    print("\n== Review dates the engine set ==", file=out)
    for reference in (smf, ssf):
        for line in await forum.deadlines(chair, reference):
            forum.bullet(f"{reference}: {line}")
    print("\n== Where each request stands ==", file=out)
    for reference, stage in report.stages.items():
        state = await forum.get(chair, f"/requests/{reference}")
        forum.bullet(
            f"{reference}: stage {stage}, {len(state['audit'])} entries in its audit trail"
        )
    print("\n== Refusals the rules produced (each changed nothing) ==", file=out)
    for refusal in report.refusals:
        forum.bullet(
            f"{refusal.status} {refusal.rule}: {refusal.action} on {refusal.reference} by "
            f"{refusal.user_id}. {refusal.message}"
        )
    report.register = print_register(out, register, (smf, ssf))
    return report


def demo_settings(data_dir: Path, port: int) -> Settings:
    """Settings of the throwaway stack: its own data dir, SQLite, no mail, no Schedule."""
    return Settings(
        temporal_address=f"127.0.0.1:{port}",
        temporal_namespace="forumflow",
        task_queue="forumflow-demo",
        data_dir=data_dir,
        register_url=f"sqlite:///{data_dir / 'register.sqlite3'}",
        mail_enabled=False,
        annual_review_schedule=False,
    )


async def run_demo(out: TextIO | None = None) -> DemoReport:
    """Start the throwaway stack, walk both cases through, stop it all; the report."""
    out = out or sys.stdout
    cli = ensure_temporal_cli()
    if cli is None:
        raise ToolchainError("no Temporal CLI: install Go so scripts/setup can build it")
    with tempfile.TemporaryDirectory(prefix="forumflow-demo-") as tmp:
        data_dir = Path(tmp)
        settings = demo_settings(data_dir, _free_port())
        host, _, port = settings.temporal_address.rpartition(":")
        server = DevServer(
            cli.path,
            data_dir / "temporal.sqlite3",
            namespace=settings.temporal_namespace,
            ip=host,
            port=int(port),
            ui_port=None,
            log_file=data_dir / "temporal-server.log",
        )
        print(
            f"forumflow demo: a throwaway Temporal dev server on {server.address} "
            f"(data in {data_dir}), a worker and the HTTP API in this process.",
            file=out,
        )
        await server.start()
        try:
            client = await connect(settings)
            deps = WorkerDependencies.from_settings(settings)
            services = ApiServices.build(settings, client)
            transport = httpx.ASGITransport(app=create_app(services))
            try:
                async with (
                    build_worker(client, settings.task_queue, deps),
                    httpx.AsyncClient(transport=transport, base_url="http://devtools.demo") as http,
                ):
                    report = await walk_through(
                        http, services.directory, services.register, settings, out
                    )
            finally:
                services.directory.close()
                services.register.close()
                deps.register.close()
        finally:
            await server.stop()
    print("\nThe demo's server and data are gone; `scripts/run` keeps yours in .data/.", file=out)
    return report


def main() -> int:
    """``python -m forumflow demo``: run it, 1 if the toolchain is missing."""
    try:
        asyncio.run(run_demo())
    except ToolchainError as error:
        print(f"forumflow demo: {error}", file=sys.stderr)
        return 1
    return 0
