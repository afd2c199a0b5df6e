"""Where to write, in Chromium: the Articles listing and its filters, “New article” asking
for the section, and topics, sources and authors made without leaving the article."""

import re

import pytest
from playwright.sync_api import expect

from dateline.newsroom.models import ArticleByline, ArticlePage, Author, SectionPage, Topic

from .factories import AuthorFactory, make_section

pytestmark = pytest.mark.browser

DEMO_SLUG = "us-gains-support-from-world-powers-vs-isis"


@pytest.fixture
def newsroom(editor_tab):
    """The demo newsroom, with a second section and two bylines on its article."""
    article = ArticlePage.objects.get(slug=DEMO_SLUG)
    for author in (AuthorFactory(name="Layla Hassan"), AuthorFactory(name="Omar Khalil")):
        ArticleByline.objects.create(page=article, author=author)
    sport = make_section(title="Sport")
    return article, article.get_parent().specific, sport


def test_the_articles_listing_shows_every_article_and_filters_by_section(
    editor_tab, live_server, newsroom
) -> None:
    article, _, _ = newsroom
    tab = editor_tab
    tab.goto(live_server.url + "/admin/")

    tab.get_by_role("link", name="Articles", exact=True).click()

    expect(tab).to_have_url(live_server.url + "/admin/articles/")
    row = tab.locator("tbody tr", has=tab.get_by_role("link", name=article.title))
    expect(row).to_contain_text("Middle East News")
    expect(row).to_contain_text("Layla Hassan and Omar Khalil")
    expect(row).to_contain_text("live")

    tab.get_by_role("button", name="Show filters").click()
    tab.get_by_role("button", name="Section", exact=True).click()
    tab.get_by_label("Section").select_option(label="Sport")
    expect(tab.get_by_role("button", name="Section: Sport")).to_be_visible()
    expect(tab.get_by_role("link", name=article.title)).to_have_count(0)
    tab.get_by_label("Section").select_option(label="Middle East News")
    expect(tab.get_by_role("link", name=article.title)).to_be_visible()


def test_new_article_asks_for_the_section_and_opens_the_add_form_there(
    editor_tab, live_server, newsroom
) -> None:
    _, middle_east, sport = newsroom
    tab = editor_tab
    tab.goto(live_server.url + "/admin/articles/")

    actions = tab.get_by_role("navigation", name="Actions")
    actions.get_by_role("link", name="New article").click()
    tab.get_by_label("Section").select_option(label="Sport")
    tab.get_by_role("button", name="Write the article").click()

    expect(tab).to_have_url(f"{live_server.url}/admin/pages/add/newsroom/articlepage/{sport.pk}/")
    expect(tab.locator("#id_title")).to_be_visible()

    # A section's own page says what its buttons add.
    tab.goto(f"{live_server.url}/admin/pages/{middle_east.pk}/")
    expect(actions.get_by_role("link", name="Add an article or a subsection")).to_be_visible()
    actions.get_by_role("link", name="New article").click()
    expect(tab).to_have_url(
        f"{live_server.url}/admin/pages/add/newsroom/articlepage/{middle_east.pk}/"
    )


def test_topics_sources_and_authors_are_created_from_inside_the_editor(
    editor_tab, live_server, newsroom
) -> None:
    article, _, _ = newsroom
    tab = editor_tab
    tab.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")

    # A topic: typed, suggested if it exists, added as a new one if not.
    Topic.objects.create(name="Kurdistan", slug="kurdistan")
    topics = tab.locator("ul.tagit input")
    topics.press_sequentially("Kurd")
    expect(tab.locator(".ui-autocomplete").get_by_text("Kurdistan")).to_be_visible()
    topics.press_sequentially("ish Regional Government")
    # Nothing matches now: the suggestions close, and Enter adds the name as it is.
    expect(tab.locator(".ui-autocomplete")).to_be_hidden()
    topics.press("Enter")
    expect(tab.locator("ul.tagit")).to_contain_text("Kurdish Regional Government")

    # A source, from the citation's chooser.
    tab.get_by_role("button", name="Add citation").click()
    tab.get_by_role("button", name="Choose source").last.click()
    modal = tab.locator(".modal-dialog")
    modal.get_by_role("tab", name="New source").click()
    modal.get_by_label("Name").fill("Rudaw")
    modal.get_by_label("Kind").select_option(label="News outlet")
    modal.get_by_role("button", name="Add source").click()
    expect(modal).to_be_hidden()
    expect(tab.get_by_text("Rudaw (News outlet)")).to_be_visible()

    # An author, from the byline's chooser.
    tab.get_by_role("button", name="Add byline").click()
    tab.get_by_role("button", name="Choose author").last.click()
    modal.get_by_role("tab", name="New author").click()
    modal.get_by_label("Name").fill("Sara Ali")
    modal.get_by_label("Role").fill("Erbil correspondent")
    modal.get_by_role("button", name="Add author").click()
    expect(modal).to_be_hidden()
    expect(tab.get_by_text("Sara Ali", exact=True)).to_be_visible()

    tab.get_by_role("button", name="Save draft").click()
    expect(tab.get_by_text(re.compile("has been updated"))).to_be_visible()

    draft = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert "Kurdish Regional Government" in {topic.name for topic in draft.topics.all()}
    assert Topic.objects.get(name="Kurdish Regional Government").slug == (
        "kurdish-regional-government"
    )
    assert "Rudaw (News outlet)" in {str(citation.source) for citation in draft.citations.all()}
    sara = Author.objects.get(name="Sara Ali")
    assert (sara.slug, sara.role) == ("sara-ali", "Erbil correspondent")
    assert sara.pk in {byline.author_id for byline in draft.bylines.all()}
    assert SectionPage.objects.count() == 2
