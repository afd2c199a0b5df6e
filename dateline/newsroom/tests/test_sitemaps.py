from datetime import timedelta
from xml.etree import ElementTree

import pytest

from .factories import AuthorFactory, make_article, make_section, now

pytestmark = pytest.mark.django_db
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ElementTree.fromstring(response.content)


def locations(tree):
    return [loc.text for loc in tree.iterfind(".//s:loc", NS)]


def test_sitemap_index_points_to_each_sitemap(client, demo_article):
    index = locations(xml(client, "/sitemap.xml"))
    assert {url.rsplit("/", 1)[1] for url in index} == {
        "sitemap-sections.xml",
        "sitemap-articles.xml",
        "sitemap-topics.xml",
        "sitemap-authors.xml",
    }


def test_sitemaps_list_articles_sections_topics_and_authors(client):
    section = make_section(title="World")
    author = AuthorFactory(slug="rana")
    article = make_article(section, title="Story", authors=[author])
    make_article(section, title="Draft", publish=False)
    assert locations(xml(client, "/sitemap-articles.xml")) == ["http://testserver" + article.url]
    assert "http://testserver/world/" in locations(xml(client, "/sitemap-sections.xml"))
    assert locations(xml(client, "/sitemap-authors.xml")) == ["http://testserver/authors/rana/"]


def test_news_sitemap_has_only_articles_of_the_last_two_days(client):
    section = make_section()
    fresh = make_article(section, title="Fresh story")
    make_article(section, title="Old story", first_published_at=now() - timedelta(days=3))
    tree = xml(client, "/news-sitemap.xml")
    assert locations(tree) == ["http://testserver" + fresh.url]
    assert tree.find(".//news:title", NS).text == "Fresh story"
    assert tree.find(".//news:publication/news:name", NS).text == "Test Times"
    assert tree.find(".//news:publication/news:language", NS).text == "en"


def test_robots_txt_names_the_sitemaps_and_keeps_crawlers_out_of_admin(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Sitemap: http://testserver/news-sitemap.xml" in body
