"""Emails that comments send, delivered by SMTP to a real server on loopback."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dateline.comments import actions, tokens
from dateline.comments.models import ModeratorAlert, ReplyNotificationAddress

pytestmark = pytest.mark.django_db(transaction=True)


def link_in(message, path_prefix: str) -> str:
    text = next(
        part.get_content() for part in message.walk() if part.get_content_type() == "text/plain"
    )
    return re.search(rf"http://testserver({re.escape(path_prefix)}[^\s>]+)", text)[1]


@pytest.fixture
def thread(article, policy):
    policy(moderation="immediate", hold_links=False)
    return article


@pytest.fixture
def article(db):
    from dateline.demo.actions import _tree_root
    from dateline.newsroom.tests.factories import make_article, make_section

    _tree_root()
    return make_article(make_section(title="World"), title="Talks resume")


def test_reply_notifications_need_a_confirmed_address_and_stop_in_one_click(
    thread, post, smtp_server, run_worker
):
    asker = post(thread, email="layla@example.com", notify_replies=True).comment
    run_worker()
    [confirmation] = smtp_server.received()
    assert confirmation["To"] == "layla@example.com"
    assert "Confirm your address" in confirmation["Subject"]

    # A reply before confirming sends nothing to the address.
    post(thread, parent_id=asker.pk, body="An early reply")
    run_worker()
    assert len(smtp_server.messages) == 1

    confirm_path = link_in(confirmation, "/comments/notify/confirm/")
    browser = Client()
    page = browser.get(confirm_path)
    assert page.status_code == 200 and b"Confirm" in page.content
    assert ReplyNotificationAddress.objects.get().confirmed_at is None  # GET is not consent
    browser.post(confirm_path)
    assert ReplyNotificationAddress.objects.get().confirmed_at is not None

    post(thread, parent_id=asker.pk, name="Omar", body="I disagree, *strongly*.")
    run_worker()
    notification = smtp_server.received()[-1]
    assert notification["To"] == "layla@example.com"
    assert "Talks resume" in notification["Subject"]
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<http://testserver(/[^>]+)>", notification["List-Unsubscribe"].strip()
    )[1]
    html = next(p.get_content() for p in notification.walk() if p.get_content_type() == "text/html")
    assert "<em>strongly</em>" in html

    # RFC 8058: a bare POST, no cookie, no CSRF token.
    assert Client(enforce_csrf_checks=True).post(unsubscribe).status_code == 200
    post(thread, parent_id=asker.pk, body="Another reply")
    run_worker()
    assert len(smtp_server.messages) == 2


def test_confirmation_emails_are_limited_to_one_a_day_per_address(
    thread, post, smtp_server, run_worker
):
    for _ in range(3):
        post(thread, email="victim@example.com", notify_replies=True)
    run_worker()
    assert len(smtp_server.messages) == 1
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        post(thread, email="victim@example.com", notify_replies=True)
        run_worker()
    assert len(smtp_server.messages) == 2


def test_nobody_is_emailed_about_their_own_reply_or_a_held_one(
    thread, policy, post, smtp_server, run_worker
):
    asker = post(thread, email="me@example.com", notify_replies=True).comment
    actions.reply_notifications_confirm(email="me@example.com")
    run_worker()
    smtp_server.messages.clear()
    post(thread, parent_id=asker.pk, email="me@example.com", body="Adding to my own point")
    policy(moderation="everyone")
    post(thread, parent_id=asker.pk, body="Held reply")
    run_worker()
    assert smtp_server.messages == []


def test_links_are_signed_single_purpose_and_expire():
    confirm = tokens.make(tokens.CONFIRM_NOTIFICATIONS, "a@example.com")
    with pytest.raises(tokens.BadToken, match="not valid"):
        tokens.read(tokens.UNSUBSCRIBE, confirm)
    with pytest.raises(tokens.BadToken, match="not valid"):
        tokens.read(tokens.CONFIRM_NOTIFICATIONS, confirm[:-2] + "xx")
    later = time_machine.travel(timezone.now() + timedelta(days=4))
    with later, pytest.raises(tokens.BadToken, match="expired"):
        tokens.read(tokens.CONFIRM_NOTIFICATIONS, confirm)
    assert Client().get("/comments/notify/confirm/forged/").status_code == 400


def test_moderators_get_one_digest_for_many_held_and_reported_comments(
    thread, policy, post, moderator, smtp_server, run_worker
):
    policy(moderation="everyone")
    for n in range(5):
        post(thread, body=f"Held comment {n}")
    approved = actions.comment_post(article=thread, body="Staff note", user=moderator).comment
    actions.comment_report(comment=approved, reason="abuse", ip="203.0.113.9")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        run_worker()
    [digest] = smtp_server.received()
    assert digest["To"] == "mod@example.com"
    assert digest["Subject"] == "5 held, 1 reported: comments need moderation"
    assert not ModeratorAlert.objects.filter(sent_at__isnull=True).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        run_worker()
    assert len(smtp_server.messages) == 1


def test_erasure_is_confirmed_from_the_address_itself(thread, post, smtp_server, run_worker):
    comment = post(thread, email="leaving@example.com", name="Leaving Reader").comment
    browser = Client()
    response = browser.post("/comments/erase/", {"email": "leaving@example.com"})
    assert b"is on its way" in response.content
    same = browser.post("/comments/erase/", {"email": "nobody@example.com"})
    assert b"is on its way" in same.content  # the same answer: no way to learn who commented
    run_worker()
    [message] = smtp_server.received()
    assert message["To"] == "leaving@example.com"
    erase_path = link_in(message, "/comments/erase/")
    assert browser.get(erase_path).status_code == 200
    comment.refresh_from_db()
    assert comment.author_email == "leaving@example.com"
    browser.post(erase_path, {"remove_text": "on"})
    comment.refresh_from_db()
    assert comment.author_email == "" and comment.status == "deleted"


def test_a_reply_is_notified_once_whatever_moderation_does_after(
    thread, post, moderator, smtp_server, run_worker
):
    asker = post(thread, email="once@example.com", notify_replies=True).comment
    actions.reply_notifications_confirm(email="once@example.com")
    reply = post(thread, parent_id=asker.pk, body="A reply").comment
    for decision in ("reject", "approve", "reject", "approve"):
        actions.comment_moderate(comment_ids=[reply.pk], decision=decision, by=moderator)
    run_worker()
    notifications = [m for m in smtp_server.received() if m["To"] == "once@example.com"]
    assert len([m for m in notifications if "New reply" in m["Subject"]]) == 1


def test_no_alert_waits_forever_for_a_digest(
    thread, policy, post, moderator, smtp_server, run_worker
):
    policy(moderation="everyone")
    start = timezone.now()
    post(thread, body="First held")
    with time_machine.travel(start + timedelta(minutes=5)):
        post(thread, body="Second held")
    with time_machine.travel(start + timedelta(minutes=11)):
        run_worker()
    with time_machine.travel(start + timedelta(minutes=12)):
        post(thread, body="Third held")
    with time_machine.travel(start + timedelta(minutes=23)):
        run_worker()
    subjects = [m["Subject"] for m in smtp_server.received()]
    assert subjects == [
        "2 held, 0 reported: comments need moderation",
        "1 held, 0 reported: comments need moderation",
    ]
    assert not ModeratorAlert.objects.filter(sent_at__isnull=True).exists()


def test_every_comment_email_made_while_the_server_is_down_arrives_once_it_is_back(
    thread, policy, post, moderator, smtp_outage, run_worker
):
    """A reply notification, a confirmation of reply notifications, an erasure link and the
    moderators' digest, all made while the mail server is down: each arrives once when it
    is back, and the one-a-day caps were not used up by the failed attempts."""
    from collections import Counter

    from dateline.core.models import TransactionalEmail

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        asker = post(thread, email="asker@example.com", notify_replies=True).comment
        actions.reply_notifications_confirm(email="asker@example.com")
        post(thread, parent_id=asker.pk, body="A reply while the mail is down")
        post(thread, email="newcomer@example.com", notify_replies=True)
        post(thread, email="leaving@example.com")
        actions.commenter_erasure_request(email="leaving@example.com")
        policy(moderation="everyone")
        post(thread, body="Held while the mail is down")
        run_worker()
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        run_worker()  # the digest is due: queued, and refused like the rest
    # Four tried and waiting; the asker's own confirmation is not sent (confirmed since).
    waiting = TransactionalEmail.objects.filter(status="queued")
    assert waiting.count() == 4 and not waiting.filter(attempts=0).exists()

    smtp_outage.up()
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        run_worker()
        # Within the day: the caps hold the one that was sent, not the attempts.
        assert not actions.reply_notifications_request(email="newcomer@example.com")
        actions.commenter_erasure_request(email="leaving@example.com")
        run_worker()
    with time_machine.travel(start + timedelta(days=3), tick=False):
        run_worker()
    received = Counter((m["To"], m["Subject"].strip()) for m in smtp_outage.received())
    assert received == {
        ("asker@example.com", "New reply to your comment on “Talks resume”"): 1,
        ("newcomer@example.com", "Confirm your address for reply notifications"): 1,
        ("leaving@example.com", "Erase your comment data"): 1,
        ("mod@example.com", "1 held, 0 reported: comments need moderation"): 1,
    }


def test_a_reply_withdrawn_before_its_email_could_go_is_not_notified(
    thread, post, moderator, smtp_outage, run_worker
):
    from dateline.core.models import TransactionalEmail

    asker = post(thread, email="asker@example.com", notify_replies=True).comment
    actions.reply_notifications_confirm(email="asker@example.com")
    reply = post(thread, parent_id=asker.pk, body="Regrettable").comment
    run_worker()
    actions.comment_moderate(comment_ids=[reply.pk], decision="reject", by=moderator)
    smtp_outage.up()
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        run_worker()
    assert not [m for m in smtp_outage.received() if "New reply" in m["Subject"]]
    email = TransactionalEmail.objects.get(kind="comments/reply")
    assert email.status == "skipped" and "no longer published" in email.last_error
