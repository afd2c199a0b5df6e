"""A newsletter issue on its one page, in Chromium: composed, previewed, tested, then sent
after a confirmation that names how many readers it goes to (and cancelling sends nothing)."""

import re

import pytest
from playwright.sync_api import Page, expect

from dateline.newsletter.models import Campaign, Delivery, Newsletter

from .conftest import subscribe

pytestmark = pytest.mark.browser

HEADLINE = "U.S. Gains Support From World Powers VS ISIS"


@pytest.fixture
def readers(article_url):
    """Three confirmed readers of the demo's "Middle East News", and one not yet confirmed."""
    newsletter = Newsletter.objects.get(slug="middle-east-news")
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletter)
    subscribe("pending@example.com", newsletter, status="pending")
    return newsletter


def compose(tab: Page, base: str) -> None:
    tab.goto(f"{base}/admin/mailing-list/sends/")
    tab.get_by_role("link", name="New issue").click()
    expect(tab.get_by_role("heading", name="1. Compose")).to_be_visible()
    tab.get_by_role("combobox", name=re.compile("^Newsletter")).select_option(
        label="Middle East News"
    )
    tab.get_by_role("textbox", name=re.compile("^Subject")).fill("Coalition week")
    tab.get_by_role("textbox", name=re.compile("^Intro")).fill(
        "Good morning.\n\nThe coalition grows."
    )
    tab.get_by_role("button", name=re.compile("Choose a page")).first.click()
    chooser = tab.get_by_role("dialog")
    chooser.get_by_role("textbox", name=re.compile("Search")).fill("ISIS")
    chooser.get_by_role("link", name=HEADLINE).click()
    expect(chooser).to_be_hidden()
    expect(tab.get_by_text(HEADLINE).first).to_be_visible()
    tab.get_by_role("button", name="Save draft").click()


def test_an_issue_is_composed_previewed_tested_and_sent_from_one_page(
    editor_tab: Page, live_server, readers, smtp_server, run_worker
):
    tab = editor_tab
    compose(tab, live_server.url)
    expect(tab.get_by_text("Draft “Coalition week” saved")).to_be_visible()
    campaign = Campaign.objects.get(subject="Coalition week")
    expect(tab).to_have_url(re.compile(rf"/admin/newsletter_issues/edit/{campaign.pk}/#preview$"))
    expect(tab.locator("[data-issue-status]")).to_contain_text("Status: Draft")

    # 2. The preview, as HTML and as text, of what was saved.
    html = tab.frame_locator('iframe[title="The email as HTML"]')
    expect(html.get_by_role("link", name=HEADLINE)).to_be_visible()
    expect(html.get_by_text("The coalition grows.")).to_be_visible()
    expect(tab.locator("[data-preview-text]")).to_contain_text("The coalition grows.")
    expect(tab.locator("[data-preview-text]")).to_contain_text(HEADLINE)
    # No delivery figures before a send has started.
    expect(tab.locator("#send-progress")).to_have_count(0)

    # 3. A test, to the editor's own address (filled in), with its result beside the form.
    expect(tab.get_by_label("Send a test to")).to_have_value("editor@example.com")
    tab.get_by_role("button", name="Send a test").click()
    expect(tab.get_by_role("status").filter(has_text="A test went to")).to_contain_text(
        "A test went to editor@example.com."
    )
    assert smtp_server.recipients() == ["editor@example.com"]
    assert smtp_server.received()[0]["Subject"] == "[Test] Coalition week"

    # 4. Send now asks first, with the count; cancelling sends nothing.
    tab.get_by_role("button", name="Send now…").click()
    expect(
        tab.get_by_role("heading", name="Send to 3 subscribers of Middle East News?")
    ).to_be_visible()
    tab.get_by_role("link", name="Cancel").click()
    expect(tab.locator("[data-issue-status]")).to_contain_text("Status: Draft")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and not Delivery.objects.exists()

    tab.get_by_role("button", name="Send now…").click()
    tab.get_by_role("button", name="Yes, send it to 3 subscribers").click()
    expect(tab.get_by_text("Sending has started.")).to_be_visible()
    expect(tab.locator("[data-issue-status]")).to_contain_text("Status: Sending since")
    expect(tab.locator("#send-progress")).to_be_visible()

    run_worker()
    tab.reload()
    expect(tab.locator("[data-issue-status]")).to_contain_text("Status: Sent on")
    expect(tab.locator('[data-field="sent"]')).to_have_text("3")
    assert sorted(smtp_server.recipients()[1:]) == [f"reader{i}@example.com" for i in range(3)]
