"""The web pages' benchmark: a page's server time against the API's JSON for the same data.

Both sides are served by one application (``forumflow.serve_api.create_application``:
the API and the pages composed as the run command composes them), over the same
Temporal dev server and one forumflow worker in a process of its own, in the same run
and interleaved request by request, so both meet the same load. Server time is measured
at the application's ASGI boundary, from the request's arrival to the last byte of its
answer; the client is httpx over ASGI in the same process, so no socket is timed.

* The request page (``GET /funding-requests/{reference}``, signed in by a session
  cookie) against the API's ``GET /requests/{reference}`` (bearer token) for a request
  with two options, a recommendation and its audit trail. Goal: ratio <= 1.3 at p50.
* The home page with ``requests`` requests for one officer (``GET /``) against the
  JSON listing of the same requests (``GET /requests?limit=1000``). Goal: ratio < 3.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from api.services import ApiServices
from bench.harness import Server, log_lines
from bench.measure import bounded, load_average, median, spread
from bench.report import BenchmarkResult, Goal, Metric
from bench.site import bench_site
from devtools import seeds
from domain.people import Role
from domain.request.commands import AddOption, SetRecommendation, SubmitDraft
from domain.request.draft import Recommendation, RequestDraft
from forumflow.serve_api import create_application
from storage.accounts import NewUser, User
from web.sessions import cookie_names

REQUEST_PAGE_GOAL = Goal(1.3)
HOME_PAGE_GOAL = Goal(3.0)


@dataclass(frozen=True)
class PageSizes:
    """How much the page benchmark does."""

    requests: int = 200
    """Requests the one officer has, listed by the home page."""
    procurement_every: int = 10
    """One request in this many needs a procurement (seed 003's shape), whose listing
    also asks its workflow for the deadlines; the rest are seed 000's."""
    warmup: int = 20
    samples: int = 300
    home_warmup: int = 3
    home_samples: int = 30
    setup_concurrency: int = 16


FULL_PAGES = PageSizes()
QUICK_PAGES = PageSizes(
    requests=10, procurement_every=5, warmup=2, samples=10, home_warmup=1, home_samples=3
)


class ServerTimes:
    """An ASGI wrapper keeping how long the application took over the last request."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        await self._app(scope, receive, send)
        self.last = time.perf_counter() - started


OFFICER = NewUser(
    user_id="sean.hogg",
    name="Sean Hogg",
    email="sean.hogg@council.example.org",
    roles=frozenset({Role.officer}),
)


def _draft(n: int, sizes: PageSizes, run: str) -> RequestDraft:
    """The ``n``th of the officer's requests."""
    reference = f"WEB-{run}-{n:04d}"
    if n % sizes.procurement_every == sizes.procurement_every - 1:
        return seeds.staffordshire_draft(reference, author_id=OFFICER.user_id)
    return seeds.middlesbrough_draft(reference, author_id=OFFICER.user_id)


async def _fill(api: ApiServices, user: User, sizes: PageSizes, run: str) -> str:
    """The officer's requests; the first, the one whose page is timed, with both of seed
    000's options and a recommendation naming one."""
    actor = user.actor()

    async def create(n: int) -> None:
        draft = _draft(n, sizes, run)
        meetings = seeds.STAFFORDSHIRE_MEETINGS if draft.procurement_needed else ()
        await api.requests.create(draft, actor, scheduled_meetings=meetings)

    await bounded(sizes.setup_concurrency, sizes.requests, create)
    reference = _draft(0, sizes, run).reference
    await api.requests.submit(reference, SubmitDraft(), actor)
    for option in (seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK):
        await api.requests.submit(reference, AddOption(option=option), actor)
    recommendation = Recommendation(
        text=seeds.MIDDLESBROUGH_RECOMMENDATION, option_ids=(seeds.CENTRALLY_RETAINED.option_id,)
    )
    await api.requests.submit(reference, SetRecommendation(recommendation=recommendation), actor)
    return reference


async def _compare(
    client: httpx.AsyncClient,
    times: ServerTimes,
    page: tuple[str, dict[str, str]],
    json: tuple[str, dict[str, str]],
    warmup: int,
    samples: int,
) -> dict[str, list[float]]:
    """Each side's server times, asked alternately (which goes first alternates too)."""
    seconds: dict[str, list[float]] = {"page": [], "json": []}
    sides = {"page": page, "json": json}
    for n in range(warmup + samples):
        order = ("page", "json") if n % 2 == 0 else ("json", "page")
        for side in order:
            url, headers = sides[side]
            answer = await client.get(url, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:300]}")
            if n >= warmup:
                seconds[side].append(times.last)
    return seconds


def _metric(name: str, seconds: dict[str, list[float]], goal: Goal) -> Metric:
    return Metric(
        name=name,
        unit="ms p50",
        forumflow=median(seconds["page"]) * 1000,
        baseline=median(seconds["json"]) * 1000,
        goal=goal,
    )


async def web_pages(server: Server, work_dir: Path, sizes: PageSizes) -> BenchmarkResult:
    """The request page against the JSON GET, and the home page against the JSON listing."""
    result = BenchmarkResult(
        key="web_pages",
        title="Web pages: server time of a page against the API's JSON of the same data",
        baseline="the API's JSON for the same request (GET /requests/{reference}) and for the "
        "same listing (GET /requests?limit=1000), from the same application, interleaved",
        load_before=load_average(),
    )
    run = uuid.uuid4().hex[:6].upper()
    async with bench_site(
        server, work_dir, f"pages-{run}", max_cached=sizes.requests + 100, people=(OFFICER,)
    ) as site:
        api, web, worker, (user,) = site.api, site.web, site.worker, site.users
        reference = await _fill(api, user, sizes, run)
        session = web.sign_in.start_session(user.user_id, "bench")
        token = site.directory.mint_token(user.user_id, "bench").token
        result.setup_seconds = time.perf_counter() - site.started
        times = ServerTimes(create_application(api, web))
        transport = httpx.ASGITransport(app=times)
        browser = {"accept": "text/html", "cookie": f"{cookie_names(False)[0]}={session}"}
        program = {"accept": "application/json", "authorization": f"Bearer {token}"}
        measured = time.perf_counter()
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            one = await _compare(
                c,
                times,
                (f"/funding-requests/{reference}", browser),
                (f"/requests/{reference}", program),
                sizes.warmup,
                sizes.samples,
            )
            listed = await _compare(
                c,
                times,
                ("/", browser),
                ("/requests?limit=1000", program),
                sizes.home_warmup,
                sizes.home_samples,
            )
        result.seconds = time.perf_counter() - measured
    result.load_after = load_average()
    result.metrics = [
        _metric("request page vs JSON GET", one, REQUEST_PAGE_GOAL),
        _metric(
            f"home page with {sizes.requests} requests vs JSON listing", listed, HOME_PAGE_GOAL
        ),
    ]
    result.details = {
        "sizes": asdict(sizes),
        "request_page": spread(one),
        "home_page": spread(listed),
        "worker_log_lines": log_lines(worker),
        "reads": "the request page asks its workflow one overview query (state, deadlines and "
        "allowed actions) as the JSON GET asks one (state); the home page lists the "
        "requests, then asks each its state (and a request needing a procurement its "
        "deadlines too), where the JSON listing reads the search attributes alone",
    }
    return result
