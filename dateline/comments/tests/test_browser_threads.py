"""Deep threads on a phone, in a real browser (Playwright + Chromium, 390 px wide)."""

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

LEVELS = 10


@pytest.fixture
def deep_thread(article_url):
    """The demo article with a thread of replies LEVELS deep, published at once."""
    from dateline.comments import actions
    from dateline.comments.models import CommentSettings
    from dateline.newsroom.models import ArticlePage

    for row in CommentSettings.objects.all():  # saved, so the cached copy is dropped
        row.moderation, row.hold_links, row.max_depth = "immediate", False, LEVELS
        row.save()
    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
    parent_id = None
    for level in range(1, LEVELS + 1):
        body = f"Level {level}: a thought that takes a whole line to say, or more than one."
        if level == LEVELS:  # and a word that a narrow column cannot break by itself
            body += " https://example.com/" + "long-path-segment-" * 6
        parent_id = actions.comment_post(
            article=article,
            name=f"Reader {level}",
            email=f"reader{level}@example.com",
            body=body,
            parent_id=parent_id,
        ).comment.pk
    return article_url, parent_id


def test_a_reply_ten_levels_deep_stays_readable_on_a_phone(browser: Browser, deep_thread, new_tab):
    url, deepest_id = deep_thread
    tab = new_tab(browser)  # 390 px wide
    tab.goto(url)
    deepest = tab.locator(f"#comment-{deepest_id} > .comment-card")
    expect(deepest).to_contain_text(f"Level {LEVELS}:")
    # The indent stops after a few levels; a deeper reply says whom it answers.
    assert deepest.bounding_box()["width"] >= 250
    expect(deepest.locator(".in-reply-to")).to_contain_text(f"in reply to Reader {LEVELS - 1}")
    scroll_width, client_width = tab.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, "the page scrolls sideways"
