"""The newsroom's and the mail service's events, routed to newsletter actions: one receiver
per signal, each calling one action."""

from anymail.signals import tracking
from django.db.models.signals import post_save
from django.dispatch import receiver

from dateline.newsroom.events import article_published

from . import actions
from .models import Newsletter


@receiver(article_published)
def on_article_published(sender, article, **kwargs):
    actions.article_alert_queue(article=article)


@receiver(post_save, sender=Newsletter)
def on_newsletter_save(sender, instance: Newsletter, raw=False, **kwargs):
    if not raw and instance.kind == Newsletter.Kind.DIGEST:
        actions.digests_schedule()


@receiver(tracking)
def on_tracking_event(sender, event, esp_name, **kwargs):
    actions.tracking_event_record(event=event, service=esp_name)
