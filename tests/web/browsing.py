"""What a person does in the browser on the way in: ask for a link, open it, sign in."""

from __future__ import annotations

from playwright.async_api import Page, expect

from storage.accounts import NewUser
from tests.web.axe import assert_accessible
from tests.web.conftest import OFFICER, Site


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
