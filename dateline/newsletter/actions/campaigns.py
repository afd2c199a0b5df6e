"""Sends: composing, starting (the recipients frozen), scheduling, pausing, digests, alerts."""

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from dateline.core.ratelimit import claim_once
from dateline.newsroom.models import ArticlePage, SectionPage

# A module, not its tasks: dateline.newsletter.tasks imports these actions.
from .. import tasks
from ..addresses import email_normalise
from ..content import ArticleItem, article_items, message_build, variant_render
from ..errors import CampaignError
from ..models import (
    Campaign,
    CampaignArticle,
    CampaignVariant,
    Delivery,
    Newsletter,
    Subscriber,
    Subscription,
)
from ..schedules import digest_period, digest_slot, instant
from ..selectors import campaign_articles, campaign_problems, recipients

CStatus = Campaign.Status
DStatus = Delivery.Status
FREEZE_CHUNK = 2000

__all__ = [
    "article_alert_queue",
    "article_alert_send",
    "campaign_cancel",
    "campaign_delete",
    "campaign_pause",
    "campaign_resume",
    "campaign_schedule",
    "campaign_start",
    "campaign_start_scheduled",
    "campaign_test_send",
    "campaign_unschedule",
    "deliveries_in_doubt_resend",
    "digests_schedule",
    "digests_send_due",
]


def _freeze(
    campaign: Campaign,
    variant_for: Callable[[frozenset[int]], CampaignVariant | None],
    *,
    with_sections: bool = False,
) -> int:
    """One delivery row per recipient, streamed in chunks; how many were created."""
    now = timezone.now()
    total = 0
    rows = recipients(campaign.newsletter).values_list("pk", "subscriber_id")
    chunk: list[tuple[int, int]] = []

    def flush() -> None:
        nonlocal total
        sections: dict[int, set[int]] = {}
        if with_sections:
            through = Subscription.sections.through.objects.filter(
                subscription_id__in=[pk for pk, _ in chunk]
            )
            for subscription_id, section_id in through.values_list(
                "subscription_id", "sectionpage_id"
            ):
                sections.setdefault(subscription_id, set()).add(section_id)
        deliveries = []
        for subscription_id, subscriber_id in chunk:
            variant = variant_for(frozenset(sections.get(subscription_id, ())))
            if variant is not None:
                deliveries.append(
                    Delivery(
                        campaign=campaign,
                        subscriber_id=subscriber_id,
                        variant=variant,
                        next_attempt_at=now,
                    )
                )
        Delivery.objects.bulk_create(deliveries, batch_size=500)
        total += len(deliveries)
        chunk.clear()

    for row in rows.iterator(chunk_size=FREEZE_CHUNK):
        chunk.append(row)
        if len(chunk) >= FREEZE_CHUNK:
            flush()
    if chunk:
        flush()
    return total


def _deliver_soon(campaign: Campaign, total: int) -> None:
    """Enqueue as many delivering tasks as connections may be used (after the commit)."""
    workers = min(
        settings.NEWSLETTER_CONNECTIONS, math.ceil(total / settings.NEWSLETTER_BATCH_SIZE)
    )
    pk = campaign.pk
    transaction.on_commit(
        lambda: [tasks.deliver_campaign.enqueue(pk) for _ in range(max(workers, 1))]
    )


def _launch(campaign: Campaign, variant_for, *, with_sections: bool = False) -> int:
    total = _freeze(campaign, variant_for, with_sections=with_sections)
    campaign.status = CStatus.SENDING
    campaign.started_at = timezone.now()
    campaign.recipients_total = total
    campaign.last_error = ""
    campaign.save(update_fields=["status", "started_at", "recipients_total", "last_error"])
    _deliver_soon(campaign, total)
    return total


@transaction.atomic
def campaign_start(*, campaign: Campaign, by=None) -> Campaign:
    """Freeze the recipients and the message, then hand the send to the workers.

    Everything happens in one transaction: a send that cannot start leaves nothing behind.
    """
    campaign = Campaign.objects.select_for_update().select_related("newsletter").get(pk=campaign.pk)
    if campaign.status not in {CStatus.DRAFT, CStatus.SCHEDULED}:
        raise CampaignError(f"This send is {campaign.get_status_display().lower()} already.")
    if problems := campaign_problems(campaign):
        raise CampaignError(" ".join(problems))
    variant = variant_render(
        campaign=campaign, key="all", items=article_items(campaign_articles(campaign))
    )
    variant.save()
    if not _launch(campaign, lambda sections: variant):
        raise CampaignError(
            f"No confirmed subscriber receives “{campaign.newsletter}”: nothing was sent."
        )
    return campaign


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, at: datetime, by=None) -> Campaign:
    """Have the worker start the send at `at`."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in {CStatus.DRAFT, CStatus.SCHEDULED}:
        raise CampaignError("Only a draft can be scheduled.")
    if at <= timezone.now():
        raise CampaignError("Choose a time in the future.")
    if problems := campaign_problems(campaign):
        raise CampaignError(" ".join(problems))
    campaign.status, campaign.scheduled_at = CStatus.SCHEDULED, at
    campaign.save(update_fields=["status", "scheduled_at"])
    pk = campaign.pk
    transaction.on_commit(lambda: tasks.start_scheduled_campaign.using(run_after=at).enqueue(pk))
    return campaign


def campaign_start_scheduled(*, campaign_id: int) -> bool:
    """Start a scheduled send whose time has come (a rescheduled one waits for its own)."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=CStatus.SCHEDULED).first()
    if campaign is None or campaign.scheduled_at > timezone.now() + timedelta(seconds=1):
        return False
    campaign_start(campaign=campaign)
    return True


def _move(campaign: Campaign, *, among: set[str], to: str, refusal: str, **fields) -> Campaign:
    """Change the send's status if it is one of `among` (checked in the UPDATE itself)."""
    if not Campaign.objects.filter(pk=campaign.pk, status__in=among).update(status=to, **fields):
        raise CampaignError(refusal)
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_unschedule(*, campaign: Campaign) -> Campaign:
    """Back to a draft: the scheduled start will find nothing to do."""
    return _move(
        campaign,
        among={CStatus.SCHEDULED},
        to=CStatus.DRAFT,
        refusal="This send is not scheduled.",
        scheduled_at=None,
    )


@transaction.atomic
def campaign_delete(*, campaign: Campaign, by=None) -> None:
    """Delete a send that has not started (a draft or a scheduled one): a started send's
    records (who got what, bounces) and its once-only key must stay."""
    locked = (
        Campaign.objects.select_for_update()
        .filter(pk=campaign.pk, status__in={CStatus.DRAFT, CStatus.SCHEDULED})
        .first()
    )
    if locked is None:
        raise CampaignError("A send that has started cannot be deleted; cancel it.")
    log(instance=locked, action="wagtail.delete", user=by)
    locked.delete()


@transaction.atomic
def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Stop sending: workers finish the message in hand and give the rest back."""
    return _move(
        campaign,
        among={CStatus.SENDING},
        to=CStatus.PAUSED,
        refusal="Only a send in progress can be paused.",
    )


@transaction.atomic
def campaign_resume(*, campaign: Campaign) -> Campaign:
    """Go on from where the send stopped: nothing already sent goes again."""
    campaign = _move(
        campaign,
        among={CStatus.PAUSED},
        to=CStatus.SENDING,
        refusal="Only a paused send can be resumed.",
    )
    waiting = campaign.deliveries.filter(status__in=[DStatus.QUEUED, DStatus.DEFERRED]).count()
    _deliver_soon(campaign, waiting)
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Stop for good: what was not sent never will be."""
    campaign = _move(
        campaign,
        among={CStatus.SCHEDULED, CStatus.SENDING, CStatus.PAUSED},
        to=CStatus.CANCELLED,
        refusal="Only a scheduled, sending or paused send can be cancelled.",
        finished_at=timezone.now(),
    )
    campaign.deliveries.filter(status__in=[DStatus.QUEUED, DStatus.DEFERRED]).update(
        status=DStatus.CANCELLED
    )
    return campaign


@transaction.atomic
def deliveries_in_doubt_resend(*, campaign: Campaign) -> int:
    """The operator's decision: send the in-doubt messages again (a few may arrive twice)."""
    # Locked as by campaign_finish_if_done, so a worker finishing cannot cross this.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in {CStatus.SENDING, CStatus.PAUSED, CStatus.SENT}:
        raise CampaignError("In-doubt messages of a cancelled send are not sent again.")
    count = campaign.deliveries.filter(status=DStatus.IN_DOUBT).update(
        status=DStatus.QUEUED, claim="", error="", next_attempt_at=timezone.now()
    )
    if count and campaign.status != CStatus.PAUSED:
        campaign.status, campaign.finished_at = CStatus.SENDING, None
        campaign.save(update_fields=["status", "finished_at"])
        _deliver_soon(campaign, count)
    return count


def campaign_test_send(*, campaign: Campaign, to: str | Sequence[str]) -> list[str]:
    """Send the message as it stands to one address or a few, each marked as a test;
    nothing is recorded. The addresses it went to, normalised."""
    if problems := campaign_problems(campaign):
        raise CampaignError(" ".join(problems))
    addresses = [email_normalise(address) for address in ([to] if isinstance(to, str) else to)]
    variant = variant_render(
        campaign=campaign, key="test", items=article_items(campaign_articles(campaign))
    )
    sent: list[str] = []
    for email in addresses:
        reader = Subscriber(pk=0, email=email, email_key=email.lower())
        message = message_build(
            campaign=campaign,
            newsletter=campaign.newsletter,
            variant=variant,
            subscriber=reader,
            test=True,
        )
        try:
            message.send()
        except Exception as exc:
            went = f" (it went to {', '.join(sent)})" if sent else ""
            raise CampaignError(
                f"The mail server did not take the test to {email}: {exc}{went}"
            ) from exc
        sent.append(email)
    return sent


# Breaking news ---------------------------------------------------------------------------


def article_alert_queue(*, article: ArticlePage) -> None:
    """Wagtail published an article: if its editor ticked "send as alert", have the worker
    email it to every breaking-news list after the commit (`article_alert_send`, once)."""
    if article.send_as_alert:
        pk = article.pk
        transaction.on_commit(lambda: tasks.send_article_alert.enqueue(pk))


def article_alert_send(*, article) -> list[Campaign]:
    """Email a just-published article to every breaking-news list, once per article."""
    started = []
    for newsletter in Newsletter.objects.filter(kind=Newsletter.Kind.BREAKING, is_active=True):
        try:
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    newsletter=newsletter,
                    kind=Campaign.Kind.ALERT,
                    key=f"alert:{article.pk}:{newsletter.pk}",
                    subject=f"Breaking: {article.title}"[:200],
                )
                CampaignArticle.objects.create(campaign=campaign, article=article, sort_order=0)
        except IntegrityError:  # alerted before: publishing again sends nothing
            continue
        try:
            started.append(campaign_start(campaign=campaign))
        except CampaignError as error:
            Campaign.objects.filter(pk=campaign.pk).update(
                status=CStatus.NOTHING_NEW, last_error=error.message[:500]
            )
    return started


# Digests ---------------------------------------------------------------------------------


def _digest_items(start: datetime, end: datetime) -> list[ArticleItem]:
    articles = (
        ArticlePage.objects.live()
        .filter(first_published_at__gte=start, first_published_at__lt=end)
        .order_by("path")
    )
    items = article_items(articles)
    # Grouped by section (the path orders them so), newest first within each.
    items.sort(key=lambda item: (item.section_path, -item.published.timestamp()))
    return items


def _digest_start(campaign: Campaign) -> int:
    items = _digest_items(campaign.period_start, campaign.period_end)
    paths = dict(SectionPage.objects.values_list("pk", "path"))
    variants: dict[frozenset[int], CampaignVariant | None] = {}

    def variant_for(sections: frozenset[int]) -> CampaignVariant | None:
        if sections not in variants:
            prefixes = tuple(paths[pk] for pk in sections if pk in paths)
            chosen = [i for i in items if not sections or i.section_path.startswith(prefixes)]
            variant = None
            if chosen:
                count = len(chosen)
                campaign.subject = (
                    f"{campaign.newsletter.name}: {count} new article{'s' if count > 1 else ''}"
                )
                variant = variant_render(
                    campaign=campaign,
                    key=",".join(map(str, sorted(sections))) or "all",
                    items=chosen,
                    by_section=True,
                )
                variant.save()
            variants[sections] = variant
        return variants[sections]

    campaign.subject = f"{campaign.newsletter.name}: the latest news"
    total = _launch(campaign, variant_for, with_sections=True) if items else 0
    campaign.save(update_fields=["subject"])
    return total


def digests_send_due(*, now: datetime | None = None) -> list[Campaign]:
    """Start each digest whose time has come, once per digest and slot.

    A digest covers the articles published since the previous one; when there is nothing
    new for a reader they get nothing, and when there is nothing new at all, nothing goes.
    """
    now = now or timezone.now()
    campaigns = []
    for newsletter in Newsletter.objects.filter(kind=Newsletter.Kind.DIGEST, is_active=True):
        slot = digest_slot(newsletter, now)
        previous = (
            Campaign.objects.filter(newsletter=newsletter, kind=Campaign.Kind.DIGEST)
            .exclude(period_end__isnull=True)
            .order_by("-period_end")
            .first()
        )
        try:
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    newsletter=newsletter,
                    kind=Campaign.Kind.DIGEST,
                    key=f"digest:{newsletter.pk}:{slot.isoformat()}",
                    subject=newsletter.name,
                    period_start=previous.period_end
                    if previous
                    else slot - digest_period(newsletter),
                    period_end=slot,
                )
                if not _digest_start(campaign):
                    campaign.status = CStatus.NOTHING_NEW
                    campaign.finished_at = now
                    campaign.save(update_fields=["status", "finished_at"])
        except IntegrityError:  # this slot went out already (or another worker is on it)
            continue
        campaigns.append(campaign)
    return campaigns


def digests_schedule(*, now: datetime | None = None) -> datetime | None:
    """Have the worker run the digests at the next slot of any of them (no cron needed)."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    slots = [
        instant(digest_slot(n, now).date() + digest_period(n), n.send_time, zone)
        for n in Newsletter.objects.filter(kind=Newsletter.Kind.DIGEST, is_active=True)
    ]
    if not slots:
        return None
    at = min(slots)

    def enqueue_once() -> None:
        if claim_once(f"newsletter:digests-at:{at.isoformat()}", 8 * 24 * 3600):
            tasks.send_due_digests.using(run_after=at).enqueue()

    transaction.on_commit(enqueue_once)
    return at
