"""Commenters' consent to reply notifications: asked, given, withdrawn."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Comment, ReplyNotificationAddress
from ..notifications import reply_confirmation_queue

__all__ = [
    "reply_notifications_confirm",
    "reply_notifications_opt_out",
    "reply_notifications_request",
]


# Called inside comment_post's transaction: no savepoint of its own, so that posting with
# "notify me" costs no more queries than it did.
@transaction.atomic(savepoint=False)
def reply_notifications_request(*, email: str, now: datetime | None = None) -> bool:
    """Ask the owner of `email` to confirm reply notifications: one email a day at most
    (counted when the mail server takes it); whether one was queued."""
    now = now or timezone.now()
    ReplyNotificationAddress.objects.bulk_create(
        [ReplyNotificationAddress(email=email)], ignore_conflicts=True
    )
    askable = (
        # Never confirmed, or opted out more than a month ago: an address that said stop is
        # not asked again soon, whoever ticks the box.
        ReplyNotificationAddress.objects.filter(email=email).filter(
            Q(confirmed_at__isnull=True, opted_out_at__isnull=True)
            | Q(opted_out_at__lt=now - timedelta(days=30))
        )
    )
    if not askable.exists() or not reply_confirmation_queue(email=email):
        return False
    askable.update(last_confirmation_sent_at=now)
    return True


@transaction.atomic
def reply_notifications_confirm(*, email: str) -> ReplyNotificationAddress:
    """The owner of `email` confirmed: replies to their comments may now be emailed."""
    address, _ = ReplyNotificationAddress.objects.get_or_create(email=email)
    if address.confirmed_at is None or address.opted_out_at is not None:
        address.confirmed_at = timezone.now()
        address.opted_out_at = None
        address.save(update_fields=["confirmed_at", "opted_out_at"])
    return address


@transaction.atomic
def reply_notifications_opt_out(*, email: str) -> None:
    """Stop every reply notification to `email`, at once."""
    now = timezone.now()
    ReplyNotificationAddress.objects.bulk_create(
        [ReplyNotificationAddress(email=email)], ignore_conflicts=True
    )
    ReplyNotificationAddress.objects.filter(email=email, opted_out_at__isnull=True).update(
        opted_out_at=now
    )
    Comment.objects.filter(author_email=email, notify_replies=True).update(notify_replies=False)
