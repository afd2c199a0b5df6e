"""Importing a CSV of addresses (dateline.newsletter.actions.imports): all of it or, when a
line is unusable, none, with every bad line reported."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dateline.core.models import TransactionalEmail
from dateline.newsletter import actions, selectors
from dateline.newsletter.models import ConsentRecord, Subscriber

from .conftest import subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_bad_line_is_reported_and_nothing_is_stored(newsletters):
    report = actions.subscribers_import(
        rows=[["email"], ["a@example.com"], ["not-an-address"], [], ["b@example.com"], ["x@y"]],
        consent_source="",
        newsletter_slugs=None,
    )
    assert [error.split(":")[0] for error in report.errors] == ["Line 3", "Line 6"]
    assert "not an email address we can use" in report.errors[0]
    assert (report.added, report.already, report.suppressed) == (0, 0, 0)
    assert not Subscriber.objects.exists()


def test_a_header_blank_lines_and_repeats_are_skipped(newsletters):
    report = actions.subscribers_import(
        rows=[
            ["Email address"],
            [""],
            ["One@example.com"],
            ["one@EXAMPLE.com"],
            ["two@example.com"],
        ],
        consent_source="",
        newsletter_slugs=None,
    )
    assert report.errors == [] and report.added == 2
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "One@example.com",
        "two@example.com",
    ]
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"pending"}
    assert TransactionalEmail.objects.filter(kind="newsletter/confirm").count() == 2


def test_stated_consent_confirms_and_records_it_for_the_chosen_newsletters(newsletters):
    report = actions.subscribers_import(
        rows=[["a@example.com"]], consent_source="Paper form", newsletter_slugs=["breaking"]
    )
    assert (report.added, report.confirmed_by_source) == (1, 1)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert [s.newsletter.slug for s in subscriber.subscriptions.all()] == ["breaking"]
    record = ConsentRecord.objects.get(subscriber=subscriber)
    assert record.copy == "Consent stated by the importer: Paper form"
    assert not TransactionalEmail.objects.exists()


def test_addresses_on_the_list_suppressed_or_blocked_are_left_alone(newsletters):
    daily = newsletters[0]
    subscribe("on@example.com", daily)
    actions.address_suppress(email="suppressed@example.com")
    settings = selectors.list_settings()
    settings.blocked_domains = "blocked.example"
    settings.save()
    report = actions.subscribers_import(
        rows=[["on@example.com"], ["suppressed@example.com"], ["me@mail.blocked.example"]],
        consent_source="Paper form",
        newsletter_slugs=None,
    )
    assert (report.added, report.already, report.suppressed) == (0, 1, 2)
    assert Subscriber.objects.count() == 1


def test_the_file_is_read_from_the_database_once_not_once_per_line(newsletters):
    rows = [[f"reader{i}@example.com"] for i in range(50)]
    actions.subscribers_import(rows=[], consent_source="Fair", newsletter_slugs=None)  # warm
    with CaptureQueriesContext(connection) as few:
        actions.subscribers_import(rows=rows[:5], consent_source="Fair", newsletter_slugs=None)
    with CaptureQueriesContext(connection) as many:
        actions.subscribers_import(rows=rows[5:], consent_source="Fair", newsletter_slugs=None)
    reads = [q for q in many.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == len([q for q in few.captured_queries if q["sql"].startswith("SELECT")])
