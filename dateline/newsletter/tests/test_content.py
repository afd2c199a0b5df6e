"""What a send says and how it is signed: rendering, personal links, Message-IDs, DKIM."""

import base64
import subprocess
from datetime import timedelta
from email import message_from_bytes, policy

import dkim
import pytest
from django.utils import timezone

from dateline.newsletter import actions, content, tokens
from dateline.newsletter.models import Subscriber
from dateline.newsroom.tests.factories import make_article, make_section

from .conftest import compose, subscribe


def test_a_variant_is_rendered_once_with_placeholders_for_personal_links(newsletters, article):
    campaign = compose(newsletters[0], article)
    variant = content.variant_render(
        campaign=campaign, key="all", items=content.article_items([article])
    )
    assert variant.article_count == 1
    for placeholder in (content.UNSUBSCRIBE, content.MANAGE, content.EMAIL):
        assert placeholder in variant.html and placeholder in variant.text
    assert "<style>" in variant.html and "@media" in variant.html  # only what cannot inline
    assert "Good morning." in variant.text and "Here is the news." in variant.text


def test_personal_values_are_escaped_in_html_and_not_in_text():
    values = {content.EMAIL: 'o"brien&co@example.com'}
    assert content.personalise(f"<p>{content.EMAIL}</p>", values, html=True) == (
        "<p>o&quot;brien&amp;co@example.com</p>"
    )
    assert content.personalise(content.EMAIL, values, html=False) == 'o"brien&co@example.com'


def test_each_message_links_to_its_own_reader_and_send(newsletters, article):
    reader = subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    variant = content.variant_render(
        campaign=campaign, key="all", items=content.article_items([article])
    )
    message = content.message_build(
        campaign=campaign, newsletter=newsletters[0], variant=variant, subscriber=reader
    )
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/")
    assert tokens.read_unsubscribe(unsubscribe.rpartition("/")[2]) == (
        reader.pk,
        "reader@example.com",
        campaign.pk,
        newsletters[0].pk,
    )
    assert "reader@example.com" in message.body


def test_message_ids_are_stable_and_cannot_be_forged(settings):
    first = content.message_id(12, 345)
    assert first == content.message_id(12, 345) and first != content.message_id(12, 346)
    assert content.message_id_read(first) == (12, 345)
    forged = first.replace(".345.", ".346.")
    assert content.message_id_read(forged) is None
    assert content.message_id_read("<something@else>") is None
    settings.NEWSLETTER_MESSAGE_ID_DOMAIN = "news.example.org"
    assert content.message_id(1, 2).endswith("@news.example.org>")


def test_the_envelope_sender_takes_the_bounces_and_from_stays_the_newsroom(
    newsletters, article, settings
):
    settings.NEWSLETTER_BOUNCE_ADDRESS = "bounces@news.example.org"
    reader = subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    variant = content.variant_render(campaign=campaign, key="all", items=[])
    message = content.message_build(
        campaign=campaign, newsletter=newsletters[0], variant=variant, subscriber=reader
    )
    assert message.from_email == "bounces@news.example.org"
    assert message.message()["From"] == settings.DEFAULT_FROM_EMAIL


@pytest.fixture
def dkim_key(tmp_path, settings):
    """A key pair made as an operator would, with openssl; the DNS record of its public half."""
    path = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), "2048"], check=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings.NEWSLETTER_DKIM_KEY_FILE = str(path)
    settings.NEWSLETTER_DKIM_SELECTOR = "news2026"
    settings.NEWSLETTER_DKIM_DOMAIN = "example.org"
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_direct_smtp_sends_are_dkim_signed_and_verify(
    newsletters, article, smtp_server, dkim_key, django_capture_on_commit_callbacks
):
    subscribe("reader@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    actions.campaign_deliver(campaign_id=campaign.pk)

    raw = smtp_server.messages[0].original_content
    parsed = message_from_bytes(raw, policy=policy.default)
    assert "s=news2026" in parsed["DKIM-Signature"] and "d=example.org" in parsed["DKIM-Signature"]
    assert "list-unsubscribe" in parsed["DKIM-Signature"].lower()

    def dns(name, timeout=5):
        assert name == b"news2026._domainkey.example.org."
        return dkim_key

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"US Gains Support", b"US Loses Support")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_test_send_is_marked_and_records_nothing(newsletters, article, smtp_server):
    campaign = compose(newsletters[0], article)
    actions.campaign_test_send(campaign=campaign, to="editor@example.com")
    message = smtp_server.received()[0]
    assert message["Subject"] == "[Test] This week in the Middle East"
    assert message["To"] == "editor@example.com"
    assert not campaign.deliveries.exists() and not Subscriber.objects.exists()


def test_an_issue_joins_an_articles_bylines_as_people_write_them(newsletters):
    article = make_article(
        make_section(title="World"), title="Talks resume", guests=["Layla Hassan", "Omar Khalil"]
    )
    campaign = compose(newsletters[0], article)
    variant = content.variant_render(
        campaign=campaign, key="all", items=content.article_items([article])
    )
    assert "By Layla Hassan and Omar Khalil, " in variant.text
    assert "By Layla Hassan and Omar Khalil · " in variant.html
    assert "Layla Hassan Omar Khalil" not in variant.text + variant.html


@pytest.mark.django_db
def test_an_article_not_published_yet_is_dated_when_it_goes_live():
    """A scheduled article previewed in an issue reads with the date it will have."""
    go_live = timezone.now() + timedelta(days=1)
    article = make_article(make_section(), publish=False, go_live_at=go_live)
    assert content.article_items([article])[0].published == go_live
