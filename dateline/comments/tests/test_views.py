import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dateline.comments import actions
from dateline.comments.edit_tokens import COOKIE_NAME
from dateline.comments.models import Comment, CommentThread
from dateline.core import formstamp
from dateline.newsroom.tests.factories import make_article

POST_URL = "/comments/post/"
JSON = {"HTTP_ACCEPT": "application/json"}


def old_stamp() -> str:
    """A form handed out a minute ago: long enough for a person to have typed."""
    with time_machine.travel(timezone.now() - timedelta(minutes=1)):
        return formstamp.issue()


def form(target, **fields) -> dict:
    return {
        "article": target.pk,
        "name": "Amira",
        "email": "amira@example.com",
        "body": "The coalition needs more than airstrikes.",
        "issued": old_stamp(),
        **fields,
    }


@pytest.fixture
def open_policy(policy):
    return policy(moderation="immediate", hold_links=False)


class TestCachedArticlePage:
    def test_the_shared_page_carries_the_form_but_nothing_of_the_visitor(self, client, article):
        first = client.get(article.url)
        second = client.get(article.url)
        assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
        html = second.content.decode()
        assert 'action="/comments/post/"' in html and "Click to comment" in html
        assert "csrfmiddlewaretoken" not in html
        assert not second.cookies and "Cookie" not in second.get("Vary", "")

    def test_post_from_the_cached_page_then_see_it_after_approval(
        self, client, article, policy, moderator, django_capture_on_commit_callbacks
    ):
        policy(moderation="everyone")
        assert client.get(article.url)["X-Cache"] == "MISS"
        response = client.post(POST_URL, form(article), **JSON)
        assert response.status_code == 201
        data = response.json()
        assert data["status"] == "pending" and "awaiting moderation" in data["message"]
        assert "Awaiting moderation" in data["comment"]["html"]
        cookie = response.cookies[COOKIE_NAME]
        assert cookie["path"] == "/comments/" and cookie["httponly"] and cookie["samesite"] == "Lax"

        page = client.get(article.url)
        assert page["X-Cache"] == "HIT"  # a held comment changes nothing for other readers
        assert "The coalition needs more" not in page.content.decode()
        mine = client.get(reverse("comments:mine") + f"?article={article.pk}").json()["comments"]
        assert [(c["status"], c["editable"]) for c in mine] == [("pending", True)]
        assert "no-cache" in client.get(reverse("comments:mine"))["Cache-Control"]

        with django_capture_on_commit_callbacks(execute=True):
            actions.comment_moderate(
                comment_ids=[data["comment"]["id"]], decision="approve", by=moderator
            )
        page = client.get(article.url)
        assert page["X-Cache"] == "MISS"
        html = page.content.decode()
        assert "The coalition needs more than airstrikes." in html
        assert '<a class="comment-link" href="#comments">1 comment</a>' in html

    def test_plain_form_post_without_javascript(self, client, article, open_policy):
        response = client.post(POST_URL, form(article))
        comment = Comment.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/comments/{comment.pk}/"
        page = client.get(response["Location"])
        html = page.content.decode()
        assert "your comment is published" in html
        assert f'href="/comments/{comment.pk}/edit/"' in html

    def test_listings_show_the_count(
        self, client, article, section, open_policy, post, django_capture_on_commit_callbacks
    ):
        assert "Click to comment" in client.get(section.url).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            post(article)
            post(article)
        assert "2 comments" in client.get(section.url).content.decode()


class TestBadInput:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"body": "x" * 5001}, "the limit is 5,000"),
            ({"body": "   \n "}, "Write something before posting."),
            ({"email": "not-an-address"}, "Enter an email address like"),
            # A vertical tab would reach the To: header of a reply notification as a newline.
            ({"email": '"a\x0bBcc: x@evil.example"@example.com'}, "Enter an email address like"),
            ({"email": "a\x0bb@example.com"}, "invalid characters"),
            ({"email": "amira@[127.0.0.1]"}, "bracketed IP address"),
            ({"email": "amira@[IPv6:2001:db8::1]"}, "bracketed IP address"),
            ({"email": "amira@localhost"}, "Enter an email address like"),
            ({"email": ""}, "Enter your email address"),
            ({"name": ""}, "Tell us your name"),
            ({"name": "n" * 81}, "80 characters at most"),
            ({"url": "javascript:alert(1)"}, "starting with http:// or https://"),
            ({"body": "\x01\x02\x1b\u202e"}, "Write something before posting."),
            ({"body": "nul \x00 byte"}, "Null characters are not allowed."),
            ({"phone": "555-0100"}, "could not be accepted"),
            ({"issued": "forged"}, "not handed out by this site"),
            ({"parent": "abc"}, "not on this article"),
            ({"article": "abc"}, "does not exist or is not published"),
        ],
    )
    def test_field_errors_keep_the_text_and_store_nothing(
        self, client, article, open_policy, fields, message
    ):
        data = form(article, **fields)
        response = client.post(POST_URL, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html.replace("&#x27;", "'")
        if data["body"].isprintable() and data["body"].strip() and len(data["body"]) < 6000:
            assert data["body"] in html
        assert not Comment.objects.exists()

    def test_json_errors_name_the_field(self, client, article, open_policy):
        response = client.post(POST_URL, form(article, email="nope"), **JSON)
        assert response.status_code == 400
        assert response.json()["errors"]["email"] == [
            "Enter an email address like name@example.com. An email address must have an @-sign."
        ]

    def test_posting_faster_than_a_person_types(self, client, article, open_policy):
        response = client.post(POST_URL, form(article, issued=formstamp.issue()))
        assert response.status_code == 400 and "quicker than anyone" in response.content.decode()

    @pytest.mark.parametrize("article_id", ["999999", "0", "-1", "1e9", "99999999999999999999"])
    def test_unknown_article(self, client, article, article_id):
        data = form(article)
        data["article"] = article_id
        response = client.post(POST_URL, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert data["body"] in html
        assert not Comment.objects.exists()

    def test_closed_thread(self, client, article, moderator):
        actions.thread_state_set(article=article, state="closed", by=moderator)
        response = client.post(POST_URL, form(article))
        assert response.status_code == 400
        assert "Comments on this article are closed." in response.content.decode()
        assert "The coalition needs more than airstrikes." in response.content.decode()

    def test_reply_to_another_articles_comment(self, client, article, section, open_policy, post):
        other = post(make_article(section, title="Other")).comment
        response = client.post(POST_URL, form(article, parent=other.pk))
        assert response.status_code == 400 and "not on this article" in response.content.decode()
        assert Comment.objects.count() == 1

    def test_reply_beyond_the_depth_limit(self, client, article, policy, post):
        policy(moderation="immediate", max_depth=2)
        top = post(article).comment
        reply = post(article, parent_id=top.pk).comment
        response = client.post(POST_URL, form(article, parent=reply.pk))
        assert response.status_code == 400 and "2 levels deep at most" in response.content.decode()

    def test_html_and_script_in_every_field_are_harmless(self, client, article, open_policy):
        evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        response = client.post(
            POST_URL,
            form(article, name=evil[:80], body=f"{evil} **ok**", url="https://e.example/?q=<b>"),
        )
        assert response.status_code == 302
        pages = [
            client.get(article.url),
            client.get(reverse("comments:feed")),
            client.get(reverse("comments:article_feed", args=[article.pk])),
            client.get(response["Location"]),
        ]
        for page in pages:
            assert page.status_code == 200
            assert "<script>alert" not in page.content.decode()
            assert "<img src=x" not in page.content.decode()

    def test_huge_unicode_is_measured_in_characters(self, client, article, open_policy):
        response = client.post(POST_URL, form(article, body="🙂" * 4000))
        assert response.status_code == 302
        response = client.post(POST_URL, form(article, body="🙂" * 5001, email="b@example.com"))
        assert response.status_code == 400 and "5,001 characters" in response.content.decode()

    def test_rate_limit_answers_429_with_retry_after_and_keeps_the_text(
        self, client, article, open_policy, settings
    ):
        settings.COMMENTS_RATE_LIMITS = {"ip": [(2, 60)], "email": [(10, 60)]}
        for n in range(2):
            assert client.post(POST_URL, form(article, body=f"point {n}")).status_code == 302
        response = client.post(POST_URL, form(article, body="third point"))
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
        assert "posting too fast" in response.content.decode()
        assert "third point" in response.content.decode()
        assert Comment.objects.count() == 2

    def test_a_post_from_another_sites_page_is_refused(self, client, article, open_policy):
        response = client.post(POST_URL, form(article), HTTP_ORIGIN="https://evil.example")
        assert response.status_code == 403 and not Comment.objects.exists()

    def test_signed_in_readers_need_a_csrf_token(self, article, open_policy, moderator):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(moderator)
        assert browser.post(POST_URL, form(article)).status_code == 403
        page = browser.get(article.url).content.decode()
        assert "Commenting as" in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        response = browser.post(POST_URL, {**form(article), "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert Comment.objects.get().user == moderator


class TestOwnComments:
    def test_edit_and_delete_from_the_same_browser_only(self, client, article, open_policy):
        client.post(POST_URL, form(article))
        comment = Comment.objects.get()
        stranger = Client()  # answered as if the comment did not exist (test_views_privacy)
        assert stranger.get(f"/comments/{comment.pk}/edit/").status_code == 404
        assert stranger.post(f"/comments/{comment.pk}/edit/", {"body": "hijack"}).status_code == 404
        response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Better wording."}, **JSON)
        assert (
            response.status_code == 200 and "Better wording." in response.json()["comment"]["html"]
        )
        assert stranger.post(f"/comments/{comment.pk}/delete/").status_code == 404
        assert client.post(f"/comments/{comment.pk}/delete/").status_code == 302
        comment.refresh_from_db()
        assert comment.status == "deleted"

    def test_edit_window_closes(self, client, article, open_policy):
        client.post(POST_URL, form(article))
        comment = Comment.objects.get()
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.post(f"/comments/{comment.pk}/edit/", {"body": "late"})
        assert response.status_code == 400
        assert "no longer be edited" in response.content.decode()

    def test_a_pending_comment_is_seen_only_by_its_author(self, client, article, policy):
        policy(moderation="everyone")
        response = client.post(POST_URL, form(article))
        assert client.get(response["Location"]).status_code == 200
        assert Client().get(response["Location"]).status_code == 404


class TestThreadDisplay:
    def test_sort_and_paginate(self, client, article, policy, post):
        policy(moderation="immediate", per_page=2)
        for n in range(5):
            post(article, body=f"Comment number {n}")
        first = client.get(article.url).content.decode()
        assert "Comment number 0" in first and "Comment number 2" not in first
        newest = client.get(article.url + "?csort=newest").content.decode()
        assert newest.index("Comment number 4") < newest.index("Comment number 3")
        last = client.get(article.url + "?cpage=3").content.decode()
        assert "Comment number 4" in last
        beyond = client.get(article.url + "?cpage=9")  # emptied by moderation since linked
        assert beyond.status_code == 200 and "Comment number 4" in beyond.content.decode()

    def test_replies_show_in_reply_to_and_removed_parents_leave_a_marker(
        self, client, article, policy, post, moderator
    ):
        policy(moderation="immediate")
        top = post(article, name="Layla").comment
        post(article, parent_id=top.pk, name="Omar", body="Answering Layla")
        html = client.get(article.url).content.decode()
        assert f'in reply to <a href="#comment-{top.pk}">Layla</a>' in html
        actions.comment_moderate(comment_ids=[top.pk], decision="reject", by=moderator)
        client.get(article.url)
        html = client.get(article.url + "?x=1").content.decode()
        assert "removed by a moderator" in html and "Answering Layla" in html

    def test_the_page_stays_a_few_queries_with_5000_comments(
        self, client, article, policy, django_assert_max_num_queries
    ):
        policy(moderation="immediate")
        now = timezone.now()
        roots = Comment.objects.bulk_create(
            Comment(
                article=article,
                author_name="R",
                body="b",
                body_html="<p>b</p>",
                status="approved",
                created_at=now,
                body_digest=str(n),
            )
            for n in range(2500)
        )
        Comment.objects.bulk_create(
            Comment(
                article=article,
                parent=root,
                root=root,
                depth=1,
                author_name="R",
                body="r",
                body_html="<p>r</p>",
                status="approved",
                created_at=now,
                body_digest=f"r{n}",
            )
            for n, root in enumerate(roots)
        )
        CommentThread.objects.create(article=article, approved_count=5000)
        with django_assert_max_num_queries(24):
            response = client.get(article.url)
        assert "5,000 comments" in response.content.decode()


class TestReports:
    def test_report_without_javascript(self, client, article, open_policy, post):
        comment = post(article).comment
        page = client.get(f"/comments/{comment.pk}/report/")
        assert page.status_code == 200
        assert client.post(f"/comments/{comment.pk}/report/", {}).status_code == 400
        done = client.post(f"/comments/{comment.pk}/report/", {"reason": "abuse", "note": "rude"})
        assert "moderators will look" in done.content.decode()
        comment.refresh_from_db()
        assert comment.report_count == 1


def test_reply_page_without_javascript(client, article, open_policy, post):
    parent = post(article, name="Layla").comment
    page = client.get(f"/comments/{parent.pk}/reply/")
    html = page.content.decode()
    assert "Reply to Layla" in html and f'name="parent" value="{parent.pk}"' in html
    response = client.post(POST_URL, form(article, parent=parent.pk, body="My answer"))
    assert response.status_code == 302
    assert Comment.objects.get(body="My answer").parent == parent


def test_signed_in_reader_can_reply_from_the_reply_page(article, open_policy, post, moderator):
    parent = post(article).comment
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    html = browser.get(f"/comments/{parent.pk}/reply/").content.decode()
    assert "Commenting as" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    data = {
        "article": article.pk,
        "parent": parent.pk,
        "body": "Staff reply",
        "issued": old_stamp(),
    }
    response = browser.post(POST_URL, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_comments_of_a_withdrawn_article_are_not_served(client, article, open_policy, post):
    comment = post(article, body="About to vanish").comment
    article.unpublish()
    assert client.get(f"/comments/{comment.pk}/").status_code == 404
    assert client.get(f"/comments/{comment.pk}/report/").status_code == 404
    assert b"About to vanish" not in client.get("/comments/feed/").content


def test_report_rate_limit_answers_429(client, article, open_policy, post):
    comments = [post(article).comment for _ in range(11)]
    for comment in comments[:10]:
        client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"}, **JSON)
    response = client.post(f"/comments/{comments[10].pk}/report/", {"reason": "spam"}, **JSON)
    assert response.status_code == 429 and "many reports" in response.json()["message"]
    assert int(response["Retry-After"]) > 0


def test_own_published_comment_page_does_not_say_pending(client, article, open_policy):
    response = client.post(POST_URL, form(article))
    html = client.get(response["Location"]).content.decode()
    assert "your comment is published" in html and "Awaiting moderation" not in html
