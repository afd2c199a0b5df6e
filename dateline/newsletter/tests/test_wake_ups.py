"""A send's wake-ups (actions.campaign_wake_up): one queued for each moment however many
workers ask, none when a delivering task is queued to run by then, and the task that is
running never counts as queued."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dateline.newsletter import actions, tasks
from dateline.newsletter.models import Campaign

from .conftest import compose, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(newsletters, article, django_capture_on_commit_callbacks):
    subscribe("reader@example.com", newsletters[0])
    with django_capture_on_commit_callbacks(execute=False):  # no delivering task queued
        campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    assert campaign.status == Campaign.Status.SENDING
    return campaign


def queued(campaign) -> list:
    return list(
        DBTaskResult.objects.filter(
            task_path=tasks.deliver_campaign.module_path, args_kwargs__args=[campaign.pk]
        ).values_list("status", "run_after")
    )


def test_one_wake_up_per_moment_however_many_ask(sending):
    at = timezone.now() + timedelta(seconds=30)
    assert actions.campaign_wake_up(campaign_id=sending.pk, at=at)
    assert not actions.campaign_wake_up(campaign_id=sending.pk, at=at)
    # Later is covered by the one queued; earlier is not, even within the same second.
    assert not actions.campaign_wake_up(campaign_id=sending.pk, at=at + timedelta(seconds=5))
    assert actions.campaign_wake_up(campaign_id=sending.pk, at=at - timedelta(milliseconds=300))
    assert sorted(queued(sending)) == [
        ("READY", at - timedelta(milliseconds=300)),
        ("READY", at),
    ]


def test_a_running_delivering_task_does_not_stand_in_for_its_own_wake_up(sending):
    at = timezone.now() + timedelta(seconds=30)
    actions.campaign_wake_up(campaign_id=sending.pk, at=at)
    DBTaskResult.objects.update(status="RUNNING")  # the wake-up, now running, asks again
    assert actions.campaign_wake_up(campaign_id=sending.pk, at=at + timedelta(milliseconds=500))


def test_a_delivering_task_queued_to_run_at_once_covers_any_moment(sending):
    tasks.deliver_campaign.enqueue(sending.pk)
    assert not actions.campaign_wake_up(
        campaign_id=sending.pk, at=timezone.now() + timedelta(seconds=1)
    )
