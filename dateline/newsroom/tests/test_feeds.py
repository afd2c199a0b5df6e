from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest

from dateline.newsroom.models import ArticleCorrection

from .factories import AuthorFactory, TopicFactory, make_article, make_section, now

pytestmark = pytest.mark.django_db
FORMATS = ("", "atom/")  # feedparser 6.0 reads RSS and Atom; JSON Feed is checked as JSON


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed, response


@pytest.mark.parametrize("fmt", FORMATS)
def test_site_feed_lists_the_demo_article(client, demo_article, fmt):
    feed, _response = parse(client, f"/feed/{fmt}")
    entry = feed.entries[0]
    assert entry.title == "U.S. Gains Support From World Powers VS ISIS"
    assert entry.link == "http://testserver" + demo_article.url
    assert "The United States is further along" in entry.summary
    assert {tag.term for tag in entry.tags} >= {"Middle East News", "ISIS"}
    assert feed.feed.title == "Dateline"


def test_json_feed_has_the_fields_json_feed_1_1_requires(client, demo_article):
    feed = client.get("/feed/json/").json()
    assert feed["title"] == "Dateline"
    assert feed["feed_url"] == "http://testserver/feed/json/"
    item = feed["items"][0]
    assert item["id"].startswith("tag:testserver,")
    assert item["url"] == "http://testserver" + demo_article.url
    assert item["title"] == "U.S. Gains Support From World Powers VS ISIS"
    assert item["content_text"].startswith("The United States is further along")
    assert {"Middle East News", "ISIS"} <= set(item["tags"])


def test_section_and_topic_json_feeds_hold_only_their_articles(client):
    world, sport = make_section(title="World"), make_section(title="Sport")
    make_article(world, title="World story", topics=[TopicFactory(slug="iraq")])
    make_article(sport, title="Sport story")
    for url in (f"{world.url}feed/json/", "/topics/iraq/feed/json/"):
        assert [item["title"] for item in client.get(url).json()["items"]] == ["World story"]


def test_feed_content_types(client, demo_article):
    assert client.get("/feed/")["Content-Type"].startswith("application/rss+xml")
    assert client.get("/feed/atom/")["Content-Type"].startswith("application/atom+xml")
    assert client.get("/feed/json/")["Content-Type"].startswith("application/feed+json")
    assert client.get("/feed/json/").json()["version"] == "https://jsonfeed.org/version/1.1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_section_and_topic_feeds_hold_only_their_articles(client, fmt):
    world, sport = make_section(title="World"), make_section(title="Sport")
    iraq = TopicFactory(slug="iraq", name="Iraq")
    make_article(world, title="World story", topics=[iraq])
    make_article(sport, title="Sport story")
    section_feed, _ = parse(client, f"{world.url}feed/{fmt}")
    assert [e.title for e in section_feed.entries] == ["World story"]
    topic_feed, _ = parse(client, f"/topics/iraq/feed/{fmt}")
    assert [e.title for e in topic_feed.entries] == ["World story"]


def test_corrections_show_in_the_feeds_updated_time_and_text(client):
    article = make_article(make_section(), title="Corrected story")
    corrected_at = article.first_published_at + timedelta(hours=2)
    ArticleCorrection.objects.create(page=article, at=corrected_at, note="Fixed a figure.")
    atom, _ = parse(client, "/feed/atom/")
    assert atom.entries[0].updated_parsed[:5] == corrected_at.utctimetuple()[:5]
    rss, _ = parse(client, "/feed/")
    assert "Fixed a figure." in rss.entries[0].summary
    json_item = client.get("/feed/json/").json()["items"][0]
    assert json_item["date_modified"].startswith(corrected_at.strftime("%Y-%m-%dT%H:%M"))


def test_feed_items_carry_bylines_and_newest_come_first(client):
    section = make_section()
    author = AuthorFactory(name="Rana Haddad")
    make_article(section, title="Older", first_published_at=now() - timedelta(days=1))
    make_article(section, title="Newer", authors=[author])
    feed, _ = parse(client, "/feed/atom/")
    assert [e.title for e in feed.entries] == ["Newer", "Older"]
    assert feed.entries[0].author == "Rana Haddad"
    assert client.get("/feed/json/").json()["items"][0]["authors"] == [
        {"name": "Rana Haddad", "url": f"http://testserver/authors/{author.slug}/"}
    ]


ATOM = "{http://www.w3.org/2005/Atom}"


def atom_authors(element) -> list[tuple[str, str | None]]:
    """(name, uri) of each <author> that is a child of `element`."""
    return [
        (author.findtext(f"{ATOM}name"), author.findtext(f"{ATOM}uri"))
        for author in element.findall(f"{ATOM}author")
    ]


def test_every_atom_feed_has_the_newsroom_as_author_and_entries_their_bylines(client):
    """The W3C feed validator: "Missing entry element: author" when neither has one."""
    section = make_section(title="World")
    topic = TopicFactory(slug="iraq", name="Iraq")
    staff = AuthorFactory(name="Rana Haddad", slug="rana-haddad")
    make_article(section, title="Unsigned", topics=[topic], first_published_at=now() - timedelta(1))
    make_article(section, title="Signed", topics=[topic], authors=[staff], guests=["A Guest"])
    for url in ("/feed/atom/", f"{section.url}feed/atom/", "/topics/iraq/feed/atom/"):
        feed = ElementTree.fromstring(client.get(url).content)
        assert atom_authors(feed) == [("Test Times", "http://testserver/")], url
        entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
        assert atom_authors(entries["Signed"]) == [
            ("Rana Haddad", "http://testserver/authors/rana-haddad/"),
            ("A Guest", None),
        ], url
        assert atom_authors(entries["Unsigned"]) == [], url  # the feed's author is theirs


def test_json_feed_names_the_newsroom_as_the_author_of_unsigned_items(client):
    make_article(make_section(), title="Unsigned")
    feed = client.get("/feed/json/").json()
    assert feed["authors"] == [{"name": "Test Times", "url": "http://testserver/"}]
    assert "authors" not in feed["items"][0]


def test_unpublished_articles_stay_out_of_feeds(client):
    make_article(make_section(), title="Draft story", publish=False)
    feed, _ = parse(client, "/feed/")
    assert feed.entries == []
