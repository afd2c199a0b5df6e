"""What comes back from a send: bounces and complaints, by webhook or by returned mail."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..addresses import email_key, email_normalise
from ..content import message_id_read
from ..errors import SignupRefused
from ..models import Delivery, MailEvent, SuppressedAddress
from ..selectors import delivery_for_message, subscriber_by_email
from .subscribers import address_suppress, subscriber_unsubscribe

log = logging.getLogger(__name__)
Kind = MailEvent.Kind

__all__ = ["mail_event_record", "tracking_event_record"]

# anymail's normalised events, as the list acts on them. "deferred" is left out: services
# send one per retry of a message they are still trying.
TRACKING_KINDS = {
    "bounced": Kind.HARD_BOUNCE,
    "rejected": Kind.HARD_BOUNCE,
    "complained": Kind.COMPLAINT,
}
# Some services report soft bounces as "bounced"; their own type says which it was.
SOFT_ESP_TYPES = {"SoftBounce", "Transient", "DnsError", "soft", "soft_bounce", "soft-bounce"}


@transaction.atomic
def mail_event_record(
    *,
    kind: str,
    email: str,
    source: str,
    message_id: str = "",
    provider_message_id: str = "",
    detail: str = "",
    at: datetime | None = None,
    ours_only: bool = False,
) -> MailEvent | None:
    """Record a bounce or complaint and act on it; None if it names no address we know.

    A hard bounce or a complaint suppresses the address at once; soft bounces do when
    NEWSLETTER_SOFT_BOUNCE_LIMIT messages bounced softly within NEWSLETTER_SOFT_BOUNCE_DAYS.

    `ours_only` is for returned mail, which anyone can write: it counts only when it
    carries the signed Message-ID of one of our messages, and then acts on that message's
    reader, whatever address the report names.
    """
    at = at or timezone.now()
    delivery = delivery_for_message(message_id, provider_message_id)
    if ours_only:
        if delivery is None or not message_id_read(message_id):
            log.info("A %s from %s is not about one of our messages: ignored", kind, source)
            return None
        email = delivery.subscriber.email
    try:
        email = email_normalise(email) if email else ""
    except SignupRefused:
        email = ""
    if not email and delivery is not None:
        email = delivery.subscriber.email
    if not email:
        log.warning("A %s from %s names no address: ignored (%s)", kind, source, detail[:100])
        return None
    event = MailEvent.objects.create(
        kind=kind,
        email=email,
        email_key=email_key(email),
        at=at,
        source=source[:40],
        delivery=delivery,
        detail=detail[:300],
    )
    if delivery is not None and kind == Kind.HARD_BOUNCE:
        Delivery.objects.filter(pk=delivery.pk, bounced_at__isnull=True).update(bounced_at=at)
    if delivery is not None and kind == Kind.COMPLAINT:
        Delivery.objects.filter(pk=delivery.pk, complained_at__isnull=True).update(complained_at=at)
    if kind == Kind.HARD_BOUNCE:
        address_suppress(email=email, reason=SuppressedAddress.Reason.BOUNCE, note=detail)
    elif kind == Kind.COMPLAINT:
        address_suppress(email=email, reason=SuppressedAddress.Reason.COMPLAINT, note=detail)
    elif kind == Kind.SOFT_BOUNCE:
        since = at - timedelta(days=settings.NEWSLETTER_SOFT_BOUNCE_DAYS)
        # Messages, not reports: a server may report one message's delay several times.
        events = MailEvent.objects.filter(
            email_key=event.email_key, kind=Kind.SOFT_BOUNCE, at__gte=since
        )
        soft = (
            events.exclude(delivery=None).values("delivery").distinct().count()
            + events.filter(delivery=None).count()
        )
        if soft >= settings.NEWSLETTER_SOFT_BOUNCE_LIMIT:
            address_suppress(
                email=email,
                reason=SuppressedAddress.Reason.BOUNCE,
                note=f"{soft} soft bounces in {settings.NEWSLETTER_SOFT_BOUNCE_DAYS} days",
            )
    return event


def tracking_event_record(*, event, service: str) -> MailEvent | None:
    """An email service's tracking event (django-anymail's, from an authenticated webhook)."""
    kind = TRACKING_KINDS.get(event.event_type)
    if event.event_type == "unsubscribed":
        kind = Kind.COMPLAINT if event.reject_reason == "spam" else None
        subscriber = subscriber_by_email(event.recipient or "").first()
        if subscriber is not None:
            subscriber_unsubscribe(subscriber=subscriber, source=f"{service} unsubscribe")
    if kind is None:
        return None
    esp_type = event.esp_event.get("Type") if isinstance(event.esp_event, dict) else None
    if kind == Kind.HARD_BOUNCE and esp_type in SOFT_ESP_TYPES:
        kind = Kind.SOFT_BOUNCE
    return mail_event_record(
        kind=kind,
        email=event.recipient or "",
        source=f"webhook: {service}",
        provider_message_id=event.message_id or "",
        detail=event.description or event.mta_response or event.event_type,
        at=event.timestamp,
    )
