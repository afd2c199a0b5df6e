import html
import json
import re
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import html5lib
import pytest
from django.conf import settings
from django.core.files.images import ImageFile
from django.test import Client
from wagtail.images.tests.utils import get_test_image_file

from dateline.core.actions import page_cache_purge
from dateline.newsroom.models import ArticleCorrection, NewsImage, NewsRendition, NewsroomSettings

from .factories import AuthorFactory, TopicAliasFactory, make_article, make_section, now

pytestmark = pytest.mark.django_db
REFERENCE = Path(settings.BASE_DIR, "dateline/demo/reference_page.txt")
ARTICLE_URL = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def assert_valid_html5(markup: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(markup)


def paragraphs_of(markup: str) -> list[str]:
    body = markup.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    return [html.unescape(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", body, re.S)]


def test_demo_article_is_the_reference_text_word_for_word(client, demo_article):
    lines = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    markup = page_text(client.get(ARTICLE_URL))
    assert paragraphs_of(markup) == lines[2 : lines.index("Click to comment")]
    assert "Middle East News" in markup
    assert '<h1 id="headline">U.S. Gains Support From World Powers VS ISIS</h1>' in markup


def test_article_page_has_every_element_of_the_reference_page(client, demo_article):
    markup = page_text(client.get(ARTICLE_URL))
    assert (
        '<p class="section-label"><a href="/middle-east-news/">Middle East News</a></p>' in markup
    )
    assert '<a class="comment-link" href="#comments">Click to comment</a>' in markup
    assert 'id="comments"' in markup
    assert '<a href="#top" class="to-top">To Top</a>' in markup
    assert 'id="top"' in markup
    assert '<a class="skip-link" href="#main">Skip to content</a>' in markup
    for source in (
        "Reuters",
        "The Guardian",
        "The Washington Post",
        "A senior State Department official who asked not to be named.",
    ):
        assert source in markup
    assert_valid_html5(markup)


def test_article_page_is_the_same_for_every_reader_and_sets_no_cookie(client, demo_article):
    response = client.get(ARTICLE_URL)
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "Cookie" not in response.get("Vary", "")
    assert "public" in response["Cache-Control"]
    assert response["Last-Modified"]
    assert Client().get(ARTICLE_URL, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_article_shows_its_corrections_log_and_updated_time(client, demo_article):
    ArticleCorrection.objects.create(
        page=demo_article,
        note="Corrected the date of the talks.",
        kind=ArticleCorrection.Kind.CORRECTION,
    )
    markup = page_text(client.get(ARTICLE_URL))
    assert "Corrections and updates" in markup
    assert "Corrected the date of the talks." in markup
    assert "Updated <time" in markup


def test_correction_timestamped_in_the_future_is_not_shown_yet(client, demo_article):
    ArticleCorrection.objects.create(
        page=demo_article, note="Not yet.", at=now() + timedelta(days=1)
    )
    assert "Not yet." not in page_text(client.get(ARTICLE_URL))


def test_article_json_ld_is_a_news_article(client, demo_article):
    markup = page_text(client.get(ARTICLE_URL))
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', markup, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "U.S. Gains Support From World Powers VS ISIS"
    assert data["articleSection"] == "Middle East News"
    assert data["datePublished"] and data["dateModified"]
    assert data["publisher"]["name"] == "Dateline"
    assert data["author"][0]["name"] == "Dateline"
    assert data["mainEntityOfPage"] == settings.SITE_URL + ARTICLE_URL
    assert {c["name"] for c in data["citation"]} >= {"Reuters", "The Guardian"}
    assert set(data["keywords"]) == {"ISIS", "Iraq", "Syria"}


def json_ld_of(markup: str) -> dict:
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', markup, re.S).group(1)
    return json.loads(raw)


# ISO 8601 to the second: HTML's <time datetime> allows three digits of a second at most.
ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


def test_machine_readable_dates_are_written_to_the_second(client, demo_article):
    ArticleCorrection.objects.create(page=demo_article, note="Fixed.", at=now() - timedelta(1))
    for url in ("/", demo_article.section.url, ARTICLE_URL):
        markup = page_text(client.get(url))
        written = re.findall(r'<time datetime="([^"]*)"', markup)
        written += re.findall(r'<meta property="article:\w+_time" content="([^"]*)"', markup)
        assert written, url
        assert [value for value in written if not ISO_SECONDS.fullmatch(value)] == [], url
    data = json_ld_of(page_text(client.get(ARTICLE_URL)))
    assert ISO_SECONDS.fullmatch(data["datePublished"])
    assert ISO_SECONDS.fullmatch(data["dateModified"])


def test_json_ld_has_googles_recommended_properties_when_the_data_exists(client):
    """Google's Article structured data: headline, image (16:9, 4:3 and 1:1, at least 50,000
    pixels each), datePublished, dateModified, author with name and url, publisher with
    name and logo."""
    section = make_section(title="World")
    newsroom = NewsroomSettings.objects.get()
    newsroom.logo = NewsImage.objects.create(
        title="Logo", file=ImageFile(get_test_image_file(size=(1200, 300)), name="logo.png")
    )
    newsroom.save()
    picture = NewsImage.objects.create(
        title="Ministers", file=ImageFile(get_test_image_file(size=(1600, 1000)), name="m.png")
    )
    staff = AuthorFactory(name="Rana Haddad", slug="rana-haddad")
    article = make_article(
        section, title="Allies line up", authors=[staff], guests=["A Guest"], lead_image=picture
    )

    data = json_ld_of(page_text(client.get(article.url)))

    assert data["headline"] == "Allies line up"
    assert ISO_SECONDS.fullmatch(data["datePublished"])
    assert ISO_SECONDS.fullmatch(data["dateModified"])
    assert data["author"] == [
        {"@type": "Person", "name": "Rana Haddad", "url": "http://testserver/authors/rana-haddad/"},
        {"@type": "Person", "name": "A Guest"},  # a guest has no page of ours to link to
    ]
    shapes = set()
    for url in data["image"]:
        rendition = NewsRendition.objects.get(
            file=url.removeprefix(f"http://testserver{settings.MEDIA_URL}")
        )
        assert rendition.width * rendition.height >= 50_000, url
        shapes.add(Fraction(rendition.width, rendition.height))
    assert shapes == {Fraction(16, 9), Fraction(4, 3), Fraction(1)}
    publisher = data["publisher"]
    assert publisher["name"] == "Test Times" and publisher["url"] == "http://testserver/"
    logo = publisher["logo"]
    assert logo["@type"] == "ImageObject"
    assert (logo["width"], logo["height"]) == (240, 60)  # fitted into 600x60
    assert client.get(logo["url"].removeprefix("http://testserver")).status_code == 200


def test_the_demo_newsroom_has_a_logo_in_its_articles_json_ld(client, demo_article):
    logo = json_ld_of(page_text(client.get(ARTICLE_URL)))["publisher"]["logo"]
    assert logo["url"].startswith("http://testserver/media/") and logo["url"].endswith(".png")
    assert (logo["width"], logo["height"]) == (240, 60)
    response = client.get(logo["url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_new_logo_shows_in_the_json_ld_at_once(
    client, demo_article, django_capture_on_commit_callbacks
):
    newsroom = NewsroomSettings.objects.get()
    before = json_ld_of(page_text(client.get(ARTICLE_URL)))["publisher"]["logo"]
    with django_capture_on_commit_callbacks(execute=True):
        newsroom.logo.file = ImageFile(get_test_image_file(size=(400, 50)), name="new-logo.png")
        newsroom.logo.width, newsroom.logo.height = 400, 50
        newsroom.logo.save()
        newsroom.logo.renditions.all().delete()  # as Wagtail's image editor does
    after = json_ld_of(page_text(client.get(ARTICLE_URL)))["publisher"]["logo"]
    assert after != before and (after["width"], after["height"]) == (400, 50)


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client):
    article = make_article(make_section(), title="</script><script>alert(1)</script>")
    markup = page_text(client.get(article.url))
    assert "</script><script>alert(1)" not in markup
    assert_valid_html5(markup)


def test_article_has_opengraph_twitter_and_canonical_tags(client, demo_article):
    markup = page_text(client.get(ARTICLE_URL))
    assert f'<link rel="canonical" href="{settings.SITE_URL}{ARTICLE_URL}">' in markup
    assert '<meta property="og:type" content="article">' in markup
    assert (
        '<meta property="og:title" content="U.S. Gains Support From World Powers VS ISIS">'
        in markup
    )
    assert '<meta name="twitter:card" content="summary">' in markup
    assert '<meta property="article:section" content="Middle East News">' in markup


def test_bylines_link_staff_authors_and_name_guests(client):
    author = AuthorFactory(name="Rana Haddad", slug="rana-haddad")
    article = make_article(make_section(), authors=[author], guests=["Guest Writer"])
    markup = page_text(client.get(article.url))
    assert '<a href="/authors/rana-haddad/" rel="author">Rana Haddad</a>' in markup
    assert "Guest Writer" in markup


def test_home_page_lists_the_demo_article_under_its_section(client, demo_article):
    markup = page_text(client.get("/"))
    assert "U.S. Gains Support From World Powers VS ISIS" in markup
    assert 'href="/middle-east-news/"' in markup
    assert_valid_html5(markup)


def test_section_page_paginates_and_refuses_pages_that_do_not_exist(client):
    section = make_section(title="World")
    section.per_page = 2
    section.save_revision().publish()
    for n in range(5):
        make_article(section, title=f"Story {n}", first_published_at=now() - timedelta(hours=n))
    first = page_text(client.get(section.url))
    assert "Story 0" in first and "Story 1" in first and "Story 2" not in first
    assert "Story 4" in page_text(client.get(section.url + "?page=3"))
    assert client.get(section.url + "?page=4").status_code == 404
    assert client.get(section.url + "?page=abc").status_code == 404
    assert_valid_html5(first)


def test_parent_section_lists_articles_of_its_subsections(client):
    world = make_section(title="World")
    sub = make_section(world, title="Middle East", slug="middle-east")
    make_article(sub, title="Filed in a subsection")
    assert "Filed in a subsection" in page_text(client.get(world.url))


def test_topic_alias_leads_to_the_topic_and_all_its_articles(client, demo_article):
    response = client.get("/topics/isil/")
    assert response.status_code == 301
    assert response["Location"] == "/topics/isis/"
    markup = page_text(client.get("/topics/isis/"))
    assert "U.S. Gains Support From World Powers VS ISIS" in markup
    assert "Also known as ISIL, Islamic State" in markup
    assert client.get("/topics/islamic-state/feed/").status_code == 301


def test_author_page_lists_their_articles(client):
    author = AuthorFactory(name="Rana Haddad", slug="rana-haddad", bio="Covers Iraq.")
    make_article(make_section(), title="Her story", authors=[author])
    markup = page_text(client.get("/authors/rana-haddad/"))
    assert "Her story" in markup and "Covers Iraq." in markup
    assert client.get("/authors/nobody/").status_code == 404


def test_date_archive_lists_articles_by_publication_date(client):
    section = make_section()
    make_article(
        section, title="Old story", first_published_at=now().replace(year=2014, month=9, day=15)
    )
    make_article(section, title="New story")
    assert "Old story" in page_text(client.get("/archive/2014/9/"))
    assert "New story" not in page_text(client.get("/archive/2014/9/15/"))
    assert "September 2014" in page_text(client.get("/archive/"))
    assert client.get("/archive/2014/13/").status_code == 404
    assert client.get("/archive/2014/2/30/").status_code == 404


def test_friendly_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    markup = response.content.decode()
    assert "We couldn’t find that page" in markup
    assert_valid_html5(markup)


def test_friendly_500_page_needs_no_database():
    from dateline.core.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_query_counts_on_the_hot_pages(client, demo_article, django_assert_max_num_queries):
    section = demo_article.section
    topic_alias = TopicAliasFactory(slug="extra-alias")
    for n in range(8):  # each with a picture of its own: a teaser's renditions are read at once
        picture = NewsImage.objects.create(
            title=f"Picture {n}", file=ImageFile(get_test_image_file(), name=f"picture-{n}.png")
        )
        make_article(
            section,
            title=f"Story {n}",
            topics=[topic_alias.topic],
            authors=[AuthorFactory()],
            lead_image=picture,
        )
    client.get("/")  # warm the site lookup and settings, as any running server has
    client.get(section.url)  # and make the teasers' renditions, as the first reader does
    # Rendered again, as after a publish: the cached pages would answer in none.
    page_cache_purge(tags={"home", f"section:{section.pk}"})
    # The first article also reads the comment settings, kept for the next pages.
    for url, limit in (("/", 13), (section.url, 13), (ARTICLE_URL, 11)):
        with django_assert_max_num_queries(limit, info=url):
            response = client.get(url)
            assert response.status_code == 200
            assert response["X-Cache"] == "MISS"
    with django_assert_max_num_queries(0):
        assert client.get(ARTICLE_URL)["X-Cache"] == "HIT"
    # A miss after a change to the article (a comment approved, a correction) renders in 10:
    # the route (1), Wagtail's view restrictions (2), the article's corrections, topics,
    # section, bylines and citations (5), and its comment section (policies, thread: 2).
    page_cache_purge(tags={f"page:{demo_article.pk}"})
    with django_assert_max_num_queries(10, info="article after a purge"):
        assert client.get(ARTICLE_URL)["X-Cache"] == "MISS"


def test_the_site_lookup_follows_a_change_of_the_site(
    client, demo_article, django_capture_on_commit_callbacks
):
    """The cached site (dateline.core.sites) is dropped with the site tag."""
    from wagtail.models import Site

    assert client.get(ARTICLE_URL).status_code == 200
    site = Site.objects.get(is_default_site=True)
    site.is_default_site = False
    site.hostname = "elsewhere.example"
    with django_capture_on_commit_callbacks(execute=True):
        site.save()
    assert client.get(ARTICLE_URL).status_code == 404


def test_section_navigation_marks_the_current_section(client):
    world = make_section(title="World")
    make_section(title="Sport")
    sub = make_section(world, title="Middle East", slug="middle-east")
    article = make_article(sub, title="Filed deep")
    for url in (world.url, sub.url, article.url):
        markup = page_text(client.get(url))
        assert '<a href="/world/" aria-current="true">World</a>' in markup, url
        assert '<a href="/sport/">Sport</a>' in markup, url


def test_a_private_section_leaves_the_navigation_and_its_articles_ask_for_a_login(
    client, demo_article, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    section = demo_article.section
    assert f'href="{section.url}"' in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=section, restriction_type="login")

    assert f'href="{section.url}"' not in client.get("/").content.decode()
    response = client.get(ARTICLE_URL)  # routed in one query, still checked
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_article_cannot_take_the_address_of_its_sections_feed(demo_article):
    from django.core.exceptions import ValidationError

    demo_article.slug = "feed"
    with pytest.raises(ValidationError, match="feed"):
        demo_article.full_clean()


def test_teasers_show_the_standfirst_or_else_the_start_of_the_body(client):
    section = make_section(title="Region", slug="region")
    make_article(section, title="With a standfirst", standfirst="Talks resume in Doha.")
    make_article(
        section,
        title="Without one",
        body="<p>Ministers met &amp; agreed.</p><p>" + "More words. " * 400 + "</p>",
    )
    markup = client.get(section.url).content.decode()
    assert "Talks resume in Doha." in markup
    assert "Ministers met &amp; agreed. More words." in markup


# Previews of articles never published: a new page, a saved draft, a scheduled page and a
# revision each render with a date readers would see.


def preview(admin_client, preview_url: str, form_url: str, **fields) -> str:
    from wagtail.test.utils.form_data import querydict_from_html

    form = admin_client.get(form_url).content.decode()
    data = querydict_from_html(form, form_id="page-edit-form")
    data.update(fields)
    assert admin_client.post(preview_url, data).json()["is_valid"]
    return page_text(admin_client.get(preview_url))


def test_a_new_article_not_saved_yet_previews_with_a_date(admin_client):
    from django.urls import reverse
    from wagtail.test.utils.form_data import rich_text

    section = make_section()
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])
    preview_url = reverse(
        "wagtailadmin_pages:preview_on_add", args=["newsroom", "articlepage", section.pk]
    )
    markup = preview(
        admin_client, preview_url, url, title="Brand New", slug="", body=rich_text("<p>W.</p>")
    )
    assert '<h1 id="headline">Brand New</h1>' in markup
    assert 'datetime=""' not in markup
    assert json_ld_of(markup)["datePublished"].startswith("20")
    assert_valid_html5(markup)


def test_a_saved_draft_and_a_scheduled_draft_preview_with_their_dates(admin_client):
    from django.urls import reverse

    from dateline.core.dates import iso_datetime

    article = make_article(make_section(), title="Never out", publish=False)
    edit_url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[article.pk])
    draft = preview(admin_client, preview_url, edit_url)
    assert "Never out" in draft and 'datetime=""' not in draft
    go_live = (now() + timedelta(days=3)).replace(second=0, microsecond=0)
    scheduled = preview(
        admin_client, preview_url, edit_url, go_live_at=go_live.strftime("%Y-%m-%d %H:%M")
    )
    assert json_ld_of(scheduled)["datePublished"] == iso_datetime(go_live)
    assert f'<time datetime="{iso_datetime(go_live)}">' in scheduled
    assert_valid_html5(scheduled)


def test_a_revision_of_an_article_never_published_can_be_viewed(admin_client):
    from django.urls import reverse

    article = make_article(make_section(), title="Never out", publish=False)
    revision = article.save_revision()
    url = reverse("wagtailadmin_pages:revisions_view", args=[article.pk, revision.pk])
    markup = page_text(admin_client.get(url))
    assert "Never out" in markup and 'datetime=""' not in markup
