"""The request pages around the journey: who may change what, forged and token-less
forms, the home page's order and wording, and the officer's later actions.

Requests are set up through the clients layer (as the API or another officer would
leave them); what is checked is what the browser shows and what the workflow holds.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from clients.requests import FundingRequests
from devtools import seeds
from domain.people import Actor, Role
from domain.request.commands import SetRecommendation, SubmitDraft
from domain.request.draft import Recommendation
from domain.request.models import Stage
from tests.lifecycle.drive import draft_to_options, evaluated_request, new_reference
from tests.web.axe import assert_accessible
from tests.web.browsing import sign_in, status_of, title
from tests.web.conftest import CHAIR, OFFICER, SECOND_OFFICER, Site, schedule_meeting

pytestmark = pytest.mark.devserver_only

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SEAN = seeds.OFFICER
PRIYA = Actor(
    user_id=SECOND_OFFICER.user_id, name=SECOND_OFFICER.name, roles=frozenset({Role.officer})
)


def request_title(reference: str, draft_title: str = "Early Help Practitioners") -> str:
    """The request page's title."""
    return title(f"{reference}: {draft_title}")


async def csrf_token(page: Page) -> str:
    """The CSRF token in the page's forms (the sign-out form has one on every page)."""
    found = _CSRF.search(await page.content())
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


async def test_another_officer_can_read_a_request_but_not_change_it(site: Site, page: Page) -> None:
    """Priya reads Sean's request with no change offered; the edit page is a 403 saying
    only the author and co-authors may change it, and a forged submit (with her own
    valid CSRF token) is refused by the workflow's authorship rule, changing nothing."""
    reference = new_reference()
    await site.api.requests.create(seeds.middlesbrough_draft(reference), SEAN)
    await sign_in(page, site, SECOND_OFFICER)
    await expect(page.get_by_role("row", name=reference)).to_have_count(0)

    await page.goto(f"{site.url}/funding-requests/{reference}")
    await expect(page).to_have_title(request_title(reference))
    await expect(page.get_by_test_id("read-only")).to_contain_text("Only its author, Sean Hogg")
    await expect(page.get_by_role("link", name="Change")).to_have_count(0)
    await expect(page.locator("main form")).to_have_count(0)
    await assert_accessible(page)

    assert await status_of(page, f"{site.url}/funding-requests/{reference}/edit") == 403
    await expect(page).to_have_title(title(f"You cannot edit the draft of {reference}"))
    await expect(page.get_by_test_id("forbidden-reason")).to_contain_text(
        "Only its author and the co-authors they name can change"
    )
    await assert_accessible(page)

    forged = await page.request.post(
        f"{site.url}/funding-requests/{reference}/submit",
        form={"csrf_token": await csrf_token(page)},
    )
    assert forged.status == 403
    assert f"only its author ({SEAN.user_id})" in await forged.text()
    state = await site.api.requests.state(reference)
    assert state.stage is Stage.drafting
    assert [entry.transition for entry in state.audit] == ["create"]


async def test_a_form_without_its_csrf_token_changes_nothing(site: Site, page: Page) -> None:
    """The submit button's form sent without its token is refused with a page and the
    draft stays a draft; sent with it, the submission rule refuses a draft with no
    purpose, linking to it; a new request posted without a token starts no workflow."""
    reference = new_reference()
    draft = seeds.middlesbrough_draft(reference).model_copy(update={"purpose": ""})
    await site.api.requests.create(draft, SEAN)
    await sign_in(page, site)
    await page.goto(f"{site.url}/funding-requests/{reference}")
    await page.locator("form[action$='/submit'] input[name=csrf_token]").evaluate("e => e.remove()")
    await page.get_by_role("button", name="Submit the draft").click()
    await expect(page).to_have_title(title("The form could not be accepted"))
    await assert_accessible(page)
    assert (await site.api.requests.state(reference)).stage is Stage.drafting

    await page.goto(f"{site.url}/funding-requests/{reference}")
    await page.get_by_role("button", name="Submit the draft").click()
    refusal = page.locator(".govuk-error-summary").get_by_role("link")
    await expect(refusal).to_contain_text(f"Cannot submit {reference}: the draft has no purpose")
    await expect(refusal).to_have_attribute("href", "#purpose")
    await assert_accessible(page)
    assert (await site.api.requests.state(reference)).stage is Stage.drafting

    posted = await page.request.post(
        f"{site.url}/funding-requests/new",
        form={"reference": "SMF-NO-TOKEN", "title": "No token"},
    )
    assert posted.status == 403
    assert [listed.reference for listed in await site.api.requests.search()] == [reference]


async def test_actions_a_role_does_not_hold_are_403_pages_naming_the_role(
    site: Site, page: Page, other_device: Page
) -> None:
    """The chair cannot draft a request (the page says the officer role is needed), and
    an officer's forged tabling is refused by the workflow as needing the chair role."""
    reference = await draft_to_options(
        site.api.requests, seeds.middlesbrough_draft(new_reference())
    )
    await sign_in(other_device, site, CHAIR)
    await expect(other_device.get_by_role("link", name="New request")).to_have_count(0)
    assert await status_of(other_device, f"{site.url}/funding-requests/new") == 403
    await expect(other_device).to_have_title(title("You cannot draft a request"))
    await expect(other_device.get_by_test_id("forbidden-reason")).to_contain_text(
        "you need the officer role"
    )
    await assert_accessible(other_device)

    meeting = await schedule_meeting(site.api.meetings)
    await sign_in(page, site)
    await page.goto(f"{site.url}/funding-requests/{reference}")
    await expect(page.get_by_role("button", name="Table the request")).to_have_count(0)
    forged = await page.request.post(
        f"{site.url}/funding-requests/{reference}/table",
        form={"csrf_token": await csrf_token(page), "meeting": meeting.meeting_id},
    )
    assert forged.status == 403
    assert f"To table {reference} you need the chair role" in await forged.text()
    assert (await site.api.requests.state(reference)).stage is Stage.option_listing


async def test_home_lists_warnings_first_and_what_each_request_needs(
    site: Site, page: Page
) -> None:
    """Sean's requests, the one the procurement lead-in warning is about first, then by
    the soonest deadline, each saying what it needs from him; Priya's is not his."""
    requests = site.api.requests
    staffordshire = seeds.staffordshire_draft(
        new_reference().replace("SMF", "SSF"), author_id=SEAN.user_id
    )
    await requests.create(staffordshire, SEAN, scheduled_meetings=seeds.STAFFORDSHIRE_MEETINGS)
    no_options = new_reference()
    await requests.create(seeds.middlesbrough_draft(no_options), SEAN)
    await requests.submit(no_options, SubmitDraft(), SEAN)
    names_none = await draft_to_options(
        requests,
        seeds.middlesbrough_draft(new_reference()),
        (seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK),
    )
    await recommend(requests, names_none, ())
    evaluating = await evaluated_request(requests, report=False)
    priyas = new_reference()
    await requests.create(seeds.middlesbrough_draft(priyas, author_id=PRIYA.user_id), PRIYA)

    await sign_in(page, site)
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 of your requests cannot be decided in time"
    )
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The annual DSG decision on 1 October 2019 would be six months too late"
    )
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text(staffordshire.reference)
    await expect(rows.nth(0)).to_contain_text("the procurement lead-in cannot be met")
    await expect(rows.nth(1)).to_contain_text(evaluating)
    await expect(rows.nth(1)).to_contain_text("Evaluation report due 30 June 2019")
    await expect(rows.nth(1)).to_contain_text("5pm on 30 June 2019")
    await expect(page.get_by_role("row", name=no_options)).to_contain_text("Add a funding option")
    await expect(page.get_by_role("row", name=names_none)).to_contain_text(
        "The recommendation names no option"
    )
    await expect(page.get_by_role("row", name=priyas)).to_have_count(0)
    await assert_accessible(page)

    await page.get_by_role("link", name="All requests").click()
    await expect(page).to_have_title(title("All requests"))
    await expect(page.locator("tbody tr")).to_have_count(5)
    await assert_accessible(page)


async def recommend(requests: FundingRequests, reference: str, option_ids: tuple[str, ...]) -> None:
    """The officer's recommendation naming ``option_ids`` (none: seed 000's paper)."""
    written = Recommendation(text=seeds.MIDDLESBROUGH_RECOMMENDATION, option_ids=option_ids)
    await requests.submit(reference, SetRecommendation(recommendation=written), SEAN)


async def test_the_officer_reports_the_evaluation(site: Site, page: Page) -> None:
    """A funded request in evaluation takes the officer's report, one outcome per measure
    in its plan; a report without a recommendation is refused with the field named."""
    reference = await evaluated_request(site.api.requests, report=False)
    await sign_in(page, site)
    await page.get_by_role("link", name=reference).click()
    await page.get_by_role("button", name="Report the evaluation").click()
    await expect(page).to_have_title(title(f"Report the evaluation of {reference}"))
    await assert_accessible(page)
    await page.get_by_label("What did the money achieve?").fill(seeds.EVALUATION.summary)
    fieldset = page.get_by_role("group", name="Early help cases picked up in schools")
    await fieldset.get_by_label("Result").fill("707")
    await fieldset.get_by_label("Unit").fill("referrals")
    await page.get_by_role("button", name="Report the evaluation").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#recommendation")
    await expect(fieldset.get_by_label("Result")).to_have_value("707")
    await assert_accessible(page)
    assert (await site.api.requests.state(reference)).evaluation is None

    await page.get_by_label("Extend the work for another period").check()
    await page.get_by_role("button", name="Report the evaluation").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Evaluation reported"
    )
    state = await site.api.requests.state(reference)
    assert state.evaluation is not None
    assert state.evaluation.reported_by == OFFICER.user_id
    assert [(o.measure, o.value) for o in state.evaluation.outcomes] == [
        ("early help cases picked up in schools", 707)
    ]
    await expect(page.locator(".app-timeline__item").first).to_contain_text(
        "Not reported: 'outcomes for families'"
    )
    await page.get_by_role("link", name="Your requests").click()
    await expect(page.get_by_role("row", name=reference)).to_contain_text(
        "the chair decides whether to extend or close it"
    )


async def test_the_officer_removes_an_option_and_withdraws_with_a_reason(
    site: Site, page: Page
) -> None:
    """Removing a listed option takes it off; withdrawing asks why, refuses no reason,
    and the audit trail keeps the reason."""
    requests = site.api.requests
    reference = await draft_to_options(
        requests,
        seeds.middlesbrough_draft(new_reference()),
        (seeds.CENTRALLY_RETAINED, seeds.SCHOOLS_BLOCK),
    )
    await sign_in(page, site)
    await page.goto(f"{site.url}/funding-requests/{reference}")
    await page.get_by_role(
        "button", name="Remove the option from the DSG schools block, by de-delegation"
    ).click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Funding option removed"
    )
    await assert_accessible(page)
    state = await requests.state(reference)
    assert [option.option_id for option in state.options] == ["centrally-retained"]

    await page.get_by_role("link", name="Change title").click()
    await expect(page).to_have_title(title(f"Change {reference}"))
    await expect(page.get_by_label("How many")).to_have_value("4")
    await assert_accessible(page)
    await page.get_by_label("Title").fill("Early Help Practitioners, four posts")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Draft changed"
    )
    await expect(page.locator(".app-timeline__item").first).to_contain_text("changed: title")
    assert (await requests.state(reference)).draft.title == "Early Help Practitioners, four posts"

    await page.get_by_role("link", name="Withdraw this request").click()
    await page.get_by_role("button", name="Withdraw the request").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the request is withdrawn"
    )
    await assert_accessible(page)
    await page.get_by_label("Why is it withdrawn?").fill("The posts are funded by the county.")
    await page.get_by_role("button", name="Withdraw the request").click()
    await expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Request withdrawn"
    )
    await expect(page.locator(".app-timeline__item").first).to_contain_text(
        "Why: The posts are funded by the county."
    )
    await expect(
        page.get_by_text("There is nothing for you to do on this request now.")
    ).to_be_visible()
    await assert_accessible(page)
    assert (await requests.state(reference)).stage is Stage.withdrawn


async def test_a_refused_option_keeps_what_was_typed(site: Site, page: Page) -> None:
    """An option the domain refuses (another grant without its name) is shown with the
    domain's message against its field; the amount typed is kept and nothing is listed.
    An unknown reference is the "Page not found" page."""
    requests = site.api.requests
    reference = await draft_to_options(requests, seeds.middlesbrough_draft(new_reference()), ())
    await sign_in(page, site)
    await page.goto(f"{site.url}/funding-requests/{reference}/options/new")
    await page.get_by_role("radio", name="Another named grant").check()
    await page.get_by_label("Amount").fill("1,000.50")
    await page.get_by_role("button", name="Add the option").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link")).to_have_text(
        "An option funded from another grant must name the grant"
    )
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#source-detail")
    await expect(page.get_by_label("Amount")).to_have_value("1,000.50")
    await expect(page.get_by_role("radio", name="Another named grant")).to_be_checked()
    await assert_accessible(page)
    assert (await requests.state(reference)).options == ()

    assert await status_of(page, f"{site.url}/funding-requests/SMF-NOBODY") == 404
    await expect(page).to_have_title(title("Page not found"))
    assert await status_of(page, f"{site.url}/funding-requests/not-a-reference") == 404
