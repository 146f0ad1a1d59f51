"""Browser-test fixtures: the real stack, driven by Debian's Chromium through Playwright.

``site`` is the application the run command serves (the API and the pages, composed
by ``forumflow.serve_api``), listening on a loopback port of its own over this test's
worker and Temporal dev server, with its sign-in links going by SMTP to the recording
test server (tests/smtp.py) and its expiry judged by a clock the test can move.
``page`` is a fresh browser context and tab; it fails the test on a script error, a
console error or a sub-resource that did not load (a refused style or a missing font).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, ConsoleMessage, Page, Response, async_playwright
from temporalio.testing import WorkflowEnvironment

from api.services import ApiServices
from clients.meetings import ForumMeetings
from clients.requests import FundingRequests
from config.settings import Settings
from contracts.meeting import MeetingStart
from devtools import seeds
from domain.calendar import LONDON, to_london
from domain.meeting.models import MeetingState
from domain.people import Role
from forumflow.serve_api import create_application, running_api
from storage.accounts import NewUser, UserDirectory
from storage.register import DecisionRegister
from tests.smtp import ReceivedMessage, RecordingSmtpServer, free_port
from tests.web.axe import AXE_RESULTS
from web.services import WebServices

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

LINK_SUBJECT = "Your link to sign in to forumflow"
_LINK = re.compile(r"http://127\.0\.0\.1:\d+/sign-in/link/[A-Za-z0-9_-]{43}")

OFFICER = NewUser(
    user_id="sean.hogg",
    name="Sean Hogg",
    email="sean.hogg@council.example.org",
    roles=frozenset({Role.officer}),
)
SECOND_OFFICER = NewUser(
    user_id="priya.shah",
    name="Priya Shah",
    email="priya.shah@council.example.org",
    roles=frozenset({Role.officer}),
)
CHAIR = NewUser(
    user_id="chair",
    name="Forum Chair",
    email="chair@forum.example.org",
    roles=frozenset({Role.chair}),
)
CLERK = NewUser(
    user_id="clerk",
    name="Forum Clerk",
    email="clerk@forum.example.org",
    roles=frozenset({Role.clerk}),
)
MEMBERS = tuple(NewUser.for_member(member) for member in seeds.MEMBERSHIP.members)
"""The seed forum's 20 members, each able to sign in as themselves."""
PER_ADDRESS = 3
PER_CLIENT = 10


async def schedule_meeting(meetings: ForumMeetings, days_ahead: int = 60) -> MeetingState:
    """A forum meeting at 10am London time ``days_ahead`` days from now, with the seed
    forum's membership, as the clerk schedules it (the meeting pages come later)."""
    day = to_london(datetime.now(UTC)).date() + timedelta(days=days_ahead)
    meeting_id = f"meeting-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    await meetings.schedule(
        MeetingStart(
            meeting_id=meeting_id,
            starts_at=datetime.combine(day, time(10, 0), tzinfo=LONDON),
            location="Civic Centre",
            membership=seeds.MEMBERSHIP,
        )
    )
    return await meetings.state(meeting_id)


class MovableClock:
    """The real time, plus however far a test has moved it on."""

    def __init__(self) -> None:
        self._ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._ahead

    def advance(self, by: timedelta) -> None:
        """Move the clock on by ``by``."""
        self._ahead += by


@dataclass
class Site:
    """The running application, its mail and its clock."""

    url: str
    app: FastAPI
    api: ApiServices
    web: WebServices
    smtp: RecordingSmtpServer
    clock: MovableClock
    settings: Settings
    announced: list[str]
    """The lines the application gave its console (the run command prints them)."""

    def sign_in_messages(self, address: str) -> list[ReceivedMessage]:
        """The sign-in emails sent to ``address`` so far, oldest first."""
        return [
            received
            for received in self.smtp.messages
            if received.message["Subject"] == LINK_SUBJECT and address in received.rcpt_tos
        ]

    async def link_for(self, address: str, *, nth: int = 1) -> str:
        """The link in the ``nth`` sign-in email to ``address``, waiting for it to arrive."""
        for _ in range(200):
            messages = self.sign_in_messages(address)
            if len(messages) >= nth:
                body = messages[nth - 1].message.get_body(("plain",))
                assert body is not None
                found = _LINK.search(str(body.get_content()))
                assert found is not None, "the sign-in email carries no link"
                return found.group(0)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no sign-in email #{nth} reached {address}")


@pytest.fixture
def clock() -> MovableClock:
    """A clock this test can move on."""
    return MovableClock()


@pytest.fixture
async def site(
    env: WorkflowEnvironment,
    task_queue: str,
    forum: FundingRequests,
    register: DecisionRegister,
    smtp_server: RecordingSmtpServer,
    clock: MovableClock,
    tmp_path: Path,
) -> AsyncIterator[Site]:
    """The API and the pages on a loopback port, over this test's worker and database."""
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    port = free_port()
    settings = Settings(
        annual_review_schedule=False,
        api_port=port,
        register_url=database,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        mail_from="forumflow@forum.example.org",
        sign_in_limit_per_address=PER_ADDRESS,
        sign_in_limit_per_client=PER_CLIENT,
    )
    directory = UserDirectory(database)
    directory.create_schema()
    for person in (OFFICER, SECOND_OFFICER, CHAIR, CLERK, *MEMBERS):
        directory.add(person)
    api = ApiServices.build(
        settings, env.client, task_queue=task_queue, register=register, directory=directory
    )
    announced: list[str] = []
    web = WebServices.build(
        settings,
        directory,
        api.requests,
        api.meetings,
        clock=clock,
        announce=announced.append,
    )
    app = create_application(api, web)
    try:
        async with running_api(app, "127.0.0.1", port) as url:
            yield Site(
                url=url,
                app=app,
                api=api,
                web=web,
                smtp=smtp_server,
                clock=clock,
                settings=settings,
                announced=announced,
            )
    finally:
        web.close()
        directory.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not await asyncio.to_thread(CHROMIUM.exists):
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium package")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@dataclass
class PageProblems:
    """What went wrong in a page that a person would not see but should not happen."""

    seen: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        # The document's own error status (a 404 page) is logged as a failed load too;
        # failed sub-resources are caught by ``response`` with their address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(f"console: {message.text}")

    def response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.seen.append(f"{response.status} for {response.url}")


async def open_page(browser: Browser) -> tuple[Page, PageProblems]:
    """A tab in a browser context of its own (its own cookies: another device)."""
    context = await browser.new_context()
    tab = await context.new_page()
    problems = PageProblems()
    tab.on("console", problems.console)
    tab.on("pageerror", lambda error: problems.seen.append(f"script error: {error}"))
    tab.on("response", problems.response)
    return tab, problems


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context and tab; no script, console or loading error is allowed."""
    tab, problems = await open_page(browser)
    yield tab
    await tab.context.close()
    assert problems.seen == [], problems.seen


@pytest.fixture
async def other_device(browser: Browser) -> AsyncIterator[Page]:
    """A second browser with cookies of its own, as if on another device."""
    tab, problems = await open_page(browser)
    yield tab
    await tab.context.close()
    assert problems.seen == [], problems.seen


JOURNEY_STEPS: list[tuple[str, float]] = []
"""The steps of the meeting journey and their seconds, for the run's summary."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Every page axe checked: its title, violations, rules passed and rules to review;
    and the meeting journey's steps with their times."""
    if JOURNEY_STEPS:
        terminalreporter.section("the meeting of 4 July 2018, step by step")
        for step, seconds in JOURNEY_STEPS:
            terminalreporter.write_line(f"{seconds:7.2f} s  {step}")
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core, WCAG 2.2 A and AA")
    seen: set[tuple[str, int, int, tuple[str, ...]]] = set()
    for result in AXE_RESULTS:
        key = (result.title, len(result.violations), result.passes, result.incomplete)
        if key in seen:
            continue
        seen.add(key)
        review = ", ".join(result.incomplete) or "none"
        terminalreporter.write_line(
            f"{result.title}: {len(result.violations)} violations, {result.passes} rules "
            f"passed, to review by hand: {review}"
        )
