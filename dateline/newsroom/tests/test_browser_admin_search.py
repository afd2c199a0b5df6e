"""An editor searches the admin in Chromium: the reference article by a source it cites,
then, from the same results, an author by a word of their bio."""

import pytest
from playwright.sync_api import Page, expect

from .factories import AuthorFactory

pytestmark = pytest.mark.browser
HEADLINE = "U.S. Gains Support From World Powers VS ISIS"


def test_the_sidebar_search_finds_an_article_by_its_source_and_offers_the_authors(
    editor_tab: Page, live_server, run_worker
):
    AuthorFactory(name="Layla Hassan", slug="layla-hassan", bio="Reports from Baghdad.")
    AuthorFactory(name="Omar Khalil", slug="omar-khalil", bio="Reports from Cairo.")
    run_worker()  # the search index is kept by the task worker, as with `make run`
    page = editor_tab
    page.goto(live_server.url + "/admin/")

    page.locator("#menu-search-q").fill("Reuters")
    page.locator("#menu-search-q").press("Enter")

    expect(page.get_by_role("alert")).to_have_text("There is one matching page")
    expect(page.get_by_role("link", name=HEADLINE)).to_be_visible()

    page.locator("#id_q").fill("Baghdad")
    page.locator("#id_q").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Sorry, no pages match Baghdad")
    page.get_by_role("navigation", name="Other searches").get_by_role(
        "link", name="Authors"
    ).click()

    expect(page).to_have_url(live_server.url + "/admin/snippets/newsroom/author/?q=Baghdad")
    expect(page.get_by_role("link", name="Layla Hassan")).to_be_visible()
    expect(page.get_by_role("link", name="Omar Khalil")).to_have_count(0)
