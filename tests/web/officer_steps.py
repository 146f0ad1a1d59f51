"""What the officer does on the request pages, step by step, for the journeys that
take a request through them: fill in a date, the draft, an option, the recommendation."""

from __future__ import annotations

import re
from datetime import date

from playwright.async_api import Page, expect

from domain.request.draft import RequestDraft
from tests.web.axe import assert_accessible
from tests.web.browsing import title


async def fill_date(page: Page, prefix: str, day: date) -> None:
    """Type ``day`` into the three boxes of the GOV.UK date input ``prefix``."""
    await page.locator(f"#{prefix}-day").fill(str(day.day))
    await page.locator(f"#{prefix}-month").fill(str(day.month))
    await page.locator(f"#{prefix}-year").fill(str(day.year))


async def fill_in_the_rest(page: Page, draft: RequestDraft) -> None:
    """With the reference and the first cost line's quantity typed, fill in everything
    else of the one-off, one-line ``draft`` (a unit cost in whole pounds) and save it."""
    line = draft.cost_lines[0]
    await page.get_by_label("Title").fill(draft.title)
    await page.get_by_label("Purpose").fill(draft.purpose)
    await page.get_by_label("Background").fill(draft.background)
    await page.get_by_label("What it is").fill(line.description)
    await page.get_by_label("Cost of one").fill(str(line.unit_cost_pence // 100))
    await fill_date(page, "period-start", draft.period.start)
    await fill_date(page, "period-end", draft.period.end)
    await page.get_by_label("One-off").check()
    await page.locator("#procurement-needed").check()  # "No"
    plan = draft.evaluation_plan
    assert plan is not None
    await page.get_by_label("Measures").fill("\n".join(plan.measures))
    await fill_date(page, "report-due", plan.report_due)
    await page.get_by_role("button", name="Save draft").click()


async def draft_the_request(page: Page, draft: RequestDraft) -> None:
    """From the home page, draft ``draft`` through the form in one go."""
    await page.get_by_role("button", name="Start a new request").click()
    await expect(page).to_have_title(title("New request"))
    await page.get_by_label("Reference").fill(draft.reference)
    await page.get_by_label("How many").fill(str(draft.cost_lines[0].quantity))
    await fill_in_the_rest(page, draft)
    await expect(page).to_have_title(title(f"{draft.reference}: {draft.title}"))


async def add_option(
    page: Page, reference: str, source_label: str, conditions: tuple[str, ...]
) -> None:
    """Add an option for the request's whole cost and period from ``source_label``."""
    await page.get_by_role("button", name="Add a funding option").click()
    await expect(page).to_have_title(title(f"Add a funding option to {reference}"))
    await expect(page.get_by_label("Amount")).to_have_value("89604")
    await expect(page.locator("#period-start-year")).to_have_value("2018")
    await assert_accessible(page)
    await page.get_by_label(source_label, exact=True).check()
    await page.get_by_label("Conditions (optional)").fill("\n".join(conditions))
    await page.get_by_role("button", name="Add the option").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Funding option added"
    )


async def write_recommendation(page: Page, reference: str, text: str, choice: str) -> None:
    """Write the recommendation, naming the option labelled ``choice`` (or none)."""
    await page.get_by_role("button", name=re.compile("the recommendation")).click()
    await expect(page).to_have_title(title(f"The recommendation for {reference}"))
    await assert_accessible(page)
    await page.get_by_label("What is the forum asked to agree?").fill(text)
    await page.get_by_label(choice).check()
    await page.get_by_role("button", name="Save the recommendation").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recommendation saved"
    )
