"""The emails comments send: reply notifications, their confirmation, moderators' digests."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from dateline.core.email import send_email
from dateline.core.links import absolute_url

from . import tokens
from .actions import moderator_addresses, moderator_alerts_claim
from .models import Comment, ReplyNotificationAddress

logger = logging.getLogger(__name__)


def unsubscribe_headers(email: str) -> tuple[str, dict[str, str]]:
    """The one-click unsubscribe link of RFC 8058 and the headers that announce it."""
    url = absolute_url(
        reverse("comments:notify_unsubscribe", args=[tokens.make(tokens.UNSUBSCRIBE, email)])
    )
    return url, {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def reply_notification_send(*, reply_id: int) -> bool:
    """Tell the author of the comment replied to, if they asked and confirmed their address."""
    reply = Comment.objects.select_related("parent", "article").filter(pk=reply_id).first()
    if reply is None or reply.status != Comment.Status.APPROVED or reply.parent is None:
        return False
    # Claim the notification first: a second approval of the same reply finds it taken.
    if not Comment.objects.filter(pk=reply.pk, reply_notified_at__isnull=True).update(
        reply_notified_at=timezone.now()
    ):
        return False
    parent = reply.parent
    to = parent.author_email
    if not (parent.notify_replies and to) or to == reply.author_email or parent.erased_at:
        return False
    if not ReplyNotificationAddress.objects.filter(
        email=to, confirmed_at__isnull=False, opted_out_at__isnull=True
    ).exists():
        return False
    unsubscribe_url, headers = unsubscribe_headers(to)
    send_email(
        to=to,
        template="comments/reply",
        context={
            "reply": reply,
            "parent": parent,
            "article": reply.article,
            "reply_url": absolute_url(f"{reply.article.url}#comment-{reply.pk}"),
            "unsubscribe_url": unsubscribe_url,
        },
        headers=headers,
    )
    return True


def reply_confirmation_send(*, email: str) -> None:
    token = tokens.make(tokens.CONFIRM_NOTIFICATIONS, email)
    send_email(
        to=email,
        template="comments/confirm_notifications",
        context={"confirm_url": absolute_url(reverse("comments:notify_confirm", args=[token]))},
    )


def erasure_link_send(*, email: str) -> None:
    token = tokens.make(tokens.ERASE, email)
    send_email(
        to=email,
        template="comments/erase",
        context={"erase_url": absolute_url(reverse("comments:erase_confirm", args=[token]))},
    )


@transaction.atomic
def moderator_digest_send() -> int:
    """One email listing every comment held or reported since the last digest."""
    alerts = moderator_alerts_claim()
    if not alerts:
        return 0
    recipients = moderator_addresses(Site.objects.filter(is_default_site=True).first())
    if not recipients:
        logger.warning("%d comments need moderation and no moderator has an address", len(alerts))
        return 0
    held = [a.comment for a in alerts if a.kind == "held"]
    reported = list({a.comment_id: a.comment for a in alerts if a.kind == "reported"}.values())
    context = {
        "held": held,
        "reported": reported,
        "queue_url": absolute_url(reverse("comments_admin:queue")),
    }
    for address in recipients:
        send_email(to=address, template="comments/moderator_digest", context=context)
    return len(alerts)
