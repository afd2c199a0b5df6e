"""What a reader can do to another through the comment forms, and what stops them.

Impersonation (trust and reserved names), lock-outs through someone else's address, the
erase form telling who commented, and forged or malformed headers.
"""

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dateline.comments import actions, digests, selectors
from dateline.comments.edit_tokens import COMMENTER_COOKIE_NAME
from dateline.comments.models import Comment

from .test_views import JSON, POST_URL, form


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user(
        "editor",
        "editor@dateline.example",
        "pw-12345!",
        first_name="Dateline",
        last_name="Editor",
        is_staff=True,
    )


class TestTrust:
    def test_an_impostor_typing_a_trusted_address_waits_for_moderation(
        self, article, policy, moderator
    ):
        policy(moderation="until_trusted", trusted_after=2)
        regular = Client()
        for n in range(2):
            response = regular.post(
                POST_URL, form(article, name="Regular", email="regular@example.com", body=f"{n}")
            )
            assert response.status_code == 302
            comment = Comment.objects.latest("pk")
            assert comment.status == "pending"
            actions.comment_moderate(comment_ids=[comment.pk], decision="approve", by=moderator)
        cookie = regular.cookies[COMMENTER_COOKIE_NAME]
        assert cookie["httponly"] and cookie["path"] == "/comments/" and cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) >= 180 * 24 * 3600
        # The database keeps the key's hash: a copy of it lets nobody post as this browser.
        assert Comment.objects.latest("pk").commenter_key_hash == digests.token_hash(cookie.value)

        impostor = Client(REMOTE_ADDR="198.51.100.66")
        response = impostor.post(
            POST_URL,
            form(article, name="Regular", email="regular@example.com", body="I am them"),
            **JSON,
        )
        assert response.status_code == 201 and response.json()["status"] == "pending"

        response = regular.post(
            POST_URL,
            form(article, name="Regular", email="regular@example.com", body="Me again"),
            **JSON,
        )
        assert response.json()["status"] == "approved"

    def test_a_staff_name_or_address_is_refused_and_the_text_kept(self, article, policy, editor):
        policy(moderation="immediate")
        impostor = Client()
        data = form(
            article,
            name="Dateline Editor (official)",
            email="someone@example.com",
            body="Official: the story is retracted.",
        )
        response = impostor.post(POST_URL, data)
        assert response.status_code == 400
        html = response.content.decode().replace("&#x27;", "'")
        assert "That is the name of someone on the newsroom's staff" in html
        assert 'aria-invalid="true"' in html and "Official: the story is retracted." in html
        assert 'value="Dateline Editor (official)"' in html

        data.update(name="Ed", email="editor@dateline.example")
        response = impostor.post(POST_URL, data, **JSON)
        assert response.status_code == 400
        assert response.json()["errors"]["email"] == [
            "That address belongs to the newsroom's staff: sign in to comment with it."
        ]
        assert not Comment.objects.exists()


@pytest.fixture
def one_minute():
    """Time stands still early in a minute: the limits' fixed windows do not turn over."""
    with time_machine.travel(timezone.now().replace(second=5, microsecond=0), tick=False):
        yield


@pytest.mark.usefixtures("one_minute")
class TestLockOuts:
    def test_posts_in_someones_name_from_elsewhere_do_not_lock_them_out(
        self, article, policy, settings
    ):
        """Three posts, refused duplicates among them, with the victim's address."""
        policy(moderation="immediate", hold_links=False)
        settings.COMMENTS_RATE_LIMITS = {"ip": [(50, 60)], "email": [(3, 60)]}
        attacker = Client(REMOTE_ADDR="198.51.100.66")
        for _ in range(3):
            attacker.post(POST_URL, form(article, email="victim@example.com", body="Same words"))
        assert Comment.objects.count() == 1  # the other two were refused as duplicates
        assert attacker.post(
            POST_URL, form(article, email="victim@example.com", body="More")
        ).status_code == (429)

        victim = Client(REMOTE_ADDR="192.0.2.44")
        response = victim.post(POST_URL, form(article, email="victim@example.com", body="Mine"))
        assert response.status_code == 302
        assert Comment.objects.filter(body="Mine", ip_address="192.0.2.44").exists()

    def test_the_per_address_limit_counts_the_ipv6_64(self, article, policy, settings):
        policy(moderation="immediate", hold_links=False)
        settings.COMMENTS_RATE_LIMITS = {"ip": [(50, 60)], "email": [(2, 60)]}
        for n in range(2):
            roaming = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")
            response = roaming.post(POST_URL, form(article, email="me@example.com", body=f"{n}"))
            assert response.status_code == 302
        roaming = Client(REMOTE_ADDR="2001:db8:1:2::99")
        assert roaming.post(POST_URL, form(article, email="me@example.com")).status_code == 429


def statements(queries) -> list[str]:
    """The SQL run, with every literal (addresses, times, keys, savepoint names) blanked."""
    return [re.sub(r"\d+", "?", re.sub(r"'(?:[^']|'')*'", "?", q["sql"])) for q in queries]


def test_the_erase_form_does_the_same_work_for_every_address(
    article, post, policy, django_capture_on_commit_callbacks, run_worker, mailoutbox
):
    """The same statements and the same queued work, whether or not the address commented."""
    policy(moderation="immediate")
    post(article, email="leaving@example.com")
    client = Client()
    client.get("/comments/erase/")  # settle what a first request loads once
    work = {}
    for email in ["leaving@example.com", "never-commented@example.com"]:
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as queued,
        ):
            response = client.post("/comments/erase/", {"email": email})
        assert response.status_code == 200
        page = response.content.decode().replace(email, "ADDRESS")
        work[email] = (statements(queries.captured_queries), len(queued), page)
        for callback in queued:
            callback()
    with_comments, without = work.values()
    assert with_comments[1] >= 1, "the email is queued for the worker"
    assert with_comments == without
    run_worker()
    assert [message.to for message in mailoutbox] == [["leaving@example.com"]]


class TestMalformedForwardedFor:
    @pytest.mark.parametrize(
        "forwarded", ["garbage", "198.51.100.1:443", ", ,", "1.2.3.4, not-an-ip", "999.1.1.1"]
    )
    def test_a_malformed_header_is_ignored_for_the_proxys_address(
        self, article, policy, post, settings, forwarded
    ):
        policy(moderation="immediate")
        settings.TRUSTED_PROXY_COUNT = 1
        browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=forwarded)
        response = browser.post(POST_URL, form(article))
        assert response.status_code == 302
        assert Comment.objects.get().ip_address == "10.0.0.7"
        other = post(article).comment
        report = browser.post(f"/comments/{other.pk}/report/", {"reason": "spam"})
        assert report.status_code == 200
        assert browser.post("/comments/erase/", {"email": "me@example.com"}).status_code == 200

    def test_a_well_formed_header_names_the_reader(self, article, policy, settings):
        policy(moderation="immediate")
        settings.TRUSTED_PROXY_COUNT = 1
        browser = Client(REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="forged, 2001:DB8::0:1")
        assert browser.post(POST_URL, form(article)).status_code == 302
        assert Comment.objects.get().ip_address == "2001:db8::1"


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ('"a\x0bb"@example.com', "U+000B"),
        ("a\x0bb@example.com", "U+000B"),
        ("me@[192.0.2.1]", "bracketed IP address"),
        ("me@[IPv6:2001:db8::1]", "bracketed IP address"),
        ("me@exa\u2028mple.com", "LINE SEPARATOR"),
    ],
)
def test_the_erase_form_refuses_unusable_addresses(client, db, email, reason, mailoutbox):
    response = client.post("/comments/erase/", {"email": email})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter an email address like name@example.com." in html and reason in html
    assert not mailoutbox


def test_the_ban_form_takes_a_prefix_and_explains_a_bad_one(client, moderator):
    client.force_login(moderator)
    response = client.post(
        "/admin/comments/bans/", {"ip": "2001:db8:7::/48", "duration": "7", "reason": "Botnet"}
    )
    assert response.status_code == 302
    assert selectors.active_ban(email="", ip="2001:db8:7:abcd::1") is not None
    response = client.post(
        "/admin/comments/bans/", {"ip": "2001:db8::/8", "duration": "7", "reason": "Too wide"}
    )
    assert response.status_code == 400 and "too wide to ban" in response.content.decode()
