"""An issue's one page in the admin (campaign_views.IssueEditView): compose, preview, test,
then send or schedule, each asking first with how many readers it goes to."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dateline.newsletter import actions, selectors
from dateline.newsletter.models import (
    Campaign,
    Delivery,
    Subscriber,
    Subscription,
    SuppressedAddress,
)

from .conftest import compose, subscribe

SENDS = "/admin/mailing-list/sends/"


def page_of(campaign: Campaign) -> str:
    return f"/admin/newsletter_issues/edit/{campaign.pk}/"


@pytest.fixture
def editor(client, newsletters):
    user = get_user_model().objects.create_superuser("ed", "ed@example.com", "pw-12345!")
    client.force_login(user)
    return client


@pytest.fixture
def readers(newsletters):
    """Three who receive the first newsletter, and three who do not."""
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletters[0])
    subscribe("pending@example.com", newsletters[0], status="pending")
    subscribe("other@example.com", newsletters[1])
    subscribe("bounced@example.com", newsletters[0])
    SuppressedAddress.objects.create(
        email="bounced@example.com", email_key="bounced@example.com", created_at=timezone.now()
    )


def status_in(page: str) -> str:
    found = re.search(r"Status: <strong>(.*?)</strong>", page)
    assert found, "no status on the page"
    return found[1]


def test_the_recipient_count_is_who_would_get_it_then_who_was_sent_it(
    readers, newsletters, article
):
    campaign = compose(newsletters[0], article)
    assert selectors.campaign_recipient_count(campaign) == 3
    actions.campaign_start(campaign=campaign)
    subscribe("late@example.com", newsletters[0])
    campaign.refresh_from_db()
    assert selectors.campaign_recipient_count(campaign) == 3


def test_the_old_send_page_leads_to_the_issue_page(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    response = editor.get(f"{SENDS}{campaign.pk}/")
    assert response.status_code == 302 and response.url == page_of(campaign)


def test_one_page_in_order_compose_preview_test_send(editor, readers, newsletters, article):
    campaign = compose(newsletters[0], article)
    page = editor.get(page_of(campaign)).content.decode()
    steps = [page.index(f">{step}</h2>") for step in ("1. Compose", "2. Preview")]
    steps += [page.index(f">{step}</h2>") for step in ("3. Send a test", "4. Send")]
    assert steps == sorted(steps)
    assert 'name="subject"' in page and "Save draft" in page  # the compose form itself
    assert "US Gains Support From World Powers vs ISIS" in page  # the text preview
    assert f'src="{SENDS}{campaign.pk}/preview.html"' in page
    assert page.index(">Send a test</button>") < page.index(">Send now…</button>")
    assert "<strong>3</strong> confirmed subscribers of Daily digest" in page


def test_a_draft_says_draft_and_shows_no_delivery_figures(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    page = editor.get(page_of(campaign)).content.decode()
    assert status_in(page) == "Draft"
    assert not re.search(r"\bLive\b", page)  # Wagtail's status panel said so
    assert 'id="status-sidebar-draft"' in page  # the panel says what the page says
    assert "<progress" not in page and ">Recipients<" not in page and 'id="report"' not in page


def test_scheduled_sending_and_sent_say_so(
    editor,
    readers,
    newsletters,
    article,
    run_worker,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    campaign = compose(newsletters[0], article)
    at = timezone.now() + timedelta(days=1)
    actions.campaign_schedule(campaign=campaign, at=at)
    page = editor.get(page_of(campaign)).content.decode()
    stamp = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert status_in(page).startswith(f"Scheduled for {stamp}")
    assert re.search(
        rf"Scheduled for {stamp}", editor.get("/admin/newsletter_issues/").content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        actions.campaign_start(campaign=campaign)
    page = editor.get(page_of(campaign)).content.decode()
    assert status_in(page).startswith("Sending since")
    assert "<progress" in page and ">Recipients<" in page and "Pause" in page
    assert "What went out" in page and 'name="subject"' not in page
    assert "Send now" not in page and "Send a test" not in page

    run_worker()
    page = editor.get(page_of(campaign)).content.decode()
    assert status_in(page).startswith("Sent on")


def test_send_now_asks_with_the_number_of_readers_and_sends_only_once_confirmed(
    editor, readers, newsletters, article
):
    campaign = compose(newsletters[0], article)
    assert editor.get(f"{SENDS}{campaign.pk}/start/", {"confirm": "yes"}).status_code == 405
    asked = editor.post(f"{SENDS}{campaign.pk}/start/")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Send to 3 subscribers of Daily digest?" in page
    assert 'name="confirm" value="yes"' in page and f'href="{page_of(campaign)}#send"' in page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and not Delivery.objects.exists()

    editor.post(f"{SENDS}{campaign.pk}/start/", {"confirm": "yes"})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING and Delivery.objects.count() == 3


def test_the_question_counts_in_thousands(editor, newsletters, article):
    now = timezone.now()
    people = Subscriber.objects.bulk_create(
        Subscriber(
            email=f"r{i}@example.com",
            email_key=f"r{i}@example.com",
            status="confirmed",
            created_at=now,
            confirmed_at=now,
        )
        for i in range(1234)
    )
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, newsletter=newsletters[0], created_at=now) for s in people
    )
    campaign = compose(newsletters[0], article)
    page = editor.post(f"{SENDS}{campaign.pk}/start/").content.decode()
    assert "Send to 1,234 subscribers of Daily digest?" in page


def test_with_no_one_to_send_to_the_question_says_so(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    page = editor.post(f"{SENDS}{campaign.pk}/start/").content.decode()
    assert "there is no one to send it to" in page and 'name="confirm"' not in page


def test_scheduling_asks_too(editor, readers, newsletters, article):
    campaign = compose(newsletters[0], article)
    at = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page = editor.post(f"{SENDS}{campaign.pk}/schedule/", {"at": at}).content.decode()
    assert (
        f"Schedule for {at.replace('T', ' ')}" in page
        and "to 3 subscribers of Daily digest?" in page
    )
    assert f'name="at" value="{at}"' in page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT

    response = editor.post(f"{SENDS}{campaign.pk}/schedule/", {"at": at, "confirm": "yes"})
    assert response.url == page_of(campaign) + "#send"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED


def test_a_time_gone_by_is_refused_without_asking(editor, readers, newsletters, article):
    campaign = compose(newsletters[0], article)
    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor.post(f"{SENDS}{campaign.pk}/schedule/", {"at": past}, follow=True)
    assert "Choose a time in the future." in response.content.decode()


def test_a_test_goes_to_several_addresses_and_says_where(editor, newsletters, article, smtp_server):
    campaign = compose(newsletters[0], article)
    page = editor.get(page_of(campaign)).content.decode()
    assert 'value="ed@example.com"' in page  # the editor's own address to start with
    response = editor.post(
        f"{SENDS}{campaign.pk}/test/", {"to": "desk@example.com, Chief@Example.COM"}
    )
    assert response.url == page_of(campaign) + "#test"
    page = editor.get(response.url).content.decode()
    assert "A test went to desk@example.com, Chief@example.com." in page
    assert sorted(smtp_server.recipients()) == ["Chief@example.com", "desk@example.com"]
    assert "A test went to" not in editor.get(page_of(campaign)).content.decode()  # once


def test_a_bad_test_address_is_shown_at_the_field_and_kept(
    editor, newsletters, article, smtp_server
):
    campaign = compose(newsletters[0], article)
    page = editor.post(
        f"{SENDS}{campaign.pk}/test/", {"to": "desk@example.com, not-an-address"}, follow=True
    ).content.decode()
    assert "No test was sent: “not-an-address”" in page
    assert 'value="desk@example.com, not-an-address"' in page
    assert smtp_server.messages == []


def test_saving_the_draft_stays_on_the_page(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    item = campaign.items.get()
    response = editor.post(
        page_of(campaign),
        {
            "newsletter": newsletters[0].pk,
            "subject": "A better subject",
            "intro": "Hello.",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-article": article.pk,
            "items-0-ORDER": "1",
            "items-0-id": item.pk,
            "items-0-DELETE": "",
        },
    )
    assert response.status_code == 302 and response.url == page_of(campaign) + "#preview"
    page = editor.get(response.url).content.decode()
    assert "A better subject" in page and status_in(page) == "Draft"


def test_the_html_preview_may_be_framed_by_the_admin_and_runs_nothing(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    response = editor.get(f"{SENDS}{campaign.pk}/preview.html")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
