"""Settings -> Newsroom in Chromium: the accent colour previewed before it is saved and shown
to readers once saved (their cached page purged), a low-contrast colour refused with its
ratio, a header menu link in readers' navigation; and the admin as the newsroom's own, which
asks no other host for anything."""

import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from dateline.newsroom import design

pytestmark = pytest.mark.browser

DEFAULT_ACCENT_RGB = "rgb(164, 22, 26)"  # design.DEFAULT_ACCENT
NEW_ACCENT = "#1d4f91"
NEW_ACCENT_RGB = "rgb(29, 79, 145)"


def settings_page(tab: Page, base_url: str) -> None:
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    tab.goto(f"{base_url}/admin/settings/newsroom/newsroomsettings/{site.pk}/")
    expect(tab.locator("#id_accent_colour")).to_be_visible()


def cached_front_page(base_url: str) -> None:
    """Have the page cache keep the front page (the first renders make the site's settings
    rows, whose saves purge it)."""
    for _ in range(5):
        with urllib.request.urlopen(base_url + "/") as response:
            if response.headers["X-Cache"] == "HIT":
                return
    pytest.fail("the front page was never served from the cache")


def front_page_as_a_reader(browser: Browser, new_tab, base_url: str) -> tuple[Page, str]:
    """A reader's first look at the front page (a tab of its own: nothing in its browser's
    cache), and whether the page cache answered it."""
    reader = new_tab(browser)
    response = reader.goto(base_url + "/")
    assert response is not None and response.ok
    return reader, response.headers["x-cache"]


def test_an_accent_colour_is_previewed_before_it_is_saved_then_readers_see_it(
    browser: Browser, new_tab, editor_tab: Page, live_server
) -> None:
    base = live_server.url
    cached_front_page(base)
    reader, _ = front_page_as_a_reader(browser, new_tab, base)
    expect(reader.locator(".masthead")).to_have_css("border-top-color", DEFAULT_ACCENT_RGB)

    settings_page(editor_tab, base)
    editor_tab.locator("#id_accent_colour").fill(NEW_ACCENT)
    editor_tab.get_by_role("button", name="Toggle preview").click()
    preview = editor_tab.frame_locator("#w-preview-iframe")
    expect(preview.locator(".masthead")).to_have_css("border-top-color", NEW_ACCENT_RGB)
    expect(preview.locator(".site-name")).to_have_text("Dateline")

    # Not saved: readers still get the cached page in the old colour.
    reader, x_cache = front_page_as_a_reader(browser, new_tab, base)
    assert x_cache == "HIT"
    expect(reader.locator(".masthead")).to_have_css("border-top-color", DEFAULT_ACCENT_RGB)

    editor_tab.get_by_role("button", name="Save", exact=True).click()
    expect(editor_tab.locator(".messages .success")).to_contain_text("updated")
    reader, x_cache = front_page_as_a_reader(browser, new_tab, base)
    assert x_cache == "MISS"  # purged by the save
    expect(reader.locator(".masthead")).to_have_css("border-top-color", NEW_ACCENT_RGB)
    expect(reader.get_by_role("button", name="Search")).to_have_css(
        "background-color", NEW_ACCENT_RGB
    )


def test_a_low_contrast_accent_colour_is_refused_with_its_ratio(
    editor_tab: Page, live_server
) -> None:
    from dateline.newsroom.models import NewsroomSettings

    settings_page(editor_tab, live_server.url)
    editor_tab.locator("#id_tagline").fill("News that keeps its word")
    editor_tab.locator("#id_accent_colour").fill("#ffcc00")
    editor_tab.get_by_role("button", name="Save", exact=True).click()

    ratio = design.shown_ratio(design.contrast_ratio("#ffcc00", "#ffffff"))
    error = editor_tab.get_by_text(f"#ffcc00 has a contrast ratio of {ratio}")
    expect(error).to_be_visible()
    assert "4.5:1" in error.inner_text()
    # Nothing typed is lost, nothing is saved.
    expect(editor_tab.locator("#id_tagline")).to_have_value("News that keeps its word")
    expect(editor_tab.locator("#id_accent_colour")).to_have_value("#ffcc00")
    assert NewsroomSettings.objects.get().accent_colour == design.DEFAULT_ACCENT


def test_a_header_menu_link_replaces_the_sections_in_readers_navigation(
    browser: Browser, new_tab, editor_tab: Page, live_server
) -> None:
    base = live_server.url
    cached_front_page(base)
    reader, _ = front_page_as_a_reader(browser, new_tab, base)
    nav = reader.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Middle East News")).to_be_visible()

    settings_page(editor_tab, base)
    editor_tab.locator("#id_header_menu_items-ADD").click()
    editor_tab.locator("#id_header_menu_items-0-link_url").fill("/archive/")
    editor_tab.locator("#id_header_menu_items-0-label").fill("Every story")
    editor_tab.get_by_role("button", name="Save", exact=True).click()
    expect(editor_tab.locator(".messages .success")).to_contain_text("updated")

    reader, x_cache = front_page_as_a_reader(browser, new_tab, base)
    assert x_cache == "MISS"
    nav = reader.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link")).to_have_text(["Every story"])
    nav.get_by_role("link", name="Every story").click()
    expect(reader).to_have_url(base + "/archive/")


def test_the_admin_is_the_newsrooms_own_and_asks_no_other_host(
    browser: Browser, article_url: str, live_server, django_user_model
) -> None:
    from dateline.newsroom.models import NewsroomSettings

    base = live_server.url
    name = NewsroomSettings.objects.get().name
    django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-passphrase")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    tab = context.new_page()

    tab.goto(base + "/admin/login/")
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Sign in to {name}")
    expect(tab).to_have_title(f"Sign in - {name}")
    logo = tab.locator(".login-logo img")
    expect(logo).to_have_attribute("alt", name)
    assert logo.evaluate("image => image.complete && image.naturalWidth") > 0
    expect(tab.get_by_text("Wagtail", exact=False)).to_have_count(0)

    tab.get_by_label("Username").fill("chief")
    tab.get_by_label("Password").fill("a-long-passphrase")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(base + "/admin/")
    expect(tab.get_by_role("heading", level=1)).to_have_text(name)
    sidebar_logo = tab.locator(".sidebar-custom-branding img")
    expect(sidebar_logo).to_have_attribute("alt", name)
    assert sidebar_logo.evaluate("image => image.complete && image.naturalWidth") > 0

    tab.goto(base + "/admin/account/")
    # No Gravatar: the picture is the admin's own until the editor uploads one.
    avatar = tab.locator('img[src*="avatar"]').first
    expect(avatar).to_be_visible()
    assert avatar.evaluate("image => image.src").startswith(base + "/static/")
    tab.goto(base + "/admin/pages/")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()

    assert asked
    elsewhere = [url for url in asked if not url.startswith((base + "/", "data:", "blob:"))]
    assert elsewhere == []
