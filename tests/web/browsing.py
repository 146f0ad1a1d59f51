"""What a person does in the browser: ask for a link and sign in with it, move through a
page by keyboard alone; and the screenshots the tests keep for the README."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from storage.accounts import NewUser
from tests.web.axe import assert_accessible
from tests.web.conftest import OFFICER, Site

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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
    await expect(page).to_have_title(title("Your requests"))


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
