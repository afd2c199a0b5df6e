"""An editor's first day in a real browser: write, preview, schedule and publish an article.

Playwright drives Debian's Chromium through the admin on the live server (dateline/
conftest.py); the demo newsroom is loaded, and "editor" is signed in.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HEADLINE = "Ceasefire Talks Resume in Doha"
SLUG = "ceasefire-talks-resume-in-doha"
BODY = "Negotiators met again on Tuesday, officials said."


def failed_requests(tab: Page) -> list[str]:
    """Every answer of 400 or more the tab receives from now on (autosave included)."""
    failures: list[str] = []
    tab.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
    return failures


def expect_preview_headline(tab: Page) -> None:
    preview = tab.frame_locator("#w-preview-iframe")
    expect(preview.locator("h1#headline")).to_have_text(HEADLINE)
    # A date readers will see, never-published or not: the preview's moment or go-live.
    expect(preview.locator(".meta time").first).to_have_attribute("datetime", re.compile(r"^20"))


def test_a_new_articles_first_day_write_preview_schedule_publish(
    editor_tab, live_server, browser, new_tab
):
    from django.utils import timezone

    from dateline.core.dates import iso_datetime
    from dateline.newsroom.actions import scheduled_pages_publish
    from dateline.newsroom.models import ArticlePage, SectionPage

    tab = editor_tab
    failures = failed_requests(tab)
    section = SectionPage.objects.get(title="Middle East News")
    tab.goto(f"{live_server.url}/admin/pages/add/newsroom/articlepage/{section.pk}/")

    # Only a headline and a body: the slug follows the headline as it is typed.
    tab.locator("#id_title").press_sequentially(HEADLINE)
    tab.locator(".public-DraftEditor-content").first.click()
    tab.keyboard.type(BODY)
    expect(tab.locator("#id_slug")).to_have_value(SLUG)

    # Previewed before it was ever saved.
    tab.get_by_role("button", name="Toggle preview").click()
    expect_preview_headline(tab)

    # Autosave may have made the page already (then this save updates it): either way the
    # first save succeeds, and no autosave was refused on the way (failures, below).
    tab.get_by_role("button", name="Save draft").click()
    saved = re.compile(rf"Page '{HEADLINE}' (created|has been updated)\.")
    expect(tab.get_by_role("status").get_by_text(saved)).to_be_visible()
    article = ArticlePage.objects.get(title=HEADLINE)
    assert (article.slug, article.live, article.first_published_at) == (SLUG, False, None)

    # Saved, never published: previewed again.
    tab.get_by_role("button", name="Toggle preview").click()
    expect_preview_headline(tab)

    # Scheduled a week ahead, in the time zone the dialog names.
    go_live = timezone.localtime() + timedelta(days=7)
    go_live = go_live.replace(second=0, microsecond=0)
    tab.get_by_role("button", name="Toggle status").click()
    tab.get_by_role("button", name="Set schedule").click()
    dialog = tab.locator("#schedule-publishing-dialog")
    expect(dialog.get_by_text("Time zone: UTC.").first).to_be_visible()
    go_live_input = dialog.locator("#id_go_live_at")
    go_live_input.click()
    calendar = dialog.locator(".xdsoft_datetimepicker").first
    expect(calendar).to_be_visible()
    go_live_input.fill(go_live.strftime("%Y-%m-%d %H:%M"))
    # The calendar is still open, clear of "Save schedule", which takes the click.
    expect(calendar).to_be_visible()
    save_schedule = dialog.get_by_role("button", name="Save schedule")
    expect(save_schedule).to_be_in_viewport()
    picker, button = calendar.bounding_box(), save_schedule.bounding_box()
    assert picker and button and picker["y"] + picker["height"] < button["y"]
    save_schedule.click(timeout=5000)
    # Saved in place: the status panel says when, in which time zone.
    when = f"{go_live.day} {go_live:%b %Y %H:%M} UTC"
    status = tab.get_by_role("complementary", name="Status")
    expect(status.get_by_text(f"Go-live: {when}")).to_be_visible()
    # Saved in place (autosave) the dialog stays open: closing it keeps the saved schedule.
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The scheduled draft's preview is dated when it goes live.
    tab.get_by_role("button", name="Toggle preview").click()
    preview = tab.frame_locator("#w-preview-iframe")
    expect(preview.locator(".meta time").first).to_have_attribute("datetime", iso_datetime(go_live))

    tab.get_by_role("button", name="More actions").click()
    # Wagtail relabels "Publish" as "Schedule to publish" on the next full load of the page.
    tab.get_by_role("button", name=re.compile(r"^(Schedule to publish|Publish)$")).click()
    expect(tab.get_by_text(f"Page '{HEADLINE}' has been scheduled for publishing.")).to_be_visible()
    tab.goto(f"{live_server.url}/admin/pages/{section.pk}/")
    row = tab.get_by_role("row").filter(has_text=HEADLINE)
    expect(row.get_by_text(f"scheduled for {when}", exact=False)).to_be_visible()

    # Not out before its time; out at its time (the worker runs when the clock says so).
    reader = new_tab(browser)
    address = f"{live_server.url}/middle-east-news/{SLUG}/"
    assert reader.goto(address).status == 404
    with time_machine.travel(go_live + timedelta(minutes=1)):
        assert scheduled_pages_publish() == 1
    response = reader.goto(address)
    assert response.status == 200
    expect(reader.locator("h1#headline")).to_have_text(HEADLINE)
    expect(reader.get_by_text(BODY)).to_be_visible()
    expect(reader.locator(".meta time").first).to_have_attribute(
        "datetime", iso_datetime(go_live + timedelta(minutes=1))
    )
    assert failures == []


def test_a_refused_slug_is_shown_under_the_headline_and_flags_the_promote_tab(
    editor_tab, live_server
):
    from dateline.newsroom.models import ArticlePage, SectionPage

    tab = editor_tab
    section = SectionPage.objects.get(title="Middle East News")
    tab.goto(f"{live_server.url}/admin/pages/add/newsroom/articlepage/{section.pk}/")
    # "feed" is the address of the section's feed: the slug made from it is refused.
    tab.locator("#id_title").press_sequentially("Feed")
    tab.locator(".public-DraftEditor-content").first.click()
    tab.keyboard.type(BODY)
    tab.get_by_role("button", name="Save draft").click()

    headline_field = tab.locator("[data-field-wrapper]").filter(has=tab.locator("#id_title"))
    headline_error = headline_field.locator("[data-field-errors]")
    expect(headline_error).to_contain_text("the slug, on the Promote tab")
    expect(headline_error).to_be_visible()
    promote = tab.get_by_role("tab", name=re.compile("Promote"))
    expect(promote).to_contain_text("1")
    promote.click()
    slug_field = tab.locator("[data-field-wrapper]").filter(has=tab.locator("#id_slug"))
    slug_error = slug_field.locator("[data-field-errors]")
    expect(slug_error).to_contain_text("“feed” is the address of the section’s feed.")
    expect(slug_error).to_be_visible()
    # What was typed is all still there; nothing was saved.
    expect(tab.locator("#id_title")).to_have_value("Feed")
    assert not ArticlePage.objects.filter(title="Feed").exists()


def test_a_new_authors_slug_follows_the_name_and_stays_editable(editor_tab, live_server):
    from dateline.newsroom.models import Author

    tab = editor_tab
    tab.goto(f"{live_server.url}/admin/snippets/newsroom/author/add/")
    tab.locator("#id_name").press_sequentially("Layla Hassan")
    expect(tab.locator("#id_slug")).to_have_value("layla-hassan")
    # Edited by hand, the slug no longer follows the name.
    tab.locator("#id_slug").fill("layla")
    tab.locator("#id_name").press("End")
    tab.locator("#id_name").press_sequentially(" Omar")
    expect(tab.locator("#id_slug")).to_have_value("layla")
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_text("Author 'Layla Hassan Omar' created.")).to_be_visible()
    assert Author.objects.get(name="Layla Hassan Omar").slug == "layla"
