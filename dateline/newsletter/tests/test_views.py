"""Signing up, confirming and leaving, with the emails delivered by SMTP on loopback."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from dateline.core import formstamp
from dateline.demo.actions import demo_content_load
from dateline.newsletter import actions, tokens
from dateline.newsletter.models import ConsentRecord, MailingListSettings, Subscriber
from dateline.newsroom.tests.factories import make_section

pytestmark = pytest.mark.django_db(transaction=True)
JSON = {"HTTP_ACCEPT": "application/json"}
AFTER_SUBMIT = "using your email address so please look for an email from us"


def link(message, prefix: str) -> str:
    text = next(p.get_content() for p in message.walk() if p.get_content_type() == "text/plain")
    return re.search(rf"http://testserver({re.escape(prefix)}[^\s]+)", text)[1]


def sign_up(client, stamp, email, **fields):
    data = {"email": email, "source": "footer", "issued": stamp, **fields}
    return client.post("/newsletter/", data)


def test_double_opt_in_confirms_only_on_post(client, newsletters, stamp, smtp_server, run_worker):
    response = sign_up(
        client, stamp, "reader@example.com", newsletters=["daily", "breaking"], choices_shown="1"
    )
    assert response.status_code == 200 and AFTER_SUBMIT in response.content.decode()
    run_worker()
    [message] = smtp_server.received()
    assert message["To"] == "reader@example.com"
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
    confirm_path = link(message, "/newsletter/confirm/")

    page = Client().get(confirm_path)  # what a mail scanner does
    assert page.status_code == 200 and b"Confirm" in page.content
    assert Subscriber.objects.get().status == "pending"

    welcome = Client().post(confirm_path)
    assert b"Welcome aboard" in welcome.content
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert sorted(s.newsletter.slug for s in subscriber.subscriptions.all()) == [
        "breaking",
        "daily",
    ]
    again = Client().post(confirm_path)
    assert b"already subscribed" in again.content
    actions_taken = list(ConsentRecord.objects.values_list("action", "source"))
    assert ("requested", "footer") in actions_taken and (
        "confirmed",
        "confirmation link",
    ) in actions_taken


def test_the_same_answer_whatever_the_state_of_the_address(
    client, newsletters, stamp, smtp_server, run_worker
):
    actions.subscriber_signup(email="confirmed@example.com", source="page")
    subscriber = Subscriber.objects.get()
    actions.subscriber_confirm(subscriber_id=subscriber.pk, email=subscriber.email)
    actions.subscriber_signup(email="gone@example.com", source="page")
    actions.subscriber_unsubscribe(
        subscriber=Subscriber.objects.get(email="gone@example.com"), source="test"
    )
    actions.subscriber_signup(email="pending@example.com", source="page")
    answers = {
        re.sub(rb'name="issued" value="[^"]*"', b"", sign_up(Client(), stamp, email).content)
        for email in (
            "new@example.com",
            "pending@example.com",
            "confirmed@example.com",
            "gone@example.com",
        )
    }
    assert len(answers) == 1


def test_at_most_three_confirmation_emails_a_day(
    client, newsletters, stamp, smtp_server, run_worker
):
    for _ in range(5):
        assert sign_up(Client(), stamp, "victim@example.com").status_code == 200
    run_worker()
    assert len(smtp_server.messages) == 3
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        actions.subscriber_signup(email="VICTIM@example.com", source="page")
        run_worker()
    assert len(smtp_server.messages) == 4
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "not an email address we can use"),
        ("a@b", "not an email address we can use"),
        ("x" * 250 + "@example.com", "too long"),
        ("<script>@example.com", "not an email address we can use"),
        ("", "Enter your email address."),
    ],
)
def test_bad_addresses_get_a_clear_message_and_nothing_is_saved(
    client, newsletters, stamp, email, message
):
    response = sign_up(client, stamp, email)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "<script>@" not in response.content.decode()
    assert not Subscriber.objects.exists()


def test_bots_are_turned_away(client, newsletters, stamp):
    assert sign_up(client, stamp, "a@example.com", leave_empty="555").status_code == 400

    too_fast = sign_up(client, formstamp.issue(), "a@example.com")
    assert too_fast.status_code == 400 and b"quicker than anyone" in too_fast.content
    assert sign_up(client, "forged", "a@example.com").status_code == 400
    assert not Subscriber.objects.exists()


def test_rate_limit_per_ip(client, newsletters, stamp, settings):
    settings.NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR = 2
    for n in range(2):
        assert sign_up(client, stamp, f"r{n}@example.com").status_code == 200
    response = client.post(
        "/newsletter/", {"email": "r9@example.com", "source": "page", "issued": stamp}, **JSON
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_blocked_domains_get_the_usual_answer_and_no_email(
    client, newsletters, stamp, smtp_server, run_worker
):
    site_settings = MailingListSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.blocked_domains = "mailinator.com\n"
    site_settings.save()
    assert AFTER_SUBMIT in sign_up(client, stamp, "x@Mailinator.com").content.decode()
    run_worker()
    assert smtp_server.messages == []


def test_forged_or_expired_links(client, newsletters, smtp_server, run_worker):
    actions.subscriber_signup(email="late@example.com", source="page")
    run_worker()
    path = link(smtp_server.received()[0], "/newsletter/confirm/")
    assert client.post(path[:-3] + "xx/").status_code == 400
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        response = client.post(path)
    assert response.status_code == 400 and b"expired" in response.content
    assert Subscriber.objects.get().status == "pending"


def test_one_click_unsubscribe_needs_no_cookie(newsletters, smtp_server, run_worker):
    actions.subscriber_signup(email="bye@example.com", source="page")
    subscriber = Subscriber.objects.get()
    actions.subscriber_confirm(subscriber_id=subscriber.pk, email=subscriber.email)
    actions.subscriber_signup(email="bye@example.com", source="page")  # "already" email
    run_worker()
    path = link(smtp_server.received()[-1], "/newsletter/unsubscribe/")
    assert Client(enforce_csrf_checks=True).get(path).status_code == 200
    assert Subscriber.objects.get().status == "confirmed"
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"


def test_signup_boxes_are_on_cached_pages_without_tokens(client, newsletters):
    demo_content_load()
    html = client.get("/middle-east-news/us-gains-support-from-world-powers-vs-isis/").content
    html = html.decode()
    # The article's own box (which replaces the footer's) and the popup's.
    assert html.count('action="/newsletter/"') == 2
    assert '<dialog class="signup-dialog"' in html and 'data-page-kind="article"' in html
    assert "Hi - We Would Love To Keep In Touch" in html and "csrfmiddlewaretoken" not in html
    assert client.get("/").content.decode().count('action="/newsletter/"') == 2


def confirmed(email="me@example.com") -> Subscriber:
    actions.subscriber_signup(email=email, source="page")
    subscriber = Subscriber.objects.get(email=email)
    actions.subscriber_confirm(subscriber_id=subscriber.pk, email=email)
    return subscriber


def manage_path(subscriber) -> str:
    return f"/newsletter/manage/{tokens.manage_token(subscriber)}/"


def test_preferences_change_newsletters_and_unsubscribe_from_all(client, newsletters):
    subscriber = confirmed()
    path = manage_path(subscriber)
    page = client.get(path).content.decode()
    assert "me@example.com" in page and "Breaking news" in page
    client.post(path, {"newsletters": ["breaking"], "action": "save"})
    assert [s.newsletter.slug for s in subscriber.subscriptions.all()] == ["breaking"]
    client.post(path, {"action": "unsubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and not subscriber.subscriptions.exists()
    client.post(path, {"newsletters": ["daily"], "action": "save"})  # the link proves the address
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"


def test_digest_readers_choose_their_sections(client, newsletters):
    middle_east = make_section(title="Middle East News", slug="middle-east-news")
    make_section(title="Europe", slug="europe")
    subscriber = confirmed()
    path = manage_path(subscriber)
    assert "Sections in my digests" in client.get(path).content.decode()

    client.post(path, {"newsletters": ["daily"], "sections": [middle_east.pk], "action": "save"})

    digest = subscriber.subscriptions.get(newsletter__slug="daily")
    assert list(digest.sections.all()) == [middle_east]
    page = client.get(path).content.decode()
    assert f'value="{middle_east.pk}" id="id_sections_0" checked' in page.replace("\n", "")
    client.post(path, {"newsletters": ["daily"], "action": "save"})
    assert not digest.sections.exists()  # none ticked: every section


def test_address_change_needs_the_new_address_to_confirm(
    client, newsletters, smtp_server, run_worker
):
    subscriber = confirmed("old@example.com")
    old_link = manage_path(subscriber)
    client.post(old_link, {"new_email": "new@example.com", "action": "change_email"})
    run_worker()
    message = smtp_server.received()[-1]
    assert message["To"] == "new@example.com"
    path = link(message, "/newsletter/change-address/")
    client.get(path)
    assert Subscriber.objects.get().email == "old@example.com"
    client.post(path)
    assert Subscriber.objects.get().email == "new@example.com"
    assert client.get(old_link).status_code == 400  # links for the old address stop working
    assert client.post(path).status_code == 400  # and the change cannot be replayed


def test_download_my_data_and_delete_me(client, newsletters):
    subscriber = confirmed()
    data = client.get(manage_path(subscriber) + "data.json").json()
    assert data["email"] == "me@example.com" and data["status"] == "confirmed"
    assert [c["action"] for c in data["consent"]] == ["confirmed", "requested"]
    refused = client.post(manage_path(subscriber), {"action": "delete"})
    assert refused.status_code == 400 and Subscriber.objects.exists()
    client.post(manage_path(subscriber), {"action": "delete", "sure": "1"})
    assert not Subscriber.objects.exists() and not ConsentRecord.objects.exists()


def test_forged_preferences_link(client, newsletters):
    assert client.get("/newsletter/manage/forged/").status_code == 400
    assert client.get("/newsletter/manage/forged/data.json").status_code == 400


class AnswerCaptcha:
    """Passes only the answer "right" (a real provider is a service outside the machine)."""

    def widget_html(self) -> str:
        return '<div class="captcha-test">Prove you are human</div>'

    def verify(self, request) -> bool:
        return request.POST.get("captcha") == "right"


def test_a_captcha_backend_can_be_plugged_in(client, newsletters, stamp, settings):
    settings.CAPTCHA_BACKEND = "dateline.newsletter.tests.test_views.AnswerCaptcha"
    page = client.get("/newsletter/").content.decode()
    assert "Prove you are human" in page
    refused = sign_up(client, stamp, "a@example.com")
    assert refused.status_code == 400 and "not a robot" in refused.content.decode()
    assert sign_up(client, stamp, "a@example.com", captcha="right").status_code == 200


def test_a_refused_form_comes_back_with_a_fresh_stamp(client, newsletters):
    response = sign_up(client, "forged", "a@example.com")
    fresh = re.search(r'name="issued" value="([^"]+)"', response.content.decode())[1]
    assert fresh != "forged"


@pytest.mark.parametrize("email", ["ÉRIC@example.com", "İlker@example.com", "ÑANDÚ@exämple.org"])
def test_non_ascii_capitals_are_one_address(client, newsletters, stamp, email):
    assert sign_up(client, stamp, email).status_code == 200
    assert sign_up(Client(), stamp, email.lower()).status_code == 200
    assert Subscriber.objects.count() == 1


def test_address_change_emails_are_capped(client, newsletters, smtp_server, run_worker):
    path = manage_path(confirmed("me@example.com"))
    for _ in range(6):
        client.post(path, {"action": "change_email", "new_email": "victim@example.com"})
    run_worker()
    assert [m["To"] for m in smtp_server.received()].count("victim@example.com") == 3


def test_unticking_every_newsletter_on_the_signup_page_is_refused(client, newsletters, stamp):
    response = sign_up(client, stamp, "a@example.com", choices_shown="1")
    assert (
        response.status_code == 400
        and "Choose at least one newsletter" in response.content.decode()
    )
    assert not Subscriber.objects.exists()


def test_old_links_stop_working_after_an_address_change(client, newsletters):
    subscriber = confirmed("old@example.com")
    old_unsubscribe = f"/newsletter/unsubscribe/{tokens.unsubscribe_token(subscriber)}/"
    actions.subscriber_email_change(
        subscriber_id=subscriber.pk, old_email="old@example.com", new_email="new@example.com"
    )
    response = client.get(old_unsubscribe)
    assert response.status_code == 400 and b"new@example.com" not in response.content
