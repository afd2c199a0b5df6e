"""The moderation desk in a real browser: one click per comment, the waiting count, bans."""

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

QUEUE = "/admin/comments/"


@pytest.fixture
def waiting(article_url, live_server):
    """Comments held for review on the demo article: three readers, a spammer writing
    from two addresses, an innocent reader behind the spammer's IP and one on IPv6."""
    from dateline.comments import actions
    from dateline.comments.models import CommentSettings
    from dateline.newsroom.models import ArticlePage

    for row in CommentSettings.objects.all():  # saved, so the cached copy is dropped
        row.moderation = "everyone"
        row.save()
    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")

    def held(name, email, ip, body):
        return actions.comment_post(article=article, name=name, email=email, ip=ip, body=body)

    return {
        "layla": held("Layla", "layla@example.com", "192.0.2.1", "Who pays for this?"),
        "omar": held("Omar", "omar@example.com", "192.0.2.2", "An off-topic rant."),
        "bot": held("Cheap Pills", "pills@example.com", "192.0.2.3", "Buy pills online"),
        "spam": held("Deals", "deals@example.net", "198.51.100.7", "Deals at example.net"),
        "again": held("Deals", "deals@example.net", "203.0.113.9", "More deals"),
        "neighbour": held("Sam", "sam@example.org", "198.51.100.7", "Same café Wi-Fi"),
        "ipv6": held("Flood", "flood@example.com", "2001:db8:5:1::9", "Flood one"),
    }


def badge(tab: Page):
    return tab.locator("#wagtail-sidebar a[data-comments-pending]")


def row(tab: Page, name: str):
    return tab.locator("tr[data-comment]").filter(has_text=name)


def status_of(posted) -> str:
    posted.comment.refresh_from_db()
    return posted.comment.status


def test_one_click_moderation_the_badge_and_bans(editor_tab: Page, live_server, waiting):
    tab = editor_tab
    tab.goto(live_server.url + "/admin/")
    expect(badge(tab)).to_have_attribute("data-comments-pending", "7")
    expect(badge(tab)).to_have_accessible_name("Comments (7 comments waiting)")
    shown = badge(tab).evaluate("link => getComputedStyle(link, '::after').content")
    assert "7" in shown
    tab.locator("main").get_by_role("link", name="7 comments waiting").click()
    expect(tab).to_have_url(live_server.url + QUEUE + "?status=pending")
    tab.evaluate("window.notReloaded = true")

    # One click on a row, no box to tick; the page stays, the counts go down.
    row(tab, "Who pays").get_by_role("button", name="Approve the comment by Layla").click()
    expect(row(tab, "Who pays").locator("[data-row-outcome]")).to_have_text("Approved")
    expect(badge(tab)).to_have_attribute("data-comments-pending", "6")
    row(tab, "off-topic").get_by_role("button", name="Reject the comment by Omar").click()
    expect(row(tab, "off-topic").locator("[data-row-outcome]")).to_have_text("Rejected")
    row(tab, "Buy pills").get_by_role(
        "button", name="Mark the comment by Cheap Pills as spam"
    ).click()
    expect(row(tab, "Buy pills").locator("[data-row-outcome]")).to_have_text("Spam")
    expect(badge(tab)).to_have_attribute("data-comments-pending", "4")
    expect(tab.locator("[data-queue-count=pending]")).to_have_text("4")
    expect(badge(tab)).to_have_accessible_name("Comments (4 comments waiting)")
    assert tab.evaluate("window.notReloaded") is True
    assert [status_of(waiting[k]) for k in ("layla", "omar", "bot")] == [
        "approved",
        "rejected",
        "spam",
    ]
    tab.reload()
    expect(badge(tab)).to_have_attribute("data-comments-pending", "4")
    expect(tab.get_by_text("Who pays for this?")).to_have_count(0)

    # Filter by the headline, as typed, rather than by a number.
    tab.get_by_label("Article", exact=True).fill("world powers")
    tab.get_by_role("button", name="Filter").click()
    expect(tab.locator("tr[data-comment]")).to_have_count(4)
    tab.get_by_label("Article", exact=True).fill("no such headline")
    tab.get_by_role("button", name="Filter").click()
    expect(tab.get_by_text("Nothing here.")).to_be_visible()

    # A permanent ban, from the spammer's comment: by address, not the IP they share.
    tab.goto(f"{live_server.url}{QUEUE}{waiting['spam'].comment.pk}/")
    commenter = tab.locator("section").filter(has_text="This commenter")
    expect(commenter).to_contain_text("More deals")
    expect(commenter).not_to_contain_text("Same café Wi-Fi")
    ban = tab.locator("form#ban")
    expect(ban.get_by_label("Their email address")).to_be_checked()
    ban.get_by_label("Duration").select_option(label="For good")
    ban.get_by_label("Reason").fill("Spam run")
    ban.get_by_role("button", name="Ban").click()
    expect(tab.get_by_text("Banned. Their pending comments were rejected.")).to_be_visible()
    expect(commenter).to_contain_text("for good: Spam run")
    assert status_of(waiting["again"]) == "rejected"
    assert status_of(waiting["neighbour"]) == "pending"
    expect(badge(tab)).to_have_attribute("data-comments-pending", "2")

    # A temporary one on a network: a prefix too wide is refused on its field, nothing lost.
    tab.goto(f"{live_server.url}{QUEUE}{waiting['ipv6'].comment.pk}/")
    ban = tab.locator("form#ban")
    ban.get_by_label("A network").check()
    ban.get_by_label("Network", exact=True).fill("2001:db8::/16")
    ban.get_by_label("Duration").select_option(label="30 days")
    ban.get_by_label("Reason").fill("Flooding the thread")
    ban.get_by_role("button", name="Ban").click()
    network = tab.locator("[data-field-wrapper]").filter(
        has=tab.get_by_label("Network", exact=True)
    )
    expect(network.locator(".error-message")).to_have_text(
        "A /16 is too wide to ban: at most /32 for IPv6."
    )
    expect(tab.locator(".error-message")).to_have_count(1)
    expect(tab.get_by_text("Nobody was banned: correct the ban form.")).to_be_visible()
    assert tab.url.endswith("/ban/#ban")
    expect(ban.get_by_label("Reason")).to_have_value("Flooding the thread")
    expect(ban.get_by_label("Duration")).to_have_value("30")
    ban.get_by_label("Network", exact=True).fill("2001:db8:5::/48")
    ban.get_by_role("button", name="Ban").click()
    expect(tab.get_by_text("Banned. Their pending comments were rejected.")).to_be_visible()
    expect(tab.locator("section").filter(has_text="This commenter")).to_contain_text("until")
    assert status_of(waiting["ipv6"]) == "rejected"
    expect(badge(tab)).to_have_attribute("data-comments-pending", "1")


def test_the_row_buttons_work_without_javascript(
    browser: Browser, editor_tab: Page, live_server, waiting
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    signed_in = editor_tab.context.cookies()
    context.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": live_server.url} for c in signed_in]
    )
    tab = context.new_page()
    tab.goto(live_server.url + QUEUE)
    row(tab, "Who pays").get_by_role("button", name="Approve the comment by Layla").click()
    expect(tab.get_by_text("Approved: the comment by Layla.")).to_be_visible()
    expect(tab.get_by_text("Who pays for this?")).to_have_count(0)
    assert status_of(waiting["layla"]) == "approved"
    assert status_of(waiting["omar"]) == "pending"
