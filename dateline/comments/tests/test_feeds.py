import html
import re
from xml.etree import ElementTree

import feedparser


def test_feeds_carry_approved_comments_only_and_never_an_address(
    client, article, policy, post, moderator
):
    policy(moderation="until_trusted")
    held = post(article, body="Still waiting", email="held@example.com").comment
    from dateline.comments import actions

    shown = post(article, body="Published *view*", email="shown@example.com").comment
    actions.comment_moderate(comment_ids=[shown.pk], decision="approve", by=moderator)
    for url in ("/comments/feed/", f"/comments/article/{article.pk}/feed/"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "example.com" not in body
        feed = feedparser.parse(response.content)
        assert [entry.link for entry in feed.entries] == [
            f"http://testserver{article.url}#comment-{shown.pk}"
        ]
        assert "<em>view</em>" in feed.entries[0].summary
        assert held.body not in body


def test_article_feed_of_an_unknown_or_unpublished_article_is_404(client, article, db):
    assert client.get("/comments/article/999999/feed/").status_code == 404
    article.unpublish()
    assert client.get(f"/comments/article/{article.pk}/feed/").status_code == 404


ATOM = "{http://www.w3.org/2005/Atom}"


def test_comment_feeds_come_in_atom_and_json_feed_too(client, article, policy, post):
    policy(moderation="immediate", hold_links=False)
    shown = post(article, name="Layla", body="Who pays for *this*?").comment
    for base in ("/comments/feed/", f"/comments/article/{article.pk}/feed/"):
        atom = client.get(f"{base}atom/")
        assert atom["Content-Type"].startswith("application/atom+xml"), base
        assert not feedparser.parse(atom.content).bozo, base
        assert b"example.com" not in atom.content
        root = ElementTree.fromstring(atom.content)
        assert root.findtext(f"{ATOM}author/{ATOM}name") == "Test Times", base
        (entry,) = root.findall(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Layla"
        assert entry.find(f"{ATOM}link").get("href") == (
            f"http://testserver{article.url}#comment-{shown.pk}"
        )
        assert "<em>this</em>" in entry.findtext(f"{ATOM}summary")

        feed = client.get(f"{base}json/").json()
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        (item,) = feed["items"]
        assert item["authors"] == [{"name": "Layla"}]
        assert "<em>this</em>" in item["content_html"] and item["summary"] == "Who pays for this?"


def test_an_article_advertises_its_comment_feeds_in_its_head(client, article):
    head = client.get(article.url).content.decode().split("</head>", 1)[0]
    links = {
        match["type"]: match
        for match in re.finditer(
            r'<link rel="alternate" type="(?P<type>[^"]+)" title="(?P<title>[^"]+)" '
            r'href="(?P<href>[^"]+)">',
            head,
        )
        if match["title"].startswith("Comments on")
    }
    assert set(links) == {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    }
    atom = links["application/atom+xml"]
    assert html.unescape(atom["title"]) == "Comments on “Coalition grows” (Atom)"
    response = client.get(atom["href"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
