"""Sending a campaign through a real SMTP server on loopback (aiosmtpd)."""

import threading
from collections import Counter
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from dateline.core.processes import HOST
from dateline.newsletter import actions, content, tokens
from dateline.newsletter.models import (
    Campaign,
    Delivery,
    Newsletter,
    Subscriber,
    SuppressedAddress,
)
from dateline.newsletter.selectors import campaign_progress
from dateline.testing.smtp import smtp_sink

from .conftest import compose, subscribe

Status = Delivery.Status


def start(campaign, capture):
    with capture(execute=True):
        actions.campaign_start(campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def test_every_confirmed_subscriber_gets_one_message_with_bulk_headers(
    newsletters, article, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    digest = newsletters[0]
    confirmed = [subscribe(f"reader{i}@example.com", digest) for i in range(12)]
    subscribe("pending@example.com", digest, status="pending")
    subscribe("left@example.com", digest, status="unsubscribed")
    subscribe("other-list@example.com", newsletters[1])
    suppressed = subscribe("bounced@example.com", digest)
    actions.address_suppress(email="bounced@example.com", reason="bounce")
    suppressed_later = subscribe("Suppressed@Example.com", digest)
    SuppressedAddress.objects.create(
        email="suppressed@example.com",
        email_key="suppressed@example.com",
        created_at=timezone.now(),
    )

    campaign = start(compose(digest, article), django_capture_on_commit_callbacks)
    run_worker()

    assert Counter(smtp_server.recipients()) == Counter(s.email for s in confirmed)
    assert campaign.recipients_total == 12
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.failed, progress.in_doubt, progress.percent) == (12, 0, 0, 100)
    assert not Delivery.objects.filter(subscriber__in=[suppressed, suppressed_later]).exists()

    message = next(m for m in smtp_server.received() if m["To"] == confirmed[0].email)
    assert message["Message-ID"] == content.message_id(campaign.pk, confirmed[0].pk)
    assert message["List-Id"] == "Daily digest <daily.localhost>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"].strip().startswith("<http://testserver/newsletter/unsubscribe/")
    )
    assert message["Subject"] == "This week in the Middle East"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "US Gains Support From World Powers vs ISIS" in text and "Jane Reporter" in text
    assert f"http://testserver/newsletter/issues/{campaign.pk}/" in text
    assert confirmed[0].email in text and "@@dl-" not in text + html
    # The CSS is inlined (a library, css-inline), the responsive rules kept.
    assert 'class="headline" style="' in html and "@media" in html


def test_the_browser_copy_has_no_personal_links_and_goes_with_its_articles(
    client, newsletters, article
):
    subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    assert client.get(f"/newsletter/issues/{campaign.pk}/").status_code == 404  # a draft
    actions.campaign_start(campaign=campaign)

    page = client.get(f"/newsletter/issues/{campaign.pk}/").content.decode()

    assert "US Gains Support From World Powers vs ISIS" in page
    assert "reader@example.com" not in page and "@@dl-" not in page
    assert "/newsletter/unsubscribe/" not in page
    article.unpublish()
    assert client.get(f"/newsletter/issues/{campaign.pk}/").status_code == 404


def test_the_one_click_header_unsubscribes_and_counts_in_the_report(
    client, newsletters, article, smtp_server, django_capture_on_commit_callbacks
):
    reader = subscribe("reader@example.com", newsletters[0])
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)
    actions.campaign_deliver(campaign_id=campaign.pk)

    header = smtp_server.received()[0]["List-Unsubscribe"].strip().strip("<>")
    response = client.post(urlparse(header).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED
    assert campaign_progress(campaign).unsubscribed == 1


def one_click(client, message):
    """What a mail service does with RFC 8058 headers: POST the link, no cookie, no token."""
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip().strip("<>")
    return client.post(urlparse(url).path, {"List-Unsubscribe": "One-Click"})


def test_one_click_leaves_only_the_list_the_message_belongs_to(
    client, newsletters, article, smtp_server, django_capture_on_commit_callbacks
):
    """An issue, a breaking-news alert and a digest: each one's link leaves its own list."""
    digest, breaking = newsletters
    weekly = Newsletter.objects.create(name="Middle East weekly", slug="mideast", position=3)
    reader = subscribe("reader@example.com", digest, breaking, weekly)

    def lists():
        return sorted(reader.subscriptions.values_list("newsletter__slug", flat=True))

    issue = start(compose(weekly, article), django_capture_on_commit_callbacks)
    actions.campaign_deliver(campaign_id=issue.pk)
    message = smtp_server.received()[-1]
    page = client.get(urlparse(message["List-Unsubscribe"].strip("<> ")).path).content.decode()
    assert "Stop “Middle East weekly”" in page and "/newsletter/manage/" in page
    response = one_click(Client(enforce_csrf_checks=True), message)
    assert response.status_code == 200
    assert "no more “Middle East weekly”" in response.content.decode()
    assert lists() == ["breaking", "daily"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED
    assert campaign_progress(issue).unsubscribed == 1
    assert reader.consents.first().newsletters == "Middle East weekly"

    # A breaking-news alert belongs to the breaking-news list that sent it.
    (alert,) = actions.article_alert_send(article=article)
    actions.campaign_deliver(campaign_id=alert.pk)
    assert one_click(client, smtp_server.received()[-1]).status_code == 200
    assert lists() == ["daily"]

    # A digest belongs to its digest newsletter; leaving the last list leaves the list.
    now = timezone.localtime()
    slot = now.replace(hour=digest.send_time.hour, minute=0, second=0, microsecond=0)
    slot += timedelta(days=1) if slot <= now else timedelta()
    with time_machine.travel(slot + timedelta(seconds=30)):
        (sent,) = actions.digests_send_due()
        actions.campaign_deliver(campaign_id=sent.pk)
    assert sent.kind == Campaign.Kind.DIGEST
    assert one_click(client, smtp_server.received()[-1]).status_code == 200
    assert lists() == []
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_links_sent_before_they_named_their_list_leave_their_sends_list(
    client, newsletters, article
):
    digest, breaking = newsletters
    reader = subscribe("reader@example.com", digest, breaking)
    campaign = compose(breaking, article)
    token = tokens.unsubscribe_token(reader, campaign_id=campaign.pk)  # no newsletter named

    assert client.post(f"/newsletter/unsubscribe/{token}/").status_code == 200

    assert list(reader.subscriptions.values_list("newsletter__slug", flat=True)) == ["daily"]


def test_a_link_whose_newsletter_is_gone_leaves_nothing(client, newsletters, article):
    digest, breaking = newsletters
    reader = subscribe("reader@example.com", digest, breaking)
    gone = Newsletter.objects.create(name="Closed", slug="closed")
    token = tokens.unsubscribe_token(reader, newsletter_id=gone.pk)
    gone.delete()

    response = client.post(f"/newsletter/unsubscribe/{token}/")

    assert response.status_code == 200 and "nothing to leave" in response.content.decode()
    assert reader.subscriptions.count() == 2


@pytest.mark.django_db(transaction=True)
def test_leaving_during_a_send_takes_effect_for_messages_not_yet_sent(
    newsletters, article, smtp_server
):
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(6)]
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    def leave_on_first(envelope):
        if len(smtp_server.messages) == 0:
            actions.subscriber_unsubscribe(subscriber=readers[-1], source="test")
            actions.address_suppress(email=readers[-2].email)
            connection.close()

    smtp_server.reply = leave_on_first
    actions.campaign_deliver(campaign_id=campaign.pk)

    assert sorted(smtp_server.recipients()) == sorted(r.email for r in readers[:-2])
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.skipped) == (4, 2)


def test_a_permanent_refusal_fails_the_delivery_and_suppresses_the_address(
    newsletters, article, smtp_server, django_capture_on_commit_callbacks
):
    subscribe("good@example.com", newsletters[0])
    bad = subscribe("nobody@example.com", newsletters[0])
    smtp_server.refuse_rcpt = lambda rcpt: "550 5.1.1 No such user" if "nobody@" in rcpt else None
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)

    actions.campaign_deliver(campaign_id=campaign.pk)

    failed = Delivery.objects.get(subscriber=bad)
    assert failed.status == Status.FAILED and failed.error.startswith("550 5.1.1")
    assert SuppressedAddress.objects.filter(email_key="nobody@example.com").exists()
    bad.refresh_from_db()
    assert bad.status == Subscriber.Status.UNSUBSCRIBED
    assert smtp_server.recipients() == ["good@example.com"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_refusal_of_the_message_fails_it_without_blaming_the_reader(
    newsletters, article, smtp_server
):
    """Relay denied, content policy, too big: not the address's fault, so no suppression."""
    reader = subscribe("reader@example.com", newsletters[0])
    smtp_server.reply = lambda envelope: "554 5.7.1 Message rejected: content policy"
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_deliver(campaign_id=campaign.pk)

    assert Delivery.objects.get(subscriber=reader).status == Status.FAILED
    assert not SuppressedAddress.objects.exists()
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED


def test_a_server_refusing_message_after_message_pauses_the_send(newsletters, article, smtp_server):
    readers = [subscribe(f"reader{i:02d}@example.com", newsletters[0]) for i in range(15)]
    smtp_server.refuse_rcpt = lambda rcpt: "554 5.7.1 Relay access denied"
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_deliver(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "refused 10 messages in a row" in campaign.last_error
    assert "Relay access denied" in campaign.last_error
    progress = campaign_progress(campaign)
    assert (progress.failed, progress.waiting) == (10, 5)
    assert not SuppressedAddress.objects.exists()
    failed = Delivery.objects.filter(status=Status.FAILED).values_list("subscriber", flat=True)
    assert sorted(failed) == [r.pk for r in readers[:10]]  # in order, then the pause


def test_a_server_refusing_our_sender_stops_the_batch_without_counting_attempts(
    newsletters, article, smtp_server, settings
):
    subscribe("reader@example.com", newsletters[0])
    settings.NEWSLETTER_RETRY_SECONDS = 60
    smtp_server.refuse_mail = "553 5.7.1 Sender address rejected: not owned by user"
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    outcome = actions.campaign_deliver(campaign_id=campaign.pk)

    assert outcome.stopped == "connection"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.QUEUED, 0)
    assert delivery.next_attempt_at > timezone.now()
    campaign.refresh_from_db()
    assert "refuses to take our mail" in campaign.last_error
    assert "Sender address rejected" in campaign.last_error


def test_a_temporary_refusal_is_retried_later_and_delivered_once(
    newsletters, article, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_RETRY_SECONDS = 60
    reader = subscribe("busy@example.com", newsletters[0])
    refusals = []

    def greylist(envelope):
        if not refusals:
            refusals.append(envelope)
            return "451 4.7.1 Greylisted, try again later"
        return None

    smtp_server.reply = greylist
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)
    actions.campaign_deliver(campaign_id=campaign.pk)

    deferred = Delivery.objects.get(subscriber=reader)
    assert deferred.status == Status.DEFERRED and deferred.error.startswith("451")
    assert deferred.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert campaign_progress(campaign).deferred == 1
    actions.campaign_deliver(campaign_id=campaign.pk)  # not due yet: nothing happens
    assert smtp_server.messages == []

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        actions.campaign_deliver(campaign_id=campaign.pk)

    deferred.refresh_from_db()
    assert (deferred.status, deferred.attempts) == (Status.SENT, 2)
    assert smtp_server.recipients() == ["busy@example.com"]


def test_temporary_failures_give_up_after_the_last_attempt(
    newsletters, article, smtp_server, fast_retries, django_capture_on_commit_callbacks
):
    fast_retries.NEWSLETTER_MAX_ATTEMPTS = 3
    reader = subscribe("full@example.com", newsletters[0])
    smtp_server.reply = lambda e: "452 4.2.2 Mailbox full"
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)

    actions.campaign_deliver(campaign_id=campaign.pk)

    delivery = Delivery.objects.get(subscriber=reader)
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 3)
    # A full mailbox is not a reason to drop the reader.
    assert not SuppressedAddress.objects.exists()


def test_a_server_that_refuses_connections_defers_the_batch_and_says_why(
    newsletters, article, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    settings.NEWSLETTER_RETRY_SECONDS = 60
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletters[0])
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)

    outcome = actions.campaign_deliver(campaign_id=campaign.pk)

    assert outcome.stopped == "connection"
    campaign.refresh_from_db()
    assert "Could not connect to the mail server" in campaign.last_error
    assert campaign.status == Campaign.Status.SENDING
    deliveries = Delivery.objects.filter(campaign=campaign)
    assert {d.status for d in deliveries} <= {Status.QUEUED, Status.DEFERRED}
    assert all(d.next_attempt_at > timezone.now() for d in deliveries)
    assert not deliveries.filter(status=Status.FAILED).exists()


def test_a_connection_dropped_before_the_message_was_handed_over_is_retried(
    newsletters, article, smtp_server, fast_retries
):
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(5)]
    trouble = {"reader1@example.com": "421 4.3.2 Shutting down"}
    smtp_server.reply = lambda envelope: trouble.pop(envelope.rcpt_tos[0], None)
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_deliver(campaign_id=campaign.pk)

    assert Counter(smtp_server.recipients()) == Counter(r.email for r in readers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_timeout_after_the_hand_over_is_in_doubt_and_not_sent_again(
    newsletters, article, smtp_server, fast_retries
):
    """The server kept the message but answered too late: it arrived; a retry would be a
    second copy, so the delivery is reported in doubt instead."""
    fast_retries.NEWSLETTER_SMTP_TIMEOUT = 1
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(4)]
    slow = {"reader1@example.com"}

    def answer_late(envelope):
        if envelope.rcpt_tos[0] in slow:
            slow.clear()
            smtp_server.messages.append(envelope)
            threading.Event().wait(1.5)  # past the client's timeout
            return "250 Queued, eventually"
        return None

    smtp_server.reply = answer_late
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    actions.campaign_deliver(campaign_id=campaign.pk)

    assert Counter(smtp_server.recipients()) == Counter(r.email for r in readers)
    doubtful = Delivery.objects.get(status=Status.IN_DOUBT)
    assert doubtful.subscriber == readers[1] and "handed over" in doubtful.error
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign_progress(campaign).in_doubt == 1


def test_a_message_that_cannot_be_built_fails_alone(newsletters, article, smtp_server):
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(3)]
    Subscriber.objects.filter(pk=readers[1].pk).update(email="broken\r\nBcc: x@example.com")
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_deliver(campaign_id=campaign.pk)

    assert sorted(smtp_server.recipients()) == ["reader0@example.com", "reader2@example.com"]
    broken = Delivery.objects.get(subscriber=readers[1])
    assert broken.status == Status.FAILED and broken.error
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_pause_stops_the_workers_and_resume_goes_on_without_resending(
    newsletters, article, smtp_server, run_worker, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BATCH_SIZE = 2
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(4)]
    campaign = start(compose(newsletters[0], article), django_capture_on_commit_callbacks)
    actions.campaign_deliver(campaign_id=campaign.pk, max_seconds=0.0001)  # one batch

    actions.campaign_pause(campaign=campaign)
    run_worker()
    assert len(smtp_server.messages) == 2
    assert campaign_progress(campaign).waiting == 2

    with django_capture_on_commit_callbacks(execute=True):
        actions.campaign_resume(campaign=campaign)
    run_worker()

    assert Counter(smtp_server.recipients()) == Counter(r.email for r in readers)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_cancel_stops_for_good(newsletters, article, smtp_server, run_worker, settings):
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_cancel(campaign=campaign)
    actions.campaign_deliver(campaign_id=campaign.pk)

    assert smtp_server.messages == []
    assert campaign_progress(campaign).cancelled == 3
    with pytest.raises(actions.CampaignError):
        actions.campaign_resume(campaign=campaign)


def test_a_send_with_no_recipients_is_refused_and_leaves_nothing(newsletters, article):
    subscribe("pending@example.com", newsletters[0], status="pending")
    campaign = compose(newsletters[0], article)

    with pytest.raises(actions.CampaignError, match="No confirmed subscriber"):
        actions.campaign_start(campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not campaign.deliveries.exists() and not campaign.variants.exists()


def test_a_deleted_or_withdrawn_article_stops_the_send_and_is_named(newsletters, article):
    subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    article.unpublish()
    with pytest.raises(actions.CampaignError, match="is not published"):
        actions.campaign_start(campaign=campaign)
    article.delete()
    with pytest.raises(actions.CampaignError, match=r"“US Gains Support.*” was deleted"):
        actions.campaign_start(campaign=campaign)


def test_a_started_send_cannot_start_twice(newsletters, article):
    subscribe("reader@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    with pytest.raises(actions.CampaignError, match="sending already"):
        actions.campaign_start(campaign=campaign)
    assert Delivery.objects.count() == 1


def test_rows_of_a_stopped_worker_are_requeued_or_reported_in_doubt(newsletters, article):
    for i in range(4):
        subscribe(f"reader{i}@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    rows = list(Delivery.objects.order_by("pk"))
    dead = f"{HOST}:999999999:dead"
    later = timezone.now() + timedelta(minutes=5)
    Delivery.objects.filter(pk=rows[0].pk).update(
        status=Status.ATTEMPTING, claim=dead, claim_expires_at=later
    )
    Delivery.objects.filter(pk=rows[1].pk).update(
        status=Status.CLAIMED, claim=dead, claim_expires_at=later
    )
    elsewhere = "another-host:12:live"
    Delivery.objects.filter(pk=rows[2].pk).update(
        status=Status.CLAIMED, claim=elsewhere, claim_expires_at=later
    )
    Delivery.objects.filter(pk=rows[3].pk).update(
        status=Status.ATTEMPTING,
        claim=elsewhere,
        claim_expires_at=timezone.now() - timedelta(seconds=1),
    )

    assert actions.deliveries_recover(campaign_id=campaign.pk) == (1, 2)

    statuses = [d.status for d in Delivery.objects.order_by("pk")]
    assert statuses == [Status.IN_DOUBT, Status.QUEUED, Status.CLAIMED, Status.IN_DOUBT]
    assert actions.deliveries_in_doubt_resend(campaign=campaign) == 2
    assert Delivery.objects.filter(status=Status.QUEUED).count() == 3


def test_through_an_email_service_the_services_message_id_is_kept(newsletters, article, settings):
    """django-anymail's test backend stands in for the service (outside this machine)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(2)]
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

    actions.campaign_deliver(campaign_id=campaign.pk)

    assert [m.to for m in mail.outbox] == [[r.email] for r in readers]
    headers = mail.outbox[0].anymail_test_params["extra_headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Message-ID"] == content.message_id(campaign.pk, readers[0].pk)
    ids = Delivery.objects.order_by("pk").values_list("provider_message_id", flat=True)
    assert list(ids) == ["0", "1"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_and_two_servers_share_a_send_and_send_each_message_once(
    newsletters, article, settings
):
    readers = [subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(40)]
    settings.NEWSLETTER_BATCH_SIZE = 5
    settings.NEWSLETTER_CONNECTIONS = 2
    with smtp_sink() as first, smtp_sink() as second:
        settings.NEWSLETTER_EMAIL_URLS = [first.url, second.url]
        slow = threading.Event()
        first.reply = second.reply = lambda envelope: slow.wait(0.01) and None
        campaign = actions.campaign_start(campaign=compose(newsletters[0], article))

        def work():
            try:
                actions.campaign_deliver(campaign_id=campaign.pk)
            finally:
                connection.close()

        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        received = first.recipients() + second.recipients()

    assert Counter(received) == Counter(r.email for r in readers)
    assert first.messages and second.messages
    assert (
        len({claim.split(":")[2] for claim in Delivery.objects.values_list("claim", flat=True)})
        == 2
    )
