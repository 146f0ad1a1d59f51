"""The officer's journey in a real browser: draft the Middlesbrough request, list its two
options, see the chair's tabling refused while the recommendation names neither, name
one, and see it tabled.

Everything runs against the real application, worker and Temporal dev server; the
officer signs in by the link emailed to them. axe checks every page the browser shows,
and the pages for the README's screenshots are kept on the way.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from devtools import seeds
from domain.calendar import format_uk_date
from domain.request.errors import RecommendationNamesNoOption
from domain.request.models import Stage
from domain.request.rules import check_tabling
from tests.web.axe import assert_accessible
from tests.web.browsing import screenshot, sign_in, tab_to, title
from tests.web.conftest import CHAIR, OFFICER, Site, schedule_meeting
from tests.web.officer_steps import add_option, fill_in_the_rest, write_recommendation

pytestmark = pytest.mark.devserver_only

# Seed 000's reference, made unique: a reference is never reused, and the dev server
# outlives the test.
DRAFT = seeds.middlesbrough_draft(f"{seeds.MIDDLESBROUGH_REFERENCE}-{uuid.uuid4().hex[:4].upper()}")
REFERENCE = DRAFT.reference


async def draft_the_middlesbrough_request(page: Page, site: Site) -> None:
    """From the home page: the form refused once (no title, a cost that is no amount),
    then filled in with seed 000's draft, adding and removing a cost line on the way."""
    await page.get_by_role("button", name="Start a new request").click()
    await expect(page).to_have_title(title("New request"))
    await assert_accessible(page)

    await page.get_by_label("Reference").fill(REFERENCE)
    await page.get_by_label("How many").fill("4")
    await page.get_by_label("Cost of one").fill("22,401 pounds")
    await page.get_by_role("button", name="Save draft").click()
    await expect(page).to_have_title("Error: " + title("New request"))
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link", name="Enter a title")).to_have_attribute(
        "href", "#title"
    )
    await expect(
        summary.get_by_role("link", name="Enter the unit cost on line 1 in pounds and pence")
    ).to_have_attribute("href", "#cost-0-unit-cost")
    await expect(page.get_by_label("Reference")).to_have_value(REFERENCE)
    await expect(page.get_by_label("How many")).to_have_value("4")
    await assert_accessible(page)
    await screenshot(page, "new-request-with-errors")
    assert await site.api.requests.search() == ()

    await page.get_by_label("Cost of one").fill("22,401")
    await page.get_by_role("button", name="Add another line").click()
    await expect(page.get_by_test_id("line-total")).to_have_text("Line 1 costs £89,604")
    await expect(page.get_by_test_id("cost-total")).to_contain_text("Total cost: £89,604")
    await expect(page.locator("#cost-1-description")).to_have_value("")
    await assert_accessible(page)
    await page.get_by_role("button", name="Remove line 2").click()
    await expect(page.locator("#cost-1-description")).to_have_count(0)
    await expect(page.get_by_label("Cost of one")).to_have_value("22,401")
    await fill_in_the_rest(page, DRAFT)


async def test_the_officer_takes_the_middlesbrough_request_from_draft_to_tabling(
    site: Site, page: Page, other_device: Page
) -> None:
    """Seed 000 through the pages: drafted (4 x £22,401 = £89,604), submitted, both
    options listed, tabling refused in the chair's view with the rule's message while
    the recommendation names neither, then tabled once it names the centrally retained
    budget; every refused form changes nothing and keeps what was typed."""
    meeting = await schedule_meeting(site.api.meetings)
    await sign_in(page, site)
    await draft_the_middlesbrough_request(page, site)

    await expect(page).to_have_title(title(f"{REFERENCE}: {DRAFT.title}"))
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Request drafted"
    )
    await expect(page.locator("#cost")).to_contain_text("4 \N{MULTIPLICATION SIGN} £22,401")
    await expect(page.locator("#cost")).to_contain_text("Total: £89,604")
    await expect(page.locator("#period")).to_have_text("1 September 2018 to 31 August 2019")
    await assert_accessible(page)
    state = await site.api.requests.state(REFERENCE)
    assert state.draft.total_pence == seeds.TOTAL_PENCE
    assert state.draft == DRAFT

    await page.get_by_role("button", name="Submit the draft").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Draft submitted"
    )
    await add_option(
        page, REFERENCE, "Centrally retained budget", seeds.CENTRALLY_RETAINED.conditions
    )
    await add_option(
        page, REFERENCE, "DSG schools block, by de-delegation", seeds.SCHOOLS_BLOCK.conditions
    )
    await expect(page.locator("#options")).to_be_visible()
    await expect(page.get_by_role("row")).to_have_count(3)  # the heading row and two options
    await write_recommendation(
        page, REFERENCE, seeds.MIDDLESBROUGH_RECOMMENDATION, "Do not name an option yet"
    )
    await expect(page.locator("#recommendation-option-ids")).to_contain_text(
        "The recommendation names no funding option"
    )
    await assert_accessible(page)

    await sign_in(other_device, site, CHAIR)
    await other_device.goto(f"{site.url}/funding-requests/{REFERENCE}")
    await other_device.get_by_role("button", name="Table the request").click()
    await expect(
        other_device.locator(".govuk-error-summary").get_by_role("link")
    ).to_have_attribute("href", "#meeting")
    await other_device.get_by_label(format_uk_date(meeting.meeting_day)).check()
    await other_device.get_by_role("button", name="Table the request").click()
    await expect(other_device).to_have_title("Error: " + title(f"{REFERENCE}: {DRAFT.title}"))
    summary = other_device.locator(".govuk-error-summary")
    refusal = summary.get_by_role("link")
    await expect(refusal).to_contain_text("the recommendation names no funding option")
    await expect(refusal).to_have_attribute("href", "#recommendation-option-ids")
    await expect(other_device.get_by_label(format_uk_date(meeting.meeting_day))).to_be_checked()
    await assert_accessible(other_device)
    refused = await site.api.requests.state(REFERENCE)
    assert refused.stage is Stage.option_listing
    assert [entry.transition for entry in refused.audit][-1] == "set_recommendation"
    with pytest.raises(RecommendationNamesNoOption) as rule:  # tabling-requires-specific-option
        check_tabling(refused)
    assert (await refusal.inner_text()).strip() == rule.value.message

    await write_recommendation(
        page,
        REFERENCE,
        seeds.MIDDLESBROUGH_RECOMMENDATION,
        "Agree the centrally retained budget, £89,604",
    )
    await other_device.goto(f"{site.url}/funding-requests/{REFERENCE}")
    await other_device.get_by_label(format_uk_date(meeting.meeting_day)).check()
    await other_device.get_by_role("button", name="Table the request").click()
    await expect(other_device.locator(".govuk-notification-banner--success")).to_contain_text(
        "Request tabled"
    )
    tabled = await site.api.requests.state(REFERENCE)
    assert tabled.stage is Stage.tabled
    assert tabled.meeting_date == meeting.meeting_day
    assert tabled.recommendation is not None
    assert tabled.recommendation.option_ids == (seeds.CENTRALLY_RETAINED.option_id,)

    await page.goto(f"{site.url}/funding-requests/{REFERENCE}")
    await expect(page.locator("#audit-trail + ol > li")).to_have_count(7)
    await expect(page.locator(".app-timeline__item").first).to_contain_text("Forum Chair (chair)")
    await assert_accessible(page)
    await screenshot(page, "request")
    await page.get_by_role("link", name="Your requests").click()
    row = page.get_by_role("row", name=REFERENCE)
    await expect(row).to_contain_text("Tabled")
    await expect(row).to_contain_text("Publish the papers by 5pm on")
    await assert_accessible(page)
    await screenshot(page, "home")


async def test_the_officers_journey_by_keyboard_alone(site: Site, page: Page) -> None:
    """Signing in, drafting, submitting, adding an option and writing the recommendation
    need nothing but Tab, Space, arrow keys, Enter and typing."""
    reference = f"{REFERENCE}-K"
    await sign_in_by_keyboard(page, site)
    keys = page.keyboard
    await tab_to(page, "a[href='/funding-requests/new'].govuk-button")
    await keys.press("Enter")
    await expect(page).to_have_title(title("New request"))
    line = DRAFT.cost_lines[0]
    for selector, typed in (
        ("#reference", reference),
        ("#title", DRAFT.title),
        ("#purpose", DRAFT.purpose),
        ("#background", DRAFT.background),
        ("#cost-0-description", line.description),
        ("#cost-0-quantity", "4"),
        ("#cost-0-unit-cost", "22401"),
        ("#period-start-day", "1"),
        ("#period-start-month", "9"),
        ("#period-start-year", "2018"),
        ("#period-end-day", "31"),
        ("#period-end-month", "8"),
        ("#period-end-year", "2019"),
    ):
        await tab_to(page, selector)
        await keys.type(typed)
    await tab_to(page, "#recurrent")
    await keys.press("Space")
    await tab_to(page, "#procurement-needed")
    await keys.press("Space")
    await tab_to(page, "#measures")
    await keys.type("early help cases picked up in schools")
    for selector, typed in (("#report-due-day", "30"), ("#report-due-month", "6")):
        await tab_to(page, selector)
        await keys.type(typed)
    await tab_to(page, "#report-due-year")
    await keys.type("2019")
    await keys.press("Enter")  # Enter in a box saves the draft
    await expect(page).to_have_title(title(f"{reference}: {DRAFT.title}"))
    await assert_accessible(page)

    await tab_to(page, "form[action$='/submit'] button")
    await keys.press("Enter")
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Draft submitted"
    )
    await tab_to(page, "a[href$='/options/new']")
    await keys.press("Enter")
    await expect(page).to_have_title(title(f"Add a funding option to {reference}"))
    await tab_to(page, "#source")
    for _ in range(4):  # down the fixed list to the centrally retained budget
        await keys.press("ArrowDown")
    await expect(page.get_by_label("Centrally retained budget")).to_be_checked()
    await tab_to(page, "#conditions")
    await keys.type(seeds.CENTRALLY_RETAINED.conditions[0])
    await tab_to(page, "form button.govuk-button:not([tabindex])")
    await keys.press("Enter")
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Funding option added"
    )

    await tab_to(page, "a[href$='/recommendation']")
    await keys.press("Enter")
    await expect(page).to_have_title(title(f"The recommendation for {reference}"))
    await tab_to(page, "#text")
    await keys.type(seeds.MIDDLESBROUGH_RECOMMENDATION)
    await tab_to(page, "#recommend")
    await keys.press("Space")
    await tab_to(page, "form button.govuk-button")
    await keys.press("Enter")
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recommendation saved"
    )
    await assert_accessible(page)
    state = await site.api.requests.state(reference)
    assert state.stage is Stage.option_listing
    assert state.draft.total_pence == seeds.TOTAL_PENCE
    assert [option.source for option in state.options] == [seeds.CENTRALLY_RETAINED.source]
    assert state.recommendation is not None
    assert state.recommendation.option_ids == (state.options[0].option_id,)


async def sign_in_by_keyboard(page: Page, site: Site) -> None:
    """Ask for a link and use it with the keyboard alone (opening the emailed link is
    typing its address, which goto stands for)."""
    await page.goto(f"{site.url}/sign-in")
    await tab_to(page, "#email")
    await page.keyboard.type(OFFICER.email)
    await page.keyboard.press("Enter")
    await expect(page).to_have_title(title("Check your email"))
    await page.goto(await site.link_for(OFFICER.email))
    await tab_to(page, "form button")
    await page.keyboard.press("Enter")
    await expect(page).to_have_title(title("Your requests"))
    await assert_accessible(page)
