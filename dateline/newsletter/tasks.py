import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from dateline.core.actions import email_queue
from dateline.core.lost_tasks import rerun_if_lost
from dateline.core.ratelimit import claim_once
from dateline.newsroom.models import ArticlePage

from . import actions, selectors
from .models import Campaign, Subscriber


@task()
def purge_pending_subscribers() -> int:
    return actions.pending_subscribers_purge()


# Queued by versions before transactional email had its own queue (dateline.core.email):
# decided and counted against the caps then, so queued as they are. Nothing queues them now.
@task()
def send_signup_email(subscriber_id: int, template: str) -> bool:
    to = Subscriber.objects.filter(pk=subscriber_id).values_list("email", flat=True).first()
    if not to:
        return False
    return email_queue(kind=template, to=to, params={"subscriber_id": subscriber_id}) is not None


@task()
def send_change_confirmation(subscriber_id: int, new_email: str) -> bool:
    params = {"subscriber_id": subscriber_id}
    return email_queue(kind="newsletter/change", to=new_email, params=params) is not None


@rerun_if_lost
@task()
def start_scheduled_campaign(campaign_id: int) -> bool:
    return actions.campaign_start_scheduled(campaign_id=campaign_id)


@rerun_if_lost
@task()
def deliver_campaign(campaign_id: int) -> int:
    """Send for up to half a lease, then hand over to a fresh task if work remains.

    Each run first recovers what stopped workers left, so a copy whose worker was lost is
    queued again at once (dateline.core.lost_tasks). For a worker that no heartbeat
    reports lost, a watchdog copy is queued before sending, to run once the lease has run
    out (one per campaign and lease period): it recovers that worker's claims.
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
        deliver_campaign.enqueue(campaign_id)  # this copy's own continuation
        return outcome.sent
    sending = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING)
    due = selectors.campaign_next_due(campaign_id=campaign_id) if sending.exists() else None
    if outcome.stopped == "no free connection":
        due = timezone.now() + timedelta(seconds=5)
    if due is not None:
        actions.campaign_wake_up(campaign_id=campaign_id, at=max(due, timezone.now()))
    return outcome.sent


@rerun_if_lost
@task()
def send_due_digests() -> int:
    try:
        return len(actions.digests_send_due())
    finally:
        actions.digests_schedule()


@task()
def send_article_alert(article_id: int) -> int:
    article = ArticlePage.objects.live().filter(pk=article_id).first()
    return len(actions.article_alert_send(article=article)) if article else 0
