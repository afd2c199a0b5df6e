import logging

from anymail.signals import tracking
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from . import actions
from .models import MailEvent, MailingListSettings, Newsletter

log = logging.getLogger(__name__)

# anymail's normalised events, as the list acts on them.
# "deferred" is left out: services send one per retry of a message they are still trying.
TRACKING_KINDS = {
    "bounced": MailEvent.Kind.HARD_BOUNCE,
    "rejected": MailEvent.Kind.HARD_BOUNCE,
    "complained": MailEvent.Kind.COMPLAINT,
}
# Some services report soft bounces as "bounced"; their own type says which it was.
SOFT_ESP_TYPES = {"SoftBounce", "Transient", "DnsError", "soft", "soft_bounce", "soft-bounce"}


@receiver(post_save, sender=MailingListSettings)
def purge_on_copy_change(sender, raw=False, **kwargs):
    # The signup copy and the popup are on every page; readers must see what consent records.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})


@receiver(page_published)
def alert_on_publish(sender, instance, **kwargs):
    from dateline.newsroom.models import ArticlePage

    from .tasks import send_article_alert

    if isinstance(instance, ArticlePage) and instance.send_as_alert:
        pk = instance.pk
        transaction.on_commit(lambda: send_article_alert.enqueue(pk))


@receiver(post_save, sender=Newsletter)
def schedule_digests(sender, instance: Newsletter, raw=False, **kwargs):
    if not raw and instance.kind == Newsletter.Kind.DIGEST:
        actions.digests_schedule()


@receiver(tracking)
def record_tracking_event(sender, event, esp_name, **kwargs):
    kind = TRACKING_KINDS.get(event.event_type)
    if event.event_type == "unsubscribed":
        kind = MailEvent.Kind.COMPLAINT if event.reject_reason == "spam" else None
        subscriber = actions.subscriber_by_email(event.recipient or "").first()
        if subscriber is not None:
            actions.subscriber_unsubscribe(subscriber=subscriber, source=f"{esp_name} unsubscribe")
    if kind is None:
        return
    esp_type = event.esp_event.get("Type") if isinstance(event.esp_event, dict) else None
    if kind == MailEvent.Kind.HARD_BOUNCE and esp_type in SOFT_ESP_TYPES:
        kind = MailEvent.Kind.SOFT_BOUNCE
    actions.mail_event_record(
        kind=kind,
        email=event.recipient or "",
        source=f"webhook: {esp_name}",
        provider_message_id=event.message_id or "",
        detail=event.description or event.mta_response or event.event_type,
        at=event.timestamp,
    )
