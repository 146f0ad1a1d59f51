"""The voting benchmark: the seed forum's 20 members voting at once from the browser's
vote form, against the same vote through the API's JSON action, in the same run.

Both sides are served by one application (``forumflow.serve_api.create_application``,
composed as the run command composes it), over the same Temporal dev server and one
forumflow worker in a process of its own. Each round, all 20 members cast their vote on
one request at the same moment (``asyncio.gather``); a member votes once per request,
so every round has a request of its own whose vote is open with all 20 recorded
present. Rounds alternate between the sides, and so does which side goes first, so both
meet the same load.

* The browser's side: ``POST /forum-meetings/{meeting}/items/{reference}/vote/cast``
  with the form's ``csrf_token``, ``form_key`` and ``choice``, signed in by a session
  cookie. Each member's vote page is fetched first, untimed, and its hidden fields
  read, as a browser would have them. Accepted, it answers 303 to ``?done=voted``.
* The API's side: ``POST /requests/{reference}/actions/cast_vote`` with the JSON body
  ``{"choice": ...}`` and a bearer token, and an Idempotency-Key, as the form's key
  gives the browser's vote an Update id. Each member first reads
  ``GET /requests/{reference}``, untimed, as the browser's side reads its page.
  Accepted, it answers 200.

Server time is measured per request at the application's ASGI boundary, from the
request's arrival to the last byte of its answer, keyed by a header the client adds
(the ASGI wrapper of the pages benchmark keeps only the last request, which concurrent
requests would overwrite); the client is httpx over ASGI in the same process, so no
socket is timed. Goal: ratio <= 1.5 at p50 and <= 2.0 at p99.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from api.services import ApiServices
from bench.harness import Server, log_lines
from bench.measure import bounded, load_average, median, percentile, spread
from bench.report import BenchmarkResult, Goal, Metric
from bench.site import bench_site
from contracts.meeting import MeetingStart
from devtools import seeds
from domain.calendar import LONDON, to_london
from domain.meeting.commands import OpenMeeting, RecordMeetingAttendance
from domain.request.commands import (
    AddOption,
    OpenVote,
    RecordAttendance,
    SetRecommendation,
    SubmitDraft,
    TableRequest,
)
from domain.request.decision import VoteChoice
from domain.request.draft import Recommendation
from forumflow.serve_api import create_application
from storage.accounts import NewUser
from web.sessions import cookie_names

P50_GOAL = Goal(1.5)
P99_GOAL = Goal(2.0)
BENCH_ID = "x-bench-id"
"""The header naming a request, by which its server time is kept."""
SIDES = ("web", "json")


@dataclass(frozen=True)
class VoteSizes:
    """How much the voting benchmark does: every round is the seed forum's 20 members
    voting at once on one request, on one side."""

    rounds: int = 30
    """Rounds timed on each side (a round's reads can wait seconds behind the others'
    votes, so a few rounds leave the median to chance)."""
    warmup: int = 1
    """Rounds on each side before those timed."""
    setup_concurrency: int = 8


FULL_VOTES = VoteSizes()
QUICK_VOTES = VoteSizes(rounds=1, warmup=0)

MEMBERS = tuple(NewUser.for_member(member) for member in seeds.MEMBERSHIP.members)
"""The seed forum's 20 members, each able to sign in as themselves."""
CHOICES = tuple(VoteChoice)
_HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|form_key)" value="([^"]*)">')


class ServerTimesById:
    """An ASGI wrapper keeping how long the application took over each request that
    names itself in the ``x-bench-id`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self.seconds: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        await self._app(scope, receive, send)
        elapsed = time.perf_counter() - started
        for name, value in scope.get("headers", ()):
            if name == BENCH_ID.encode():
                self.seconds[value.decode()] = elapsed


async def _prepared(api: ApiServices, meeting_id: str, reference: str) -> None:
    """A Middlesbrough request with seed 000's centrally retained option recommended,
    tabled by the chair on the meeting's agenda."""
    officer = seeds.OFFICER
    await api.requests.create(seeds.middlesbrough_draft(reference, officer.user_id), officer)
    await api.requests.submit(reference, SubmitDraft(), officer)
    await api.requests.submit(reference, AddOption(option=seeds.CENTRALLY_RETAINED), officer)
    recommendation = Recommendation(
        text=seeds.MIDDLESBROUGH_RECOMMENDATION, option_ids=(seeds.CENTRALLY_RETAINED.option_id,)
    )
    await api.requests.submit(reference, SetRecommendation(recommendation=recommendation), officer)
    await api.requests.submit(reference, TableRequest(meeting_id=meeting_id), seeds.CHAIR)


async def _on_agenda(api: ApiServices, meeting_id: str, references: list[str]) -> None:
    """Wait for the meeting to list every request: tabling reaches the meeting's own
    workflow by an activity, a moment after the request's transition."""
    for _ in range(600):
        meeting = await api.meetings.state(meeting_id)
        if all(meeting.item(reference) is not None for reference in references):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{meeting_id} never listed all {len(references)} requests")


async def _fill(api: ApiServices, sizes: VoteSizes, run: str) -> tuple[str, dict[str, list[str]]]:
    """A meeting in session with all 20 present, and on its agenda a request per round and
    side whose vote is open with all 20 present."""
    day = to_london(datetime.now(UTC)).date() + timedelta(days=60)
    meeting_id = f"meeting-{day.isoformat()}-bench-{run.lower()}"
    await api.meetings.schedule(
        MeetingStart(
            meeting_id=meeting_id,
            starts_at=datetime.combine(day, wall_time(10, 0), tzinfo=LONDON),
            location="Civic Centre",
            membership=seeds.MEMBERSHIP,
        )
    )
    per_side = sizes.warmup + sizes.rounds
    references = {
        side: [f"VOTE-{run}-{side.upper()}{n:03d}" for n in range(per_side)] for side in SIDES
    }
    everyone = [*references["web"], *references["json"]]

    async def table(n: int) -> None:
        await _prepared(api, meeting_id, everyone[n])

    await bounded(sizes.setup_concurrency, len(everyone), table)
    await _on_agenda(api, meeting_id, everyone)
    present = tuple(member.member_id for member in seeds.MEMBERS)
    await api.meetings.submit(
        meeting_id, RecordMeetingAttendance(present_member_ids=present), seeds.CLERK
    )
    await api.meetings.submit(meeting_id, OpenMeeting(), seeds.CHAIR)

    async def open_vote(n: int) -> None:
        reference = everyone[n]
        await api.requests.submit(
            reference, RecordAttendance(present_member_ids=present), seeds.CLERK
        )
        await api.requests.submit(reference, OpenVote(), seeds.CHAIR)

    await bounded(sizes.setup_concurrency, len(everyone), open_vote)
    return meeting_id, references


@dataclass(frozen=True)
class Voter:
    """A member with a browser session and a bearer token."""

    member_id: str
    choice: VoteChoice
    cookie: str
    token: str


def _hidden_fields(html: str) -> dict[str, str]:
    """The vote form's CSRF token and form key, as the page gave them."""
    fields = dict(_HIDDEN.findall(html))
    if set(fields) != {"csrf_token", "form_key"}:
        raise RuntimeError(f"the vote page has no vote form: {html[:300]}")
    return fields


def _checked(answer: httpx.Response, status: int, location: str | None = None) -> None:
    if answer.status_code != status or (
        location is not None and answer.headers.get("location") != location
    ):
        raise RuntimeError(
            f"{answer.request.method} {answer.request.url} answered {answer.status_code} "
            f"({answer.headers.get('location')}): {answer.text[:300]}"
        )


async def _web_round(
    client: httpx.AsyncClient, meeting_id: str, reference: str, voters: list[Voter]
) -> Callable[[], Awaitable[list[str]]]:
    """Each member's vote page read (untimed); the round that then posts their forms."""
    vote = f"/forum-meetings/{meeting_id}/items/{reference}/vote"

    async def form(voter: Voter) -> dict[str, str]:
        page = await client.get(vote, headers={"accept": "text/html", "cookie": voter.cookie})
        _checked(page, 200)
        return _hidden_fields(page.text)

    forms = await asyncio.gather(*(form(voter) for voter in voters))

    async def cast(voter: Voter, fields: dict[str, str]) -> str:
        bench_id = uuid.uuid4().hex
        answer = await client.post(
            f"{vote}/cast",
            data={**fields, "choice": voter.choice.value},
            headers={"accept": "text/html", "cookie": voter.cookie, BENCH_ID: bench_id},
        )
        _checked(answer, 303, f"{vote}?done=voted")
        return bench_id

    async def cast_all() -> list[str]:
        return list(await asyncio.gather(*(cast(v, f) for v, f in zip(voters, forms, strict=True))))

    return cast_all


async def _json_round(
    client: httpx.AsyncClient, reference: str, voters: list[Voter]
) -> Callable[[], Awaitable[list[str]]]:
    """Each member's read of the request (untimed), as a program reads before it acts, as
    the browser's side reads the vote page; the round that then casts every member's vote
    through the API's JSON action."""

    async def read(voter: Voter) -> None:
        answer = await client.get(
            f"/requests/{reference}",
            headers={"accept": "application/json", "authorization": f"Bearer {voter.token}"},
        )
        _checked(answer, 200)

    await asyncio.gather(*(read(voter) for voter in voters))

    async def cast(voter: Voter) -> str:
        bench_id = uuid.uuid4().hex
        answer = await client.post(
            f"/requests/{reference}/actions/cast_vote",
            json={"choice": voter.choice.value},
            headers={
                "accept": "application/json",
                "authorization": f"Bearer {voter.token}",
                "idempotency-key": bench_id,
                BENCH_ID: bench_id,
            },
        )
        _checked(answer, 200)
        return bench_id

    async def cast_all() -> list[str]:
        return list(await asyncio.gather(*(cast(voter) for voter in voters)))

    return cast_all


async def _compare(
    client: httpx.AsyncClient,
    times: ServerTimesById,
    meeting_id: str,
    references: dict[str, list[str]],
    voters: list[Voter],
    warmup: int,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each side's server times per vote and wall time per round, the sides taking turns
    round by round (which goes first alternates too)."""
    seconds: dict[str, list[float]] = {side: [] for side in SIDES}
    rounds: dict[str, list[float]] = {side: [] for side in SIDES}
    for n in range(len(references["web"])):
        casts = {
            "web": await _web_round(client, meeting_id, references["web"][n], voters),
            "json": await _json_round(client, references["json"][n], voters),
        }
        for side in SIDES if n % 2 == 0 else tuple(reversed(SIDES)):
            started = time.perf_counter()
            ids = await casts[side]()
            elapsed = time.perf_counter() - started
            if n >= warmup:
                seconds[side] += [times.seconds.pop(bench_id) for bench_id in ids]
                rounds[side].append(elapsed)
    return seconds, rounds


async def _all_counted(api: ApiServices, references: dict[str, list[str]]) -> None:
    """Every request holds each member's one vote: nothing was lost or counted twice."""
    for reference in (*references["web"], *references["json"]):
        votes = (await api.requests.state(reference)).votes
        if sorted(v.member_id for v in votes) != sorted(m.member_id for m in seeds.MEMBERS):
            raise RuntimeError(f"{reference} holds {len(votes)} votes, not one per member")


async def web_votes(server: Server, work_dir: Path, sizes: VoteSizes) -> BenchmarkResult:
    """20 members voting at once by the browser's form against the same through the API."""
    result = BenchmarkResult(
        key="web_votes",
        title="Web votes: server time of 20 members voting at once by the browser's form "
        "against the API's JSON action",
        baseline="the API's JSON action for the same vote (POST /requests/{reference}/actions/"
        "cast_vote), 20 members at once, from the same application, rounds interleaved",
        load_before=load_average(),
    )
    run = uuid.uuid4().hex[:6].upper()
    max_cached = 2 * (sizes.warmup + sizes.rounds) + 100
    async with bench_site(
        server, work_dir, f"votes-{run}", max_cached=max_cached, people=MEMBERS
    ) as site:
        api, web, worker = site.api, site.web, site.worker
        meeting_id, references = await _fill(api, sizes, run)
        session_cookie = cookie_names(False)[0]
        voters = [
            Voter(
                member_id=member.user_id,
                choice=CHOICES[n % len(CHOICES)],
                cookie=f"{session_cookie}={web.sign_in.start_session(member.user_id, 'bench')}",
                token=site.directory.mint_token(member.user_id, "bench").token,
            )
            for n, member in enumerate(site.users)
        ]
        result.setup_seconds = time.perf_counter() - site.started
        times = ServerTimesById(create_application(api, web))
        transport = httpx.ASGITransport(app=times)
        measured = time.perf_counter()
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            seconds, rounds = await _compare(c, times, meeting_id, references, voters, sizes.warmup)
        result.seconds = time.perf_counter() - measured
        await _all_counted(api, references)
    result.load_after = load_average()
    voting = f"{len(MEMBERS)} members voting at once"
    result.metrics = [
        Metric(
            name=f"{voting}: web form vs JSON action",
            unit="ms p50",
            forumflow=median(seconds["web"]) * 1000,
            baseline=median(seconds["json"]) * 1000,
            goal=P50_GOAL,
        ),
        Metric(
            name=f"{voting}: web form vs JSON action",
            unit="ms p99",
            forumflow=percentile(seconds["web"], 0.99) * 1000,
            baseline=percentile(seconds["json"], 0.99) * 1000,
            goal=P99_GOAL,
        ),
    ]
    result.details = {
        "sizes": asdict(sizes),
        "members": len(MEMBERS),
        "votes": spread(seconds),
        "rounds_wall": spread(rounds),
        "worker_log_lines": log_lines(worker),
        "work": "the form's vote reads the session, checks the CSRF token, asks the meeting "
        "its state (is the request on its agenda) and the request its state (may this "
        "member vote), then sends the vote Update and answers 303; the JSON action reads "
        "the bearer token and sends the vote Update, answering the transition's result",
    }
    return result
