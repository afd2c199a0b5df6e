"""The reference article in a real browser: Playwright driving Debian's Chromium.

The demo site is loaded in a transactional test so that its rows are committed and visible
to pytest-django's live server thread.
"""

import re

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from dateline.testing.browser import wait_until

pytestmark = pytest.mark.browser

HEADLINE = "U.S. Gains Support From World Powers VS ISIS"
SECTION = "Middle East News"
BODY_EXCERPT = "an anonymous senior State Department official said"
SOURCES = ["Reuters", "The Guardian", "The Washington Post"]


@pytest.fixture
def tab(browser: Browser, new_tab) -> Page:
    return new_tab(browser)


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"GET {url} answered {response.status}"
    expect(page.locator("h1#headline")).to_have_text(HEADLINE)


def _follow_comment_and_top_links(page: Page) -> None:
    comments = page.locator("section#comments")
    masthead = page.locator("header#top")
    assert page.evaluate("window.scrollY") == 0
    expect(comments).not_to_be_in_viewport()

    page.get_by_role("link", name="Click to comment", exact=True).click()
    expect(page).to_have_url(re.compile(r"#comments$"))
    expect(comments).to_be_in_viewport()
    wait_until(page, "window.scrollY > 0")

    page.get_by_role("link", name="To Top", exact=True).click()
    expect(page).to_have_url(re.compile(r"#top$"))
    wait_until(page, "window.scrollY === 0")
    expect(masthead).to_be_in_viewport()


def test_article_click_to_comment_and_to_top(tab: Page, article_url: str) -> None:
    _open(tab, article_url)
    assert tab.locator("h1#headline").text_content().strip() == HEADLINE
    expect(tab.locator(".section-label a")).to_have_text(SECTION)
    expect(tab.locator(".body p").first).to_be_visible()
    expect(tab.locator(".body")).to_contain_text(BODY_EXCERPT)
    sources = tab.get_by_role("complementary", name="Sources").get_by_role("listitem")
    for name in SOURCES:
        expect(sources.filter(has_text=name)).to_have_count(1)

    _follow_comment_and_top_links(tab)


def test_skip_link_is_first_focus_and_moves_to_main(tab: Page, article_url: str) -> None:
    _open(tab, article_url)
    skip_link = tab.get_by_role("link", name="Skip to content", exact=True)

    tab.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    expect(skip_link).to_be_in_viewport()
    box = skip_link.bounding_box()
    assert box is not None
    assert box["x"] >= 0, f"the focused skip link is off-screen at x={box['x']}"

    tab.keyboard.press("Enter")
    expect(tab).to_have_url(re.compile(r"#main$"))
    expect(tab.locator("main#main")).to_be_in_viewport()


def test_article_works_without_javascript(browser: Browser, article_url: str, new_tab) -> None:
    tab = new_tab(browser, java_script_enabled=False)
    _open(tab, article_url)
    _follow_comment_and_top_links(tab)


def test_page_has_no_console_errors_and_no_external_requests(
    tab: Page, article_url: str, live_server
) -> None:
    console_errors: list[str] = []
    page_errors: list[str] = []
    requests: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"{message.text} ({message.location['url']})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: page_errors.append(str(error)))
    tab.on("request", lambda request: requests.append(request.url))

    _open(tab, article_url)
    tab.wait_for_load_state("networkidle")

    assert article_url in requests
    assert any("/static/css/site.css" in url for url in requests), requests
    assert console_errors == []
    assert page_errors == []
    origin = live_server.url + "/"
    external = [url for url in requests if not url.startswith(origin)]
    assert external == [], f"requests leaving {origin}: {external}"
