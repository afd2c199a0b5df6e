"""Commenting on the cached reference article in a real browser (Playwright + Chromium)."""

import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def commenting(article_url, settings):
    """The demo article, comments published at once, and a server-side cache already warm."""
    from dateline.comments import actions
    from dateline.comments.models import CommentSettings
    from dateline.newsroom.models import ArticlePage

    settings.COMMENTS_MIN_FILL_SECONDS = 0  # Playwright types faster than people
    for row in CommentSettings.objects.all():  # saved, so the cached copy is dropped
        row.moderation, row.hold_links = "immediate", False
        row.save()
    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
    first = actions.comment_post(
        article=article, name="Layla", email="layla@example.com", body="Who pays for this?"
    ).comment
    for _ in range(2):
        with urllib.request.urlopen(article_url) as response:
            cache_status = response.headers["X-Cache"]
    assert cache_status == "HIT"
    return article_url, first


def write(page: Page, *, name: str, email: str, body: str) -> None:
    form = page.locator("form[data-comment-form]")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email", exact=False).first.fill(email)
    form.get_by_label("Comment", exact=True).fill(body)


def test_post_reply_and_edit_in_place_on_the_cached_page(browser: Browser, commenting, new_tab):
    url, first = commenting
    tab = new_tab(browser)
    response = tab.goto(url)
    assert response.headers["x-cache"] == "HIT"
    tab.evaluate("window.notReloaded = true")

    write(tab, name="Omar", email="omar@example.com", body="The coalition needs *ground* forces.")
    tab.get_by_role("button", name="Post comment").click()
    expect(tab.locator(".comment-status")).to_have_text("Thank you: your comment is published.")
    mine = tab.locator(".comment-own").filter(has_text="ground forces")
    expect(mine.locator("em")).to_have_text("ground")
    expect(mine.get_by_role("link", name="Reply")).to_be_visible()
    expect(tab.locator("form[data-comment-form] textarea")).to_have_value("")

    layla = tab.locator(f"#comment-{first.pk}")
    layla.get_by_role("link", name="Reply").click()
    expect(tab.locator("[data-replying-to]")).to_contain_text("Replying to Layla")
    write(tab, name="Omar", email="omar@example.com", body="The taxpayers, as ever.")
    tab.get_by_role("button", name="Post comment").click()
    reply = layla.locator(".comment-replies .comment-own")
    expect(reply).to_contain_text("The taxpayers, as ever.")
    expect(reply.locator(".in-reply-to")).to_contain_text("in reply to Layla")

    mine.get_by_role("button", name="Edit").click()
    editor = mine.locator("form.edit-form textarea")
    expect(editor).to_have_value("The coalition needs *ground* forces.")
    editor.fill("The coalition needs **local** ground forces.")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator("strong")).to_have_text("local")
    assert tab.evaluate("window.notReloaded") is True

    tab.reload()
    own = tab.locator(".comment-own, [data-comment]").filter(has_text="local ground forces")
    expect(own.get_by_role("button", name="Edit")).to_be_visible()
    stranger = new_tab(browser)
    stranger.goto(url)
    expect(stranger.get_by_text("local ground forces")).to_be_visible()
    expect(stranger.get_by_role("button", name="Edit")).to_have_count(0)


def test_a_held_comment_is_shown_to_its_author_only(browser: Browser, commenting, new_tab):
    from dateline.comments.models import CommentSettings

    url, _ = commenting
    for row in CommentSettings.objects.all():  # saved, so the cached copy is dropped
        row.moderation = "everyone"
        row.save()
    tab = new_tab(browser)
    tab.goto(url)
    write(tab, name="Sam", email="sam@example.com", body="Pending thoughts.")
    tab.get_by_role("button", name="Post comment").click()
    expect(tab.locator(".comment-status")).to_contain_text("awaiting moderation")
    tab.reload()
    pending = tab.locator(".comment-is-pending")
    expect(pending).to_contain_text("Pending thoughts.")
    expect(pending).to_contain_text("Awaiting moderation")
    stranger = new_tab(browser)
    stranger.goto(url)
    expect(stranger.get_by_text("Pending thoughts.")).to_have_count(0)


def test_errors_keep_the_text_in_the_form(browser: Browser, commenting, new_tab):
    url, _ = commenting
    tab = new_tab(browser)
    tab.goto(url)
    write(tab, name="Sam", email="not-an-address", body="Words I do not want to lose.")
    tab.get_by_role("button", name="Post comment").click()
    email = tab.locator("#comment-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(tab.locator("#comment-email-error")).to_contain_text("Enter an email address")
    expect(tab.locator("#comment-body")).to_have_value("Words I do not want to lose.")


def test_posting_without_javascript(browser: Browser, commenting, new_tab):
    url, _ = commenting
    tab = new_tab(browser, java_script_enabled=False)
    tab.goto(url)
    write(tab, name="Noor", email="noor@example.com", body="Plain HTML still works.")
    tab.get_by_role("button", name="Post comment").click()
    expect(tab.get_by_role("status")).to_contain_text("your comment is published")
    tab.get_by_role("link", name="Back to the article").click()
    expect(tab.get_by_text("Plain HTML still works.")).to_be_visible()
