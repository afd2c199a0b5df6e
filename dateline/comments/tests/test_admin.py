import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from dateline.comments.models import Comment, CommenterBan, CommentThread, ModerationEvent
from dateline.newsroom.tests.factories import make_article

QUEUE = "/admin/comments/"
EVIL = '<script>alert("pwned")</script>'


@pytest.fixture
def desk(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def held(article, policy, post):
    policy(moderation="everyone")
    return [
        post(article, email="first@example.com", ip="192.0.2.10", body="First held").comment,
        post(article, email="second@example.com", ip="192.0.2.20", body="Second held").comment,
    ]


def test_only_moderators_reach_the_desk(client, db, held):
    assert client.get(QUEUE).status_code == 302  # to the login page
    editor = get_user_model().objects.create_user("writer", password="pw-12345!")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert client.get(QUEUE)["Location"] == "/admin/"
    client.post(QUEUE + "bulk/", {"comment": held[0].pk, "decision": "approve"})
    assert Comment.objects.get(pk=held[0].pk).status == "pending"
    editor.user_permissions.add(
        Permission.objects.get(codename="change_comment", content_type__app_label="comments")
    )
    assert client.get(QUEUE).status_code == 200


def test_queue_filters_by_email_ip_article_and_section(desk, held, section, post):
    other_section_article = make_article(section, title="Another story")
    post(other_section_article, body="Elsewhere held")
    assert b"First held" in desk.get(QUEUE).content and b"Elsewhere held" in desk.get(QUEUE).content
    by_email = desk.get(QUEUE, {"email": "FIRST@example.com"}).content
    assert b"First held" in by_email and b"Second held" not in by_email
    by_ip = desk.get(QUEUE, {"ip": "192.0.2.20"}).content
    assert b"Second held" in by_ip and b"First held" not in by_ip
    by_article = desk.get(QUEUE, {"article": other_section_article.pk}).content
    assert b"Elsewhere held" in by_article and b"First held" not in by_article
    assert b"First held" in desk.get(QUEUE, {"section": section.pk}).content


def test_bulk_approve_then_spam_is_logged(desk, held, moderator, article):
    ids = [c.pk for c in held]
    response = desk.post(QUEUE + "bulk/", {"comment": ids, "decision": "approve", "next": QUEUE})
    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    assert CommentThread.objects.get(pk=article.pk).approved_count == 2
    desk.post(QUEUE + "bulk/", {"comment": ids[:1], "decision": "spam"})
    assert Comment.objects.get(pk=ids[0]).status == "spam"
    log = desk.get(QUEUE + "log/").content.decode()
    assert log.count("Approved") >= 2 and "Marked as spam" in log and "moderator" in log
    assert ModerationEvent.objects.filter(actor=moderator).count() == 3


def test_comment_in_context_escapes_everything(desk, article, policy, post):
    policy(moderation="everyone")
    comment = post(article, name=EVIL[:80], body=f"{EVIL} hello").comment
    for url in (QUEUE, f"{QUEUE}{comment.pk}/"):
        html = desk.get(url).content.decode()
        assert EVIL not in html and "&lt;script&gt;" in html
    detail = desk.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert article.title in detail and "This commenter" in detail


def test_ban_from_the_desk_and_lift_it(desk, held):
    comment = held[0]
    response = desk.post(
        QUEUE + "bans/",
        {"email": comment.author_email, "ip": "", "duration": "7", "reason": "Abuse", "next": "/"},
    )
    assert response.status_code == 302
    ban = CommenterBan.objects.get()
    assert ban.email == "first@example.com" and ban.until is not None
    comment.refresh_from_db()
    assert comment.status == "rejected"
    refused = desk.post(QUEUE + "bans/", {"duration": "", "reason": "no one"})
    assert refused.status_code == 400 and b"Name an email address" in refused.content
    desk.post(f"{QUEUE}bans/{ban.pk}/lift/")
    ban.refresh_from_db()
    assert ban.lifted_at is not None


def test_thread_switch(desk, article):
    desk.post(f"{QUEUE}thread/{article.pk}/", {"state": "closed"})
    assert CommentThread.objects.get(pk=article.pk).state == "closed"
    page = desk.get(QUEUE, {"article": article.pk, "status": "approved"}).content.decode()
    assert 'value="closed" checked' in page


def test_wagtail_admin_pages_for_policies(desk, article, section):
    comment_settings = desk.get("/admin/settings/comments/commentsettings/", follow=True)
    assert comment_settings.status_code == 200 and b"Banned words" in comment_settings.content
    assert desk.get("/admin/section_comment_policies/").status_code == 200
    assert desk.get("/admin/section_comment_policies/new/").status_code == 200
    edit = desk.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert f"/admin/comments/?status=approved&amp;article={article.pk}" in edit
