"""Digests, breaking-news alerts and scheduled sends: what goes out, when, and only once."""

import zoneinfo
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dateline.newsletter import actions
from dateline.newsletter.models import Campaign, Delivery
from dateline.newsroom.actions import article_publish
from dateline.newsroom.tests.factories import make_article, make_section

from .conftest import compose, subscribe

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def sections(newsletters):
    middle_east = make_section(title="Middle East News", slug="middle-east-news")
    europe = make_section(title="Europe", slug="europe")
    return middle_east, europe


def published(section, title: str, when: datetime):
    return make_article(section, title=title, first_published_at=when)


def test_a_digest_sends_each_reader_the_new_articles_of_their_sections(
    paris, newsletters, sections, smtp_server
):
    digest = newsletters[0]
    middle_east, europe = sections
    published(middle_east, "Old news", at(2026, 11, 23, 12, 0))
    published(middle_east, "Talks resume in Vienna", at(2026, 11, 24, 9, 0))
    published(europe, "Budget passes", at(2026, 11, 24, 16, 0))
    subscribe("all@example.com", digest)
    mideast_only = subscribe("mideast@example.com", digest)
    mideast_only.subscriptions.get().sections.set([middle_east])
    europe_only = subscribe("europe@example.com", digest)
    europe_only.subscriptions.get().sections.set([europe])

    with time_machine.travel(at(2026, 11, 25, 7, 0, 30)):
        (campaign,) = actions.digests_send_due()
        actions.campaign_deliver(campaign_id=campaign.pk)

    by_reader = {m["To"]: m for m in smtp_server.received()}
    assert set(by_reader) == {"all@example.com", "mideast@example.com", "europe@example.com"}
    everything_text = by_reader["all@example.com"].get_body(("plain",)).get_content()
    assert "Talks resume in Vienna" in everything_text and "Budget passes" in everything_text
    assert "Old news" not in everything_text  # published before the period
    assert "== MIDDLE EAST NEWS ==" in everything_text
    assert by_reader["all@example.com"]["Subject"] == "Daily digest: 2 new articles"
    mideast_text = by_reader["mideast@example.com"].get_body(("plain",)).get_content()
    assert "Talks resume in Vienna" in mideast_text and "Budget passes" not in mideast_text
    assert by_reader["mideast@example.com"]["Subject"] == "Daily digest: 1 new article"
    assert campaign.variants.count() == 3
    assert (campaign.period_start, campaign.period_end) == (
        at(2026, 11, 24, 7, 0),
        at(2026, 11, 25, 7, 0),
    )


def test_a_digest_goes_once_per_slot_and_nothing_goes_when_nothing_is_new(
    paris, newsletters, sections, smtp_server
):
    middle_east, europe = sections
    subscribe("europe@example.com", newsletters[0]).subscriptions.get().sections.set([europe])
    published(middle_east, "Talks resume in Vienna", at(2026, 11, 24, 9, 0))

    with time_machine.travel(at(2026, 11, 25, 7, 1)):
        (campaign,) = actions.digests_send_due()
        assert actions.digests_send_due() == []  # the same slot again: nothing
    # Nothing new in the reader's section: no delivery, and the send says why.
    assert campaign.status == Campaign.Status.NOTHING_NEW
    assert not Delivery.objects.exists()

    with time_machine.travel(at(2026, 11, 26, 7, 1)):
        (quiet_day,) = actions.digests_send_due()
    assert quiet_day.status == Campaign.Status.NOTHING_NEW
    assert quiet_day.period_start == at(2026, 11, 25, 7, 0)
    assert smtp_server.messages == []


def test_digests_schedule_themselves_on_the_worker(
    paris, newsletters, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(at(2026, 11, 25, 12, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert actions.digests_schedule() == at(2026, 11, 26, 7, 0)
        assert actions.digests_schedule() == at(2026, 11, 26, 7, 0)  # queued once only
    task = DBTaskResult.objects.filter(task_path__endswith="send_due_digests").get()
    assert task.run_after == at(2026, 11, 26, 7, 0)


def test_publishing_an_alert_article_emails_breaking_news_subscribers_once(
    newsletters, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    breaking = newsletters[1]
    subscribe("alerts@example.com", breaking)
    subscribe("digest-only@example.com", newsletters[0])
    section = make_section(title="World", slug="world")

    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(section, title="Ceasefire agreed", send_as_alert=True)
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        article_publish(article=article)  # a correction republished: no second alert
    run_worker()

    assert Counter(smtp_server.recipients()) == Counter({"alerts@example.com": 1})
    assert smtp_server.received()[0]["Subject"] == "Breaking: Ceasefire agreed"


def test_an_article_without_the_alert_tick_sends_nothing(
    newsletters, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    subscribe("alerts@example.com", newsletters[1])
    with django_capture_on_commit_callbacks(execute=True):
        make_article(make_section(title="World", slug="world"), title="Routine story")
    run_worker()
    assert smtp_server.messages == [] and not Campaign.objects.exists()


def test_a_scheduled_send_starts_at_its_time_and_not_before(
    newsletters, article, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    when = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.campaign_schedule(campaign=campaign, at=when)
    run_worker()
    assert smtp_server.messages == []

    with time_machine.travel(when + timedelta(seconds=1)):
        run_worker()

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert smtp_server.recipients() == ["reader@example.com"]


def test_an_unscheduled_send_does_not_start(newsletters, article, run_worker, smtp_server):
    subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    when = timezone.now() + timedelta(minutes=5)
    actions.campaign_schedule(campaign=campaign, at=when)
    actions.campaign_unschedule(campaign=campaign)
    assert not actions.campaign_start_scheduled(campaign_id=campaign.pk)
    with pytest.raises(actions.CampaignError, match="future"):
        actions.campaign_schedule(campaign=campaign, at=timezone.now() - timedelta(minutes=1))


@pytest.mark.django_db
def test_only_a_send_that_has_not_started_can_be_deleted(newsletters, article):
    subscribe("reader@example.com", newsletters[0])
    started = actions.campaign_start(campaign=compose(newsletters[0], article))
    with pytest.raises(actions.CampaignError, match="cannot be deleted"):
        actions.campaign_delete(campaign=started)
    assert Delivery.objects.filter(campaign=started).count() == 1
    scheduled = actions.campaign_schedule(
        campaign=compose(newsletters[0], article), at=timezone.now() + timedelta(hours=1)
    )
    actions.campaign_delete(campaign=scheduled)
    assert not Campaign.objects.filter(pk=scheduled.pk).exists()
