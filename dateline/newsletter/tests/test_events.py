"""What comes back: returned mail read by `read_bounces`, and email services' webhooks."""

import base64
import json
import mailbox
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from dateline.newsletter import actions, content
from dateline.newsletter.models import Delivery, MailEvent, Subscriber, SuppressedAddress
from dateline.newsletter.selectors import campaign_progress

from .conftest import compose, subscribe

MAIL = Path(__file__).parent / "mail"


@pytest.fixture
def sent(newsletters, article, smtp_server):
    """A send that went to jane.doe@example.net and reader42@yahoo.com."""
    jane = subscribe("jane.doe@example.net", newsletters[0])
    reader = subscribe("Reader42@yahoo.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    actions.campaign_deliver(campaign_id=campaign.pk)
    return campaign, jane, reader


def returned(tmp_path, sample: str, campaign, subscriber) -> Path:
    """A sample report about our message to `subscriber` in `campaign`."""
    ours = content.message_id(campaign.pk, subscriber.pk)
    text = (MAIL / sample).read_text()
    for old in ("<c12.s345.a1b2c3d4@news.example.org>", "<c12.s349.feedf00d@news.example.org>"):
        text = text.replace(old, ours)
    path = tmp_path / sample
    path.write_text(text)
    return path


def read_bounces(*paths) -> str:
    out, err = StringIO(), StringIO()
    call_command("read_bounces", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_a_returned_hard_bounce_suppresses_the_address_and_counts_in_the_report(sent, tmp_path):
    campaign, jane, _ = sent
    output = read_bounces(returned(tmp_path, "dsn_hard_postfix.eml", campaign, jane))

    assert "1 recorded, 0 unreadable" in output
    event = MailEvent.objects.get()
    assert (event.kind, event.delivery.subscriber) == (MailEvent.Kind.HARD_BOUNCE, jane)
    assert event.detail.startswith("5.1.1")
    assert SuppressedAddress.objects.get(email_key="jane.doe@example.net").reason == "bounce"
    jane.refresh_from_db()
    assert jane.status == Subscriber.Status.UNSUBSCRIBED
    report = campaign_progress(campaign)
    assert (report.bounced, report.delivered) == (1, 1)


def test_a_feedback_loop_complaint_suppresses_the_address(sent, tmp_path):
    campaign, _, reader = sent
    read_bounces(returned(tmp_path, "arf_abuse.eml", campaign, reader))
    assert SuppressedAddress.objects.get(email_key="reader42@yahoo.com").reason == "complaint"
    assert campaign_progress(campaign).complained == 1


def test_returned_mail_about_no_message_of_ours_changes_nothing(sent, tmp_path):
    """Anyone can write a bounce naming someone else: only our signed Message-ID counts,
    and then for the reader that message went to, whatever address the report names."""
    campaign, jane, _ = sent
    forged = (MAIL / "dsn_hard_postfix.eml").read_text()  # a Message-ID that is not ours
    (tmp_path / "forged.eml").write_text(forged)
    assert "0 recorded, 0 unreadable" in read_bounces(tmp_path / "forged.eml")

    ours_for_jane = returned(tmp_path, "dsn_hard_postfix.eml", campaign, jane)
    ours_for_jane.write_text(ours_for_jane.read_text().replace("jane.doe@Example.NET", "x@y.org"))
    read_bounces(ours_for_jane)

    assert list(SuppressedAddress.objects.values_list("email_key", flat=True)) == [
        "jane.doe@example.net"
    ]


def test_mbox_and_maildir_are_read_and_a_malformed_message_is_reported(sent, tmp_path):
    campaign, jane, reader = sent
    box = mailbox.mbox(tmp_path / "returned.mbox")
    box.add(returned(tmp_path, "dsn_hard_postfix.eml", campaign, jane).read_bytes())
    box.add((MAIL / "not_a_report.eml").read_bytes())
    box.flush()
    folder = mailbox.Maildir(tmp_path / "Maildir")
    folder.add(returned(tmp_path, "arf_abuse.eml", campaign, reader).read_bytes())

    output = read_bounces(tmp_path / "returned.mbox", tmp_path / "Maildir")

    assert "2 recorded, 1 unreadable" in output
    assert "not a delivery status or feedback report" in output
    assert SuppressedAddress.objects.count() == 2


def test_soft_bounces_suppress_only_past_the_threshold(db, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 3
    for days_ago in (40, 2, 1):  # the first is outside the 30-day window
        actions.mail_event_record(
            kind="soft_bounce",
            email="sam@example.com",
            source="test",
            at=timezone.now() - timedelta(days=days_ago),
        )
    assert not SuppressedAddress.objects.exists()
    actions.mail_event_record(kind="soft_bounce", email="sam@example.com", source="test")
    assert SuppressedAddress.objects.get().note == "3 soft bounces in 30 days"


def test_an_event_naming_no_address_is_ignored(db):
    assert actions.mail_event_record(kind="hard_bounce", email="not an address", source="t") is None
    assert not MailEvent.objects.exists()


def postmark(client, payload: dict, credentials: str):
    return client.post(
        "/newsletter/webhooks/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials.encode()).decode(),
    )


BOUNCE = {
    "RecordType": "Bounce",
    "Type": "HardBounce",
    "TypeCode": 1,
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Email": "jane.doe@example.net",
    "BouncedAt": "2026-11-25T10:00:00Z",
    "Description": "The server was unable to deliver your message (ex: unknown user).",
    "Details": "smtp;550 5.1.1 User unknown",
}


def test_a_signed_webhook_bounce_is_matched_to_its_delivery_and_suppresses(client, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-webhook"}
    campaign, jane, _ = sent
    Delivery.objects.filter(subscriber=jane).update(provider_message_id=BOUNCE["MessageID"])

    response = postmark(client, BOUNCE, "postmark:s3cret-webhook")

    assert response.status_code == 200
    assert SuppressedAddress.objects.get(email_key="jane.doe@example.net").reason == "bounce"
    assert campaign_progress(campaign).bounced == 1


def test_a_soft_bounce_by_webhook_is_counted_not_suppressed(client, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-webhook"}
    response = postmark(client, {**BOUNCE, "Type": "SoftBounce"}, "postmark:s3cret-webhook")
    assert response.status_code == 200
    assert MailEvent.objects.get().kind == MailEvent.Kind.SOFT_BOUNCE
    assert not SuppressedAddress.objects.exists()


def test_webhooks_are_refused_while_no_secret_is_configured(client, sent, settings):
    settings.ANYMAIL = {}
    response = postmark(client, BOUNCE, "anyone:anything")
    assert response.status_code == 403
    assert not MailEvent.objects.exists() and not SuppressedAddress.objects.exists()


def test_a_forged_webhook_is_refused_and_changes_nothing(client, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-webhook"}
    response = postmark(client, BOUNCE, "postmark:guessed")
    assert response.status_code in (400, 403)
    assert not MailEvent.objects.exists() and not SuppressedAddress.objects.exists()
