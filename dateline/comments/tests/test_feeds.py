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
