import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from dateline.core.ratelimit import claim_once

from . import actions, notifications
from .models import Campaign


@task()
def send_signup_email(subscriber_id: int, template: str) -> bool:
    return notifications.signup_email_send(subscriber_id=subscriber_id, template=template)


@task()
def purge_pending_subscribers() -> int:
    return actions.pending_subscribers_purge()


@task()
def send_change_confirmation(subscriber_id: int, new_email: str) -> bool:
    return notifications.change_confirmation_send(subscriber_id=subscriber_id, new_email=new_email)


@task()
def start_scheduled_campaign(campaign_id: int) -> bool:
    return actions.campaign_start_scheduled(campaign_id=campaign_id)


@task()
def deliver_campaign(campaign_id: int) -> int:
    """Send for up to half a lease, then hand over to a fresh task if work remains.

    A worker killed mid-task leaves its task "running" for ever, so before sending, a
    watchdog copy of this task is queued to run once the lease has run out (one per
    campaign and lease period): it recovers the dead worker's claims and carries on.
    """
    status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
    if status is None:
        return 0
    if status != Campaign.Status.SENDING:
        # Paused or cancelled: the action still frees a dead worker's rows, sending nothing.
        return actions.campaign_deliver(campaign_id=campaign_id).sent
    lease = settings.NEWSLETTER_CLAIM_SECONDS
    if claim_once(f"newsletter:watch:{campaign_id}:{int(time.time() // lease)}", 2 * lease):
        watch_at = timezone.now() + timedelta(seconds=lease + 1)
        deliver_campaign.using(run_after=watch_at).enqueue(campaign_id)
    outcome = actions.campaign_deliver(campaign_id=campaign_id, max_seconds=lease / 2)
    if outcome.stopped == "time limit":
        deliver_campaign.enqueue(campaign_id)
        return outcome.sent
    sending = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING)
    due = actions.campaign_next_due(campaign_id=campaign_id) if sending.exists() else None
    if outcome.stopped == "no free connection":
        due = timezone.now() + timedelta(seconds=5)
    if due is not None:
        due = max(due, timezone.now())
        # One wake-up per campaign and second, however many workers ask for it.
        if claim_once(f"newsletter:wake:{campaign_id}:{int(due.timestamp())}", 3600):
            deliver_campaign.using(run_after=due).enqueue(campaign_id)
    return outcome.sent


@task()
def send_due_digests() -> int:
    try:
        return len(actions.digests_send_due())
    finally:
        actions.digests_schedule()


@task()
def send_article_alert(article_id: int) -> int:
    from dateline.newsroom.models import ArticlePage

    article = ArticlePage.objects.live().filter(pk=article_id).first()
    return len(actions.article_alert_send(article=article)) if article else 0
