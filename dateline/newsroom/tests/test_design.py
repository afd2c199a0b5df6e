"""The newsroom's design settings: accent colour (contrast-checked), type, header and footer
menus, sections' "Show in menus", their preview, the purge a save makes, and the admin's
branding (the newsroom's own name and logo, nothing loaded from elsewhere)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Site
from wagtail.test.utils.form_data import querydict_from_html

from dateline.newsroom import design
from dateline.newsroom.models import FooterMenuItem, HeaderMenuItem, NewsroomSettings

from .factories import make_section

pytestmark = pytest.mark.django_db

ARTICLE_URL = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
THEME_LINK = re.compile(r'<link rel="stylesheet" href="(/theme\.css\?[^"]+)">')


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "chief", "chief@example.com", "a-long-passphrase"
    )
    client.force_login(user)
    return client


def settings_url(site: Site) -> str:
    return reverse("wagtailsettings:edit", args=["newsroom", "newsroomsettings", site.pk])


def settings_form(client, site: Site):
    """The settings form as the admin shows it, ready to change and post."""
    response = client.get(settings_url(site))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="w-editor-form")


def anonymous_get(url: str):
    from django.test import Client

    return Client().get(url)


def nav_of(markup: str, label: str = "Sections") -> str:
    """The inside of the page's navigation of that name."""
    return markup.split(f'<nav aria-label="{label}">', 1)[1].split("</nav>", 1)[0].strip()


def theme_of(markup: str) -> str:
    """The theme stylesheet a page links, as the browser would fetch it."""
    found = THEME_LINK.search(markup)
    assert found, "no theme stylesheet linked"
    return anonymous_get(found.group(1).replace("&amp;", "&")).content.decode()


# The accent colour's contrast


def test_contrast_ratios_are_wcags():
    assert design.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert design.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's own example of the grey that just fails AA on white.
    assert design.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_default_accent_passes_and_short_or_bare_hex_is_read():
    design.validate_accent_colour(design.DEFAULT_ACCENT)
    assert design.normalise_colour("A4161A") == "#a4161a"
    assert design.normalise_colour("#03c") == "#0033cc"
    assert design.normalise_colour("red") is None


def test_a_low_contrast_accent_is_refused_naming_its_ratio():
    with pytest.raises(ValidationError) as refused:
        design.validate_accent_colour("#ffcc00")
    message = refused.value.messages[0]
    ratio = design.contrast_ratio("#ffcc00", "#ffffff")
    assert f"{design.shown_ratio(ratio)}" in message and "4.5:1" in message
    assert message.startswith("#ffcc00 has a contrast ratio of 1.")


def test_a_ratio_just_under_the_minimum_never_reads_as_the_minimum():
    with pytest.raises(ValidationError, match=r"4\.4\d:1"):
        design.validate_accent_colour("#777777")


def test_a_colour_just_over_the_minimum_is_accepted():
    assert design.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    design.validate_accent_colour("#767676")


# The theme stylesheet


def test_the_theme_stylesheet_sets_the_custom_properties(client):
    response = client.get("/theme.css?accent=1d4f91&type=serif")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--accent: #1d4f91;" in css
    assert f"--font-body: {design.BOOK_SERIF};" in css
    assert "url(" not in css and "@import" not in css  # no font fetched from anywhere
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize(
    "query", ["accent=zzzzzz&type=serif", "accent=1d4f91&type=comic", "accent=1d4f91;}&type=sans"]
)
def test_the_theme_stylesheet_refuses_what_no_setting_can_be(client, query):
    assert client.get(f"/theme.css?{query}").status_code == 404


def test_pages_link_the_theme_of_their_settings_without_inline_styles(client, demo_article):
    newsroom = NewsroomSettings.objects.get()
    newsroom.accent_colour = "#1d4f91"
    newsroom.typeface = design.Typeface.HUMANIST
    newsroom.save()
    for url in ("/", ARTICLE_URL):
        markup = client.get(url).content.decode()
        css = theme_of(markup)
        assert "--accent: #1d4f91;" in css and design.HUMANIST_SANS in css, url
        assert " style=" not in markup and "<style" not in markup, url


# Sections' "Show in menus" and the menus


def test_a_section_not_shown_in_menus_leaves_the_navigation(
    client, demo_article, django_capture_on_commit_callbacks
):
    section = demo_article.section
    link = f'href="{section.url}">{section.title}</a>'
    assert link in nav_of(client.get("/").content.decode())
    section.show_in_menus = False
    with django_capture_on_commit_callbacks(execute=True):
        section.save_revision().publish()
    assert link not in nav_of(client.get("/").content.decode())
    assert client.get(section.url).status_code == 200  # still there, only not listed


def test_new_sections_are_shown_in_menus():
    assert make_section(title="Sport").show_in_menus


def test_the_header_menu_replaces_the_sections_and_the_footer_menu_is_shown(client, demo_article):
    newsroom = NewsroomSettings.objects.get()
    section = demo_article.section
    HeaderMenuItem.objects.create(settings=newsroom, link_page=section, label="", sort_order=0)
    HeaderMenuItem.objects.create(
        settings=newsroom, link_url="/archive/", label="Every story", sort_order=1
    )
    FooterMenuItem.objects.create(
        settings=newsroom, link_url="https://example.org/jobs", label="Jobs", sort_order=0
    )
    other = make_section(title="Sport")
    markup = client.get(demo_article.url).content.decode()
    nav = nav_of(markup)
    assert re.findall(r"<a [^>]*>([^<]*)</a>", nav) == [section.title, "Every story"]
    assert f'<a href="{section.url}" aria-current="true">' in nav  # the article's section
    assert other.url not in nav
    assert '<a href="https://example.org/jobs">Jobs</a>' in nav_of(markup, "Footer")


def test_a_menu_leaves_out_pages_readers_cannot_see(client, demo_article):
    newsroom = NewsroomSettings.objects.get()
    draft = make_section(title="Soon", publish=False)
    HeaderMenuItem.objects.create(settings=newsroom, link_page=draft, sort_order=0)
    HeaderMenuItem.objects.create(settings=newsroom, link_page=demo_article, sort_order=1)
    nav = nav_of(client.get("/").content.decode())
    assert "Soon" not in nav
    assert f'href="{demo_article.url}">{demo_article.title}</a>' in nav


def test_an_empty_header_menu_falls_back_to_the_sections(client, demo_article):
    assert demo_article.section.title in nav_of(client.get("/").content.decode())
    assert '<nav aria-label="Footer">' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({}, "link_page"),
        ({"link_url": "/archive/"}, "label"),
        ({"link_url": "javascript:alert(1)", "label": "x"}, "link_url"),
        ({"link_url": "//elsewhere.example/", "label": "x"}, "link_url"),
    ],
)
def test_a_menu_item_needs_a_page_or_a_labelled_address(demo_home, fields, error_field):
    item = HeaderMenuItem(settings=NewsroomSettings.objects.get(), **fields)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert error_field in refused.value.message_dict


def test_a_menu_item_cannot_be_both_a_page_and_an_address(demo_home):
    item = HeaderMenuItem(
        settings=NewsroomSettings.objects.get(), link_page=demo_home, link_url="/x/", label="X"
    )
    with pytest.raises(ValidationError, match="not both"):
        item.full_clean()


# The settings form: refused colours, the preview, the purge


def test_the_settings_form_refuses_a_low_contrast_colour_and_keeps_what_was_typed(
    editor_client, demo_home
):
    site = Site.objects.get(is_default_site=True)
    data = settings_form(editor_client, site)
    data["name"] = "The Gazette"
    data["accent_colour"] = "#ffcc00"
    response = editor_client.post(settings_url(site), data)
    assert response.status_code == 200
    markup = response.content.decode()
    assert "#ffcc00 has a contrast ratio of 1." in markup
    assert 'value="The Gazette"' in markup
    assert NewsroomSettings.objects.get().name != "The Gazette"


def test_saving_the_settings_purges_every_cached_page(
    editor_client, demo_article, django_capture_on_commit_callbacks
):
    for url in ("/", ARTICLE_URL):
        anonymous_get(url)
        assert anonymous_get(url)["X-Cache"] == "HIT"
    site = Site.objects.get(is_default_site=True)
    data = settings_form(editor_client, site)
    data["accent_colour"] = "#1d4f91"
    data["header_menu_items-TOTAL_FORMS"] = "1"
    data.update(
        {
            "header_menu_items-0-link_url": "/archive/",
            "header_menu_items-0-label": "Every story",
            "header_menu_items-0-ORDER": "1",
            "header_menu_items-0-id": "",
            "header_menu_items-0-DELETE": "",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(settings_url(site), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in ("/", ARTICLE_URL):
        response = anonymous_get(url)
        assert response["X-Cache"] == "MISS", url
        markup = response.content.decode()
        assert "--accent: #1d4f91;" in theme_of(markup)
        only_link = '<ul class="section-nav"><li><a href="/archive/">Every story</a></li></ul>'
        assert nav_of(markup) == only_link, url


def test_the_preview_shows_unsaved_settings_on_the_front_page_and_an_article(
    editor_client, demo_article
):
    site = Site.objects.get(is_default_site=True)
    data = settings_form(editor_client, site)
    data["name"] = "The Preview Times"
    data["accent_colour"] = "#1d4f91"
    data["footer_menu_items-TOTAL_FORMS"] = "1"
    data.update({"footer_menu_items-0-link_url": "/archive/", "footer_menu_items-0-label": "All"})
    preview_url = reverse(
        "wagtailsettings:preview_on_edit", args=["newsroom", "newsroomsettings", site.pk]
    )
    answer = editor_client.post(preview_url, data).json()
    assert answer == {"is_valid": True, "is_available": True}

    front = editor_client.get(preview_url).content.decode()
    assert "The Preview Times" in front and '<a href="/archive/">All</a>' in front
    assert "--accent: #1d4f91;" in theme_of(front)
    assert 'class="teasers' in front  # the front page itself
    article = editor_client.get(preview_url, {"mode": "article"}).content.decode()
    assert demo_article.title in article and "--accent: #1d4f91;" in theme_of(article)

    # Nothing saved, nothing readers see changed.
    assert NewsroomSettings.objects.get().name != "The Preview Times"
    assert "The Preview Times" not in anonymous_get("/").content.decode()


def test_the_preview_of_a_refused_colour_is_not_shown(editor_client, demo_home):
    site = Site.objects.get(is_default_site=True)
    data = settings_form(editor_client, site)
    data["accent_colour"] = "#ffcc00"
    preview_url = reverse(
        "wagtailsettings:preview_on_edit", args=["newsroom", "newsroomsettings", site.pk]
    )
    assert editor_client.post(preview_url, data).json()["is_valid"] is False


# The admin's branding


def test_the_sign_in_page_carries_the_newsrooms_name_and_logo(client, demo_home):
    newsroom = NewsroomSettings.objects.get()
    markup = client.get(reverse("wagtailadmin_login")).content.decode()
    assert f"Sign in to {newsroom.name}</h1>" in markup
    assert "Wagtail" not in markup.split("<body", 1)[1].split("<script", 1)[0]
    logo = re.search(r'<img class="newsroom-logo ?" src="([^"]+)"[^>]* alt="([^"]+)"', markup)
    assert logo and logo.group(1).startswith("/media/") and logo.group(2) == newsroom.name
    assert f"<title>Sign in - {newsroom.name}</title>" in markup
    assert client.get(logo.group(1)).status_code == 200


def test_the_admin_shows_the_newsrooms_logo_and_local_avatars(editor_client, demo_home):
    markup = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    branding = markup.split("<template data-wagtail-sidebar-branding-logo>", 1)[1]
    assert branding.split("</template>", 1)[0].startswith('<img class="newsroom-logo')
    assert "gravatar" not in markup
    # Nothing loaded from another host (links to Wagtail's guide are only links).
    assert not re.search(r'src="(https?:)?//', markup)
    assert not re.search(r'<link [^>]*href="(https?:)?//', markup)


def test_the_admins_missing_page_carries_the_newsrooms_logo(editor_client, demo_home):
    response = editor_client.get("/admin/no-such-place/")
    assert response.status_code == 404
    assert '<img class="newsroom-logo' in response.content.decode()


# What a menu change purges


def test_a_page_in_a_menu_purges_every_page_when_it_changes(
    client, demo_article, django_capture_on_commit_callbacks
):
    newsroom = NewsroomSettings.objects.get()
    HeaderMenuItem.objects.create(settings=newsroom, link_page=demo_article, sort_order=0)
    elsewhere = make_section(title="Sport").url  # no list of it shows the article
    client.get(elsewhere)
    assert client.get(elsewhere)["X-Cache"] == "HIT"
    demo_article.title = "Coalition grows"
    with django_capture_on_commit_callbacks(execute=True):
        demo_article.save_revision().publish()
    response = client.get(elsewhere)
    assert response["X-Cache"] == "MISS"
    assert ">Coalition grows</a>" in nav_of(response.content.decode())


def test_removing_a_menu_item_purges_every_page(
    client, demo_article, django_capture_on_commit_callbacks
):
    newsroom = NewsroomSettings.objects.get()
    item = HeaderMenuItem.objects.create(
        settings=newsroom, link_url="/archive/", label="Every story", sort_order=0
    )
    client.get("/")
    assert "Every story" in nav_of(client.get("/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        item.delete()
    response = client.get("/")
    assert response["X-Cache"] == "MISS"
    assert "Every story" not in nav_of(response.content.decode())


def test_sections_made_before_show_in_menus_counted_stay_listed(demo_article):
    """The data migration (0005) ticks them, in their revisions too, so the next publish
    does not untick them."""
    import importlib

    from django.apps import apps
    from wagtail.models import Page

    migration = importlib.import_module(
        "dateline.newsroom.migrations.0005_design_settings_and_menus"
    )
    section = demo_article.section
    section.show_in_menus = False
    section.save_revision().publish()
    assert not Page.objects.get(pk=section.pk).show_in_menus

    migration.list_existing_sections(apps, None)
    section.refresh_from_db()
    assert section.show_in_menus
    assert section.get_latest_revision_as_object().show_in_menus
