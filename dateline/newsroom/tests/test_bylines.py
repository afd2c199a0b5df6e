"""Bylines read as people write them, “A and B”, “A, B and C”, on every surface: the article
page, teasers, feeds (one author element each where the format has several), JSON-LD."""

import json
import re
from xml.etree import ElementTree

import feedparser
import pytest
from django.template import Context, Template

from dateline.newsroom import bylines
from dateline.newsroom.actions import article_publish
from dateline.newsroom.models import ArticleByline

from .factories import AuthorFactory, make_article, make_section

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    ("names", "joined"),
    [
        ([], ""),
        (["Layla Hassan"], "Layla Hassan"),
        (["Layla Hassan", "Omar Khalil"], "Layla Hassan and Omar Khalil"),
        (["Layla Hassan", "Omar Khalil", "Sara Ali"], "Layla Hassan, Omar Khalil and Sara Ali"),
        (["A", "B", "C", "D"], "A, B, C and D"),
        (["Layla Hassan", "", "Omar Khalil"], "Layla Hassan and Omar Khalil"),
    ],
)
def test_names_are_joined_as_people_write_them(names, joined):
    assert bylines.join_names(names) == joined


def test_name_list_pairs_each_item_with_what_follows_it():
    assert bylines.name_list(["a", "b", "c"]) == [("a", ", "), ("b", " and "), ("c", "")]
    assert bylines.name_list(["a"]) == [("a", "")]
    assert bylines.name_list([]) == []


def test_the_template_filter_escapes_each_name_and_reads_bylines():
    template = Template("{% load newsroom_tags %}{{ names|join_names }}")
    names = ["Tom & Jerry", "<b>Bold</b>"]
    assert template.render(Context({"names": names})) == (
        "Tom &amp; Jerry and &lt;b&gt;Bold&lt;/b&gt;"
    )
    guests = [ArticleByline(guest_name="Layla Hassan"), ArticleByline(guest_name="Omar Khalil")]
    assert template.render(Context({"names": guests})) == "Layla Hassan and Omar Khalil"


def signed(section, *byline_list, title="Allies line up"):
    """A published article with these bylines (ArticleByline rows), in the order given as
    the editor's InlinePanel would number them."""
    article = make_article(section, title=title, publish=False)
    for position, byline in enumerate(byline_list):
        byline.sort_order = position
    article.bylines = list(byline_list)
    article_publish(article=article)
    return article


def staff(name):
    return AuthorFactory(name=name, slug=name.lower().replace(" ", "-"))


def test_article_page_joins_two_and_three_names_and_gives_roles_their_own_sentence(client):
    section = make_section()
    two = signed(
        section,
        ArticleByline(author=staff("Layla Hassan")),
        ArticleByline(guest_name="Omar Khalil"),
    )
    markup = client.get(two.url).content.decode()
    byline = re.search(r'<p class="bylines">(.*?)</p>', markup).group(1)
    assert byline == (
        'By <a href="/authors/layla-hassan/" rel="author">Layla Hassan</a> and Omar Khalil'
    )

    three = signed(
        section,
        ArticleByline(guest_name="Sara Ali", guest_affiliation="Reuters"),
        ArticleByline(author=staff("Rana Haddad")),
        ArticleByline(guest_name="Omar Khalil"),
        ArticleByline(guest_name="Yusuf Aydin", role="additional reporting"),
        ArticleByline(guest_name="Mina Park", role="additional reporting"),
        title="Talks resume",
    )
    markup = client.get(three.url).content.decode()
    byline = re.sub(r"<[^>]+>", "", re.search(r'<p class="bylines">(.*?)</p>', markup).group(1))
    assert byline == (
        "By Sara Ali (Reuters), Rana Haddad and Omar Khalil. "
        "Additional reporting by Yusuf Aydin and Mina Park"
    )


def test_teasers_join_the_names(client):
    section = make_section(title="World")
    signed(
        section, ArticleByline(guest_name="Layla Hassan"), ArticleByline(guest_name="Omar Khalil")
    )
    signed(
        section,
        ArticleByline(guest_name="A One"),
        ArticleByline(guest_name="B Two"),
        ArticleByline(guest_name="C Three"),
        title="Three",
    )
    for url in ("/", section.url):
        markup = client.get(url).content.decode()
        assert "By Layla Hassan and Omar Khalil ·" in markup, url
        assert "By A One, B Two and C Three ·" in markup, url
        assert "Layla Hassan Omar Khalil" not in markup, url


def test_feeds_keep_one_author_each_and_join_the_single_text_byline(client):
    section = make_section()
    layla = staff("Layla Hassan")
    signed(section, ArticleByline(author=layla), ArticleByline(guest_name="Omar Khalil"))

    rss = client.get("/feed/").content
    item = ElementTree.fromstring(rss).find("channel/item")
    creators = item.findall("{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Layla Hassan and Omar Khalil"]
    assert not feedparser.parse(rss).bozo

    atom = ElementTree.fromstring(client.get("/feed/atom/").content).find(f"{ATOM}entry")
    assert [a.findtext(f"{ATOM}name") for a in atom.findall(f"{ATOM}author")] == [
        "Layla Hassan",
        "Omar Khalil",
    ]

    item = client.get("/feed/json/").json()["items"][0]
    assert item["authors"] == [
        {"name": "Layla Hassan", "url": "http://testserver/authors/layla-hassan/"},
        {"name": "Omar Khalil"},
    ]


def test_json_ld_has_a_person_per_byline_never_a_joined_string(client):
    article = signed(
        make_section(),
        ArticleByline(author=staff("Layla Hassan")),
        ArticleByline(guest_name="Omar Khalil", guest_affiliation="Reuters"),
        ArticleByline(guest_name="Sara Ali"),
    )
    markup = client.get(article.url).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', markup, re.S).group(1)
    assert json.loads(raw)["author"] == [
        {
            "@type": "Person",
            "name": "Layla Hassan",
            "url": "http://testserver/authors/layla-hassan/",
        },
        {
            "@type": "Person",
            "name": "Omar Khalil",
            "affiliation": {"@type": "Organization", "name": "Reuters"},
        },
        {"@type": "Person", "name": "Sara Ali"},
    ]


def test_byline_text_is_the_names_alone():
    guests = [ArticleByline(guest_name="Layla Hassan", role="analysis")]
    assert bylines.byline_text(guests) == "Layla Hassan"
    assert bylines.byline_text([]) == ""
