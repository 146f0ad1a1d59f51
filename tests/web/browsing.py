"""What a person does in the browser: ask for a link and sign in with it, or be given a
session in a browser of their own (a phone's, perhaps, or one with no scripts); move
through a page by keyboard alone; and the screenshots the tests keep for the README."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, ViewportSize, expect

from storage.accounts import NewUser
from tests.web.axe import assert_accessible
from tests.web.conftest import OFFICER, Site, open_page
from web.present import home_title
from web.sessions import cookie_names

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = ViewportSize(width=375, height=812)


def title(name: str) -> str:
    """A page's title as the pages write it."""
    return f"{name} \N{EN DASH} forumflow"


async def status_of(page: Page, url: str) -> int:
    """Open ``url`` in the page; the HTTP status of the document."""
    response = await page.goto(url)
    assert response is not None, f"no response for {url}"
    return response.status


async def ask_for_link(page: Page, site: Site, address: str) -> None:
    """Ask for a sign-in link on the sign-in page, and get the answer."""
    await page.goto(f"{site.url}/sign-in")
    await expect(page).to_have_title(title("Sign in"))
    await assert_accessible(page)
    await page.get_by_label("Email address").fill(address)
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await expect(page).to_have_title(title("Check your email"))


async def emailed_link(page: Page, site: Site, person: NewUser) -> str:
    """Ask for a link for ``person`` and read it from their email."""
    before = len(site.sign_in_messages(person.email))
    await ask_for_link(page, site, person.email)
    return await site.link_for(person.email, nth=before + 1)


async def sign_in(page: Page, site: Site, person: NewUser = OFFICER) -> None:
    """Sign in as ``person`` by the emailed link."""
    link = await emailed_link(page, site, person)
    await page.goto(link)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_title(title(home_title(person.roles)))


async def signed_in_as(page: Page, site: Site, person: NewUser) -> None:
    """Give ``page``'s browser a session for ``person``, as their emailed link would.

    For journeys with many people at once: the link itself is tested by ``sign_in``,
    and twenty links from one loopback address would meet the per-client limit."""
    token = await asyncio.to_thread(site.web.sign_in.start_session, person.user_id, "link")
    session_cookie, _ = cookie_names(secure=False)
    await page.context.add_cookies(
        [{"name": session_cookie, "value": token, "url": site.url, "httpOnly": True}]
    )


@asynccontextmanager
async def browsing_as(
    browser: Browser,
    site: Site,
    who: NewUser | None,
    *,
    phone: bool = False,
    javascript: bool = True,
) -> AsyncIterator[Page]:
    """A browser of ``who``'s own, signed in (``None``: a visitor's, signed out), 375 px
    wide for a ``phone``; without ``javascript`` its pages load no script file, neither
    GOV.UK Frontend's nor the meeting day's (axe still runs, through the debugger). No
    script, console or loading error is allowed in it."""
    tab, problems = await open_page(browser)
    if not javascript:
        await tab.context.route("**/*.js", lambda route: route.abort())
    if phone:
        await tab.set_viewport_size(PHONE)
    if who is not None:
        await signed_in_as(tab, site, who)
    try:
        yield tab
    finally:
        await tab.context.close()
    assert problems.seen == [], problems.seen


async def tab_to(page: Page, selector: str, *, limit: int = 200) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard
    user moves through a page (no mouse event, no programmatic focus)."""
    for _ in range(limit):
        if await page.evaluate(
            "(selector) => document.activeElement !== null"
            " && document.activeElement.matches(selector)",
            selector,
        ):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


async def screenshot(page: Page, name: str) -> None:
    """Keep the whole page as docs/screenshots/``name``.png, for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
