"""Signing in to the pages with an emailed link, in a real browser, and signing out.

Each test drives Chromium against the real application, worker and Temporal dev
server; the links are read from the SMTP test server the application sent them to.
axe checks every page the browser shows.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from storage.signin import LINK_LIFETIME
from tests.web.axe import assert_accessible
from tests.web.browsing import ask_for_link, emailed_link, sign_in, status_of, title
from tests.web.conftest import CHAIR, OFFICER, PER_ADDRESS, PER_CLIENT, Site

pytestmark = pytest.mark.devserver_only

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_signing_in_by_the_emailed_link_shows_the_person_in_the_header(
    site: Site, page: Page
) -> None:
    """A visitor is sent to sign in; the emailed link's page signs them in with a button,
    and every page then names them and their roles; the cookie is HttpOnly and Lax."""
    await page.goto(site.url)
    await expect(page).to_have_title(title("Sign in"))

    await ask_for_link(page, site, OFFICER.email)
    await assert_accessible(page)
    link = await site.link_for(OFFICER.email)
    email = site.sign_in_messages(OFFICER.email)[0].message
    assert str(email["To"]) == f"{OFFICER.name} <{OFFICER.email}>"
    assert str(email["From"]) == "forumflow@forum.example.org"
    assert site.announced == [f"Sign-in link for Sean Hogg <{OFFICER.email}>: {link}"]

    await page.goto(link)
    await expect(page).to_have_title(title("Sign in to forumflow"))
    await assert_accessible(page)
    await page.get_by_role("button", name="Sign in", exact=True).click()

    await expect(page).to_have_title(title("Your requests"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
    await expect(page.get_by_test_id("signed-in-person")).to_have_text(
        re.compile(r"Signed in as\s+Sean Hogg\s+\(officer\)")
    )
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await assert_accessible(page)
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    assert set(cookies) == {"ff_session"}
    assert cookies["ff_session"]["httpOnly"] is True
    assert cookies["ff_session"]["sameSite"] == "Lax"


async def test_opening_the_link_alone_does_not_use_it(site: Site, page: Page) -> None:
    """A mail scanner that follows the link (GET) leaves it working for its person."""
    link = await emailed_link(page, site, OFFICER)
    async with httpx.AsyncClient() as scanner:
        assert (await scanner.get(link)).status_code == 200
        assert (await scanner.get(link)).status_code == 200

    await page.goto(link)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_title(title("Your requests"))


async def test_a_used_link_is_refused(site: Site, page: Page, other_device: Page) -> None:
    """A link works once: opened on two devices, the second to use it is refused, and
    opening it again says it has been used; the second device stays signed out."""
    link = await emailed_link(page, site, OFFICER)
    await page.goto(link)
    await other_device.goto(link)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_title(title("Your requests"))

    await other_device.get_by_role("button", name="Sign in", exact=True).click()
    await expect(other_device).to_have_title(title("This sign-in link has already been used"))
    await assert_accessible(other_device)
    await other_device.goto(site.url)
    await expect(other_device).to_have_title(title("Sign in"))

    assert await status_of(other_device, link) == 410
    await expect(other_device).to_have_title(title("This sign-in link has already been used"))
    await expect(other_device.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)


async def test_an_expired_link_is_refused(site: Site, page: Page) -> None:
    """Fifteen minutes after it was sent a link signs nobody in, whether its page was
    opened before (the button is refused) or after."""
    link = await emailed_link(page, site, OFFICER)
    await page.goto(link)
    site.clock.advance(LINK_LIFETIME)

    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_title(title("This sign-in link has expired"))
    await assert_accessible(page)
    assert await status_of(page, link) == 410
    await expect(page).to_have_title(title("This sign-in link has expired"))
    await page.goto(site.url)
    await expect(page).to_have_title(title("Sign in"))


async def test_a_link_that_was_never_sent_is_refused(site: Site, page: Page) -> None:
    """A made-up or truncated link is not valid."""
    for token in ("A" * 43, "short"):
        assert await status_of(page, f"{site.url}/sign-in/link/{token}") == 404
        await expect(page).to_have_title(title("This sign-in link is not valid"))
    await assert_accessible(page)


async def test_the_answer_is_the_same_for_an_unknown_address(site: Site, page: Page) -> None:
    """Asking for a link for an address nobody has gets the very page a user's address
    gets, and sends nothing."""
    await ask_for_link(page, site, "nobody@nowhere.example.org")
    unknown_answer = await page.locator("main").inner_text()
    await ask_for_link(page, site, CHAIR.email)
    known_answer = await page.locator("main").inner_text()
    await site.link_for(CHAIR.email)
    await asyncio.sleep(0.5)

    assert unknown_answer == known_answer
    assert [received.rcpt_tos for received in site.smtp.messages] == [(CHAIR.email,)]


async def test_an_address_that_is_not_one_is_shown_as_an_error(site: Site, page: Page) -> None:
    """A malformed address gets the error summary, linked to the field, which keeps
    what was typed; nothing is sent."""
    await page.goto(f"{site.url}/sign-in")
    await page.get_by_label("Email address").fill("sean.hogg at council")
    await page.get_by_role("button", name="Send me a sign-in link").click()

    await expect(page).to_have_title("Error: " + title("Sign in"))
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter an email address in the correct format")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#email")
    await expect(page.get_by_label("Email address")).to_have_value("sean.hogg at council")
    await assert_accessible(page)
    assert site.smtp.messages == []


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    site: Site, page: Page, other_device: Page
) -> None:
    """A sign-out form sent without its token, or with another browser's, is refused
    with a page and the session goes on; a sign-in form without one sends no link."""
    await sign_in(page, site)
    await page.locator("form.app-sign-out input[name=csrf_token]").evaluate("e => e.remove()")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_title(title("The form could not be accepted"))
    await expect(page.locator("main")).to_contain_text("Nothing was changed.")
    await assert_accessible(page)
    forged = await page.request.post(f"{site.url}/sign-out", form={"csrf_token": "0" * 64})
    assert forged.status == 403
    await page.goto(site.url)
    await expect(page).to_have_title(title("Your requests"))

    await other_device.goto(f"{site.url}/sign-in")
    refused = await other_device.request.post(f"{site.url}/sign-in", form={"email": OFFICER.email})
    assert refused.status == 403
    await asyncio.sleep(0.5)
    assert len(site.sign_in_messages(OFFICER.email)) == 1


async def test_signing_out_ends_the_session(site: Site, page: Page, other_device: Page) -> None:
    """Signing out says so and takes the cookie away; the session is over on the server,
    so a copy of the old cookie signs nobody in."""
    await sign_in(page, site)
    copied = await page.context.cookies()

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_title(title("You have signed out"))
    await assert_accessible(page)
    assert "ff_session" not in {cookie["name"] for cookie in await page.context.cookies()}
    await page.goto(site.url)
    await expect(page).to_have_title(title("Sign in"))

    await other_device.context.add_cookies(copied)  # type: ignore[arg-type]
    await other_device.goto(site.url)
    await expect(other_device).to_have_title(title("Sign in"))


async def test_a_session_ends_after_the_idle_time(site: Site, page: Page) -> None:
    """A browser left unused for the idle time is signed out, and told why."""
    await sign_in(page, site)
    site.clock.advance(timedelta(minutes=site.settings.session_idle_minutes))

    await page.goto(site.url)
    await expect(page).to_have_title(title("Sign in"))
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"after {site.settings.session_idle_minutes} minutes without using it"
    )
    await assert_accessible(page)


async def _ask(client: httpx.AsyncClient, base: str, address: str) -> httpx.Response:
    page = await client.get(f"{base}/sign-in")
    token = _CSRF.search(page.text)
    assert token is not None
    return await client.post(
        f"{base}/sign-in", data={"email": address, "csrf_token": token.group(1)}
    )


async def test_links_are_rate_limited_per_address(site: Site, page: Page) -> None:
    """An address gets only so many links in 15 minutes; the next request is told to
    wait and sends nothing, the same for an address nobody has."""
    async with httpx.AsyncClient() as client:
        for address in (OFFICER.email, "nobody@nowhere.example.org"):
            answers = [
                (await _ask(client, site.url, address)).status_code for _ in range(PER_ADDRESS)
            ]
            assert answers == [303] * PER_ADDRESS
            assert (await _ask(client, site.url, address)).status_code == 429
    await site.link_for(OFFICER.email, nth=PER_ADDRESS)

    await page.goto(f"{site.url}/sign-in")
    await page.get_by_label("Email address").fill(OFFICER.email.upper())
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await expect(page).to_have_title(title("Too many sign-in links asked for"))
    await assert_accessible(page)
    site.clock.advance(timedelta(minutes=15))
    await ask_for_link(page, site, OFFICER.email)
    await site.link_for(OFFICER.email, nth=PER_ADDRESS + 1)


async def test_links_are_rate_limited_per_client(site: Site) -> None:
    """One client asking for links to many addresses is stopped at the client limit."""
    async with httpx.AsyncClient() as client:
        for n in range(PER_CLIENT):
            assert (
                await _ask(client, site.url, f"person{n}@school.example.org")
            ).status_code == 303
        assert (await _ask(client, site.url, CHAIR.email)).status_code == 429
    await asyncio.sleep(0.5)
    assert site.sign_in_messages(CHAIR.email) == []


async def test_cookies_are_secure_outside_loopback(site: Site) -> None:
    """Reached by its public name, the site's cookies are Secure, HttpOnly, Lax and named
    __Host-, and a session starts by them."""
    public = "https://forum.example.gov.uk"
    transport = httpx.ASGITransport(app=site.app)
    async with httpx.AsyncClient(transport=transport, base_url=public) as browser:
        asked = await _ask(browser, public, OFFICER.email)
        assert asked.status_code == 303
        assert asked.request.headers["cookie"].startswith("__Host-ff_csrf=")
        token = (await site.link_for(OFFICER.email)).rsplit("/", 1)[1]
        landing = await browser.get(f"/sign-in/link/{token}")
        csrf = _CSRF.search(landing.text)
        assert csrf is not None
        signed_in = await browser.post(
            "/sign-in/link", data={"csrf_token": csrf.group(1), "token": token}
        )
        home = await browser.get("/")

    assert signed_in.status_code == 303
    session = next(
        header
        for header in signed_in.headers.get_list("set-cookie")
        if header.startswith("__Host-ff_session=")
    )
    assert {"HttpOnly", "Path=/", "SameSite=lax", "Secure"} <= {
        part.strip() for part in session.split(";")
    }
    assert "Signed in as </span>Sean Hogg" in home.text
