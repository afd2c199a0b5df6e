from anymail.signals import tracking
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from . import actions
from .models import Newsletter


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
    actions.tracking_event_record(event=event, service=esp_name)
