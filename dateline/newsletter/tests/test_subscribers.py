"""The subscriber actions (dateline.newsletter.actions.subscribers): signing up, confirming,
preferences, address changes, leaving, the suppression list and forgetting pending addresses."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dateline.core.models import TransactionalEmail
from dateline.newsletter import actions
from dateline.newsletter.models import ConsentRecord, Subscriber, SuppressedAddress
from dateline.newsroom.tests.factories import make_section

from .conftest import subscribe
from .test_views import confirmed

pytestmark = pytest.mark.django_db(transaction=True)


def test_international_addresses_are_accepted_and_normalised(newsletters):
    actions.subscriber_signup(email="  Pelé@Exämple.COM ", source="page")
    assert Subscriber.objects.get().email == "Pelé@exämple.com"


def test_pending_addresses_are_forgotten_after_30_days(newsletters):
    actions.subscriber_signup(email="never@example.com", source="page")
    actions.subscriber_signup(email="recent@example.com", source="page")
    recent = Subscriber.objects.get(email="recent@example.com")
    actions.subscriber_confirm(subscriber_id=recent.pk, email=recent.email)
    later = timezone.now() + timedelta(days=31)
    assert actions.pending_subscribers_purge(now=later) == 1
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["recent@example.com"]


def test_plus_addresses_share_one_inbox_cap(newsletters, smtp_server, run_worker):
    for n in range(6):
        actions.subscriber_signup(email=f"victim+{n}@example.com", source="page")
    run_worker()
    assert len(smtp_server.messages) == 3


def test_a_strangers_signup_cannot_erase_an_unsubscribe_record(newsletters):
    subscriber = confirmed("left@example.com")
    actions.subscriber_unsubscribe(subscriber=subscriber, source="test")
    actions.subscriber_signup(email="left@example.com", source="page")
    assert actions.pending_subscribers_purge(now=timezone.now() + timedelta(days=60)) == 0
    assert ConsentRecord.objects.filter(action="unsubscribed").exists()


def test_signup_does_the_same_database_work_whatever_the_state(newsletters):
    """Equal statements for new, pending, confirmed and unsubscribed: timing reveals nothing."""
    confirmed("confirmed@example.com")
    gone = confirmed("gone@example.com")
    actions.subscriber_unsubscribe(subscriber=gone, source="test")
    actions.subscriber_signup(email="pending@example.com", source="page")
    counts = []
    for email in ("new", "pending", "confirmed", "gone"):
        with CaptureQueriesContext(connection) as queries:
            actions.subscriber_signup(email=f"{email}@example.com", source="page")
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def test_confirming_twice_says_so_and_records_one_confirmation(newsletters):
    subscriber = confirmed("twice@example.com")
    again = actions.subscriber_confirm(subscriber_id=subscriber.pk, email="TWICE@example.com")
    assert again.already and again.subscriber.pk == subscriber.pk
    assert ConsentRecord.objects.filter(action="confirmed").count() == 1


def test_a_confirmation_link_for_another_address_or_after_leaving_is_refused(newsletters):
    actions.subscriber_signup(email="link@example.com", source="page")
    subscriber = Subscriber.objects.get()
    with pytest.raises(actions.SignupRefused, match="no longer on our list"):
        actions.subscriber_confirm(subscriber_id=subscriber.pk, email="other@example.com")
    actions.subscriber_unsubscribe(subscriber=subscriber, source="test")
    with pytest.raises(actions.SignupRefused, match="sign up again"):
        actions.subscriber_confirm(subscriber_id=subscriber.pk, email=subscriber.email)
    assert Subscriber.objects.get().status == "unsubscribed"


def test_unsubscribing_from_one_newsletter_keeps_the_others(newsletters):
    daily, breaking = newsletters
    subscriber = subscribe("two@example.com", daily, breaking)
    actions.subscriber_unsubscribe(subscriber=subscriber, newsletter=breaking, source="link")
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"
    assert [s.newsletter for s in subscriber.subscriptions.all()] == [daily]
    record = ConsentRecord.objects.get(action="unsubscribed")
    assert record.newsletters == "Breaking news" and record.source == "link"


def test_preferences_keep_the_chosen_newsletters_and_digest_sections(newsletters):
    daily, breaking = newsletters
    europe = make_section(title="Europe", slug="europe")
    subscriber = subscribe("prefs@example.com", breaking)
    actions.subscriber_preferences_set(
        subscriber=subscriber, newsletter_slugs=["daily"], digest_sections=[europe.pk]
    )
    subscription = subscriber.subscriptions.get()
    assert subscription.newsletter == daily
    assert list(subscription.sections.all()) == [europe]
    assert ConsentRecord.objects.get(action="changed").newsletters == "Daily digest"


def test_preferences_rejoin_after_leaving_and_none_chosen_leaves_all(newsletters):
    subscriber = subscribe("back@example.com", status="unsubscribed")
    actions.subscriber_preferences_set(subscriber=subscriber, newsletter_slugs=["breaking"])
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed" and subscriber.unsubscribed_at is None
    actions.subscriber_preferences_set(subscriber=subscriber, newsletter_slugs=[])
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and not subscriber.subscriptions.exists()


def test_a_suppressed_address_cannot_choose_newsletters_again(newsletters):
    subscriber = subscribe("gone@example.com", status="unsubscribed")
    actions.address_suppress(email="gone@example.com")
    with pytest.raises(actions.SignupRefused, match="cannot receive"):
        actions.subscriber_preferences_set(subscriber=subscriber, newsletter_slugs=["daily"])
    assert not subscriber.subscriptions.exists()


def test_an_address_change_request_queues_a_link_to_the_new_address_only(newsletters):
    subscriber = confirmed("old@example.com")
    actions.subscriber_email_change_request(subscriber=subscriber, new_email="New@Example.com")
    change = TransactionalEmail.objects.get(kind="newsletter/change")
    assert change.to == "New@example.com"
    assert Subscriber.objects.get().email == "old@example.com"  # nothing changes yet
    with pytest.raises(actions.SignupRefused):
        actions.subscriber_email_change_request(subscriber=subscriber, new_email="not-an-address")


def test_an_address_change_moves_the_subscription_once(newsletters):
    subscriber = confirmed("old@example.com")
    moved = actions.subscriber_email_change(
        subscriber_id=subscriber.pk, old_email="old@example.com", new_email="New@example.com"
    )
    assert (moved.email, moved.email_key) == ("New@example.com", "new@example.com")
    assert ConsentRecord.objects.get(action="changed").newsletters.endswith("old@example.com")
    with pytest.raises(actions.SignupRefused, match="made or undone"):
        actions.subscriber_email_change(
            subscriber_id=subscriber.pk, old_email="old@example.com", new_email="x@example.com"
        )


def test_an_address_change_to_an_address_on_the_list_is_refused(newsletters):
    subscriber = confirmed("mine@example.com")
    confirmed("theirs@example.com")
    with pytest.raises(actions.SignupRefused, match="on our list already"):
        actions.subscriber_email_change(
            subscriber_id=subscriber.pk,
            old_email="mine@example.com",
            new_email="theirs@example.com",
        )
    assert Subscriber.objects.get(pk=subscriber.pk).email == "mine@example.com"


def test_deleting_a_subscriber_leaves_nothing_of_them(newsletters):
    subscriber = confirmed("leaving@example.com")
    actions.subscriber_delete(subscriber=subscriber)
    assert not Subscriber.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_suppressing_normalises_unsubscribes_and_is_idempotent(newsletters):
    confirmed("bounce@example.com")
    suppressed = actions.address_suppress(email=" Bounce@EXAMPLE.com", reason="bounce")
    assert (suppressed.email, suppressed.reason) == ("Bounce@example.com", "bounce")
    assert Subscriber.objects.get().status == "unsubscribed"
    assert actions.address_suppress(email="bounce@example.com").pk == suppressed.pk
    assert SuppressedAddress.objects.count() == 1


def test_unsuppressing_allows_a_new_signup(newsletters):
    suppressed = actions.address_suppress(email="again@example.com")
    actions.address_unsuppress(suppressed=suppressed)
    assert not SuppressedAddress.objects.exists()
    actions.subscriber_signup(email="again@example.com", source="page")
    assert TransactionalEmail.objects.filter(kind="newsletter/confirm").exists()
