"""The "Keep In Touch" popup on the reference article, in Chromium."""

import pytest
from playwright.sync_api import Browser, Page, expect

from dateline.newsletter.models import MailingListSettings, Subscriber
from dateline.testing.browser import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def popup_article(article_url, settings):
    settings.NEWSLETTER_MIN_FILL_SECONDS = 0  # Playwright types faster than people
    for row in MailingListSettings.objects.all():  # saved, so the cached copy is dropped
        row.popup_delay_seconds, row.popup_read_percent = 1, 50
        row.save()
    return article_url


def read_down(tab: Page) -> None:
    tab.mouse.wheel(0, 3000)
    wait_until(tab, "window.scrollY > 0")


def test_popup_waits_for_reading_traps_focus_dismisses_and_remembers(
    browser: Browser, popup_article, new_tab
):
    tab = new_tab(browser)
    tab.goto(popup_article)
    dialog = tab.get_by_role("dialog", name="Hi - We Would Love To Keep In Touch")
    tab.wait_for_timeout(1500)
    expect(dialog).to_be_hidden()  # time is up, but the reader has not read on yet

    tab.get_by_role("link", name="Click to comment").focus()
    read_down(tab)
    expect(dialog).to_be_visible()
    for _ in range(6):
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.closest('dialog') !== null")
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert tab.evaluate("document.activeElement.textContent") == "Click to comment"

    tab.reload()
    read_down(tab)
    tab.wait_for_timeout(1500)
    expect(dialog).to_be_hidden()


def test_popup_closes_by_button_and_backdrop(browser: Browser, popup_article, new_tab):
    for close in ("button", "backdrop"):
        tab = new_tab(browser)
        tab.goto(popup_article)
        read_down(tab)
        dialog = tab.get_by_role("dialog")
        expect(dialog).to_be_visible()
        if close == "button":
            dialog.get_by_role("button", name="Close").click()
        else:
            tab.mouse.click(5, 5)
        expect(dialog).to_be_hidden()


def test_popup_signup(browser: Browser, popup_article, new_tab):
    tab = new_tab(browser)
    tab.goto(popup_article)
    read_down(tab)
    dialog = tab.get_by_role("dialog")
    dialog.get_by_label("Your email address").fill("popup@example.com")
    dialog.get_by_role("button", name="Join the mailing list").click()
    expect(dialog.get_by_role("status")).to_contain_text(
        "We don't want an impostor using your email address"
    )
    assert Subscriber.objects.get().email == "popup@example.com"
    tab.reload()
    read_down(tab)
    tab.wait_for_timeout(1500)
    expect(tab.get_by_role("dialog")).to_be_hidden()
