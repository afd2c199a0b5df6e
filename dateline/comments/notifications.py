"""The emails comments send: reply notifications, their confirmation, erasure links and the
moderators' digests.

Each is queued (dateline.core.email) in the transaction of the action that decides it, and
made here when it goes: links are signed then, and a reply withdrawn or an address that
opted out since gets nothing. Reply confirmations and erasure links count against a cap
of one a day per address, counted when the mail server takes them.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dateline.core.actions import email_queue
from dateline.core.email import Cap, Composed, NotToBeSent, email_kind
from dateline.core.links import absolute_url
from dateline.core.models import TransactionalEmail
from dateline.core.sites import default_site

from . import tokens
from .models import Comment, ModeratorAlert, ReplyNotificationAddress
from .selectors import moderator_addresses

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


def _notifications_confirmed(email: str) -> bool:
    return ReplyNotificationAddress.objects.filter(
        email=email, confirmed_at__isnull=False, opted_out_at__isnull=True
    ).exists()


def reply_notification_queue(*, reply: Comment) -> bool:
    """Tell the author of the comment replied to, if they asked and confirmed their address.

    Once per reply: the first approval claims it, and later ones find it taken.
    """
    if not Comment.objects.filter(pk=reply.pk, reply_notified_at__isnull=True).update(
        reply_notified_at=timezone.now()
    ):
        return False
    parent = Comment.objects.filter(pk=reply.parent_id).first() if reply.parent_id else None
    if parent is None:
        return False
    to = parent.author_email
    if not (parent.notify_replies and to) or to == reply.author_email or parent.erased_at:
        return False
    if not _notifications_confirmed(to):
        return False
    return email_queue(kind="comments/reply", to=to, params={"reply_id": reply.pk}) is not None


def reply_compose(email: TransactionalEmail) -> Composed:
    reply = (
        Comment.objects.select_related("parent", "article")
        .filter(pk=email.params.get("reply_id"))
        .first()
    )
    if reply is None or reply.status != Comment.Status.APPROVED or reply.parent is None:
        raise NotToBeSent("the reply is no longer published")
    parent = reply.parent
    if parent.erased_at or not parent.notify_replies or parent.author_email != email.to:
        raise NotToBeSent("the comment replied to no longer asks for notifications")
    if not _notifications_confirmed(email.to):
        raise NotToBeSent("the address has stopped reply notifications")
    unsubscribe_url, headers = unsubscribe_headers(email.to)
    return Composed(
        template="comments/reply",
        headers=headers,
        context={
            "reply": reply,
            "parent": parent,
            "article": reply.article,
            "reply_url": absolute_url(f"{reply.article.url}#comment-{reply.pk}"),
            "unsubscribe_url": unsubscribe_url,
        },
    )


def reply_confirmation_queue(*, email: str) -> bool:
    """Ask `email` to confirm reply notifications: one such email a day at most."""
    cap = Cap(f"comments:confirm-notifications:{email}", 1)
    return email_queue(kind="comments/confirm_notifications", to=email, caps=[cap]) is not None


def reply_confirmation_compose(email: TransactionalEmail) -> Composed:
    if _notifications_confirmed(email.to):
        raise NotToBeSent("the address was confirmed meanwhile")
    token = tokens.make(tokens.CONFIRM_NOTIFICATIONS, email.to)
    return Composed(
        template="comments/confirm_notifications",
        context={"confirm_url": absolute_url(reverse("comments:notify_confirm", args=[token]))},
    )


def erasure_link_queue(*, email: str) -> bool:
    """Send `email` the link that erases its comments' personal data: once a day at most."""
    cap = Cap(f"comments:erase:{email}", 1)
    return email_queue(kind="comments/erase", to=email, caps=[cap]) is not None


def erasure_link_compose(email: TransactionalEmail) -> Composed:
    # Queued alike for every address asked about (actions.commenter_erasure_request), so
    # that the form's answer takes the same time: only here is it decided who gets a link.
    if not Comment.objects.filter(author_email=email.to).exists():
        raise NotToBeSent("the address has no comments")
    token = tokens.make(tokens.ERASE, email.to)
    return Composed(
        template="comments/erase",
        context={"erase_url": absolute_url(reverse("comments:erase_confirm", args=[token]))},
    )


def moderator_alerts_claim() -> list[ModeratorAlert]:
    """Take every unsent alert for one digest; a second worker finds them taken.

    Call inside the transaction that sends the digest: if sending fails, the claim rolls
    back and the next digest carries these alerts.
    """
    now = timezone.now()
    window = timedelta(seconds=settings.COMMENTS_MODERATOR_DIGEST_SECONDS)
    waiting = ModeratorAlert.objects.filter(sent_at__isnull=True)
    if not waiting.filter(created_at__lte=now - window).exists():
        return []  # the digest that the oldest alert scheduled will come
    alerts = list(
        waiting.select_for_update(skip_locked=True, of=("self",)).select_related(
            "comment", "comment__article"
        )
    )
    ModeratorAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(sent_at=now)
    return alerts


@transaction.atomic
def moderator_digest_queue() -> int:
    """One email to each moderator listing every comment held or reported since the last
    digest; returns how many alerts it carries. The alerts are claimed in the transaction
    that queues the emails, so they are either in this digest or in a later one."""
    alerts = moderator_alerts_claim()
    if not alerts:
        return 0
    recipients = moderator_addresses(default_site())
    if not recipients:
        logger.warning("%d comments need moderation and no moderator has an address", len(alerts))
        return 0
    held = [a.comment_id for a in alerts if a.kind == "held"]
    reported = list(dict.fromkeys(a.comment_id for a in alerts if a.kind == "reported"))
    for address in recipients:
        email_queue(
            kind="comments/moderator_digest",
            to=address,
            params={"held": held, "reported": reported},
        )
    return len(alerts)


def moderator_digest_compose(email: TransactionalEmail) -> Composed:
    held_ids, reported_ids = email.params.get("held", []), email.params.get("reported", [])
    comments = Comment.objects.select_related("article").in_bulk([*held_ids, *reported_ids])
    held = [comments[pk] for pk in held_ids if pk in comments]
    reported = [comments[pk] for pk in reported_ids if pk in comments]
    if not held and not reported:
        raise NotToBeSent("every comment it listed has been deleted")
    return Composed(
        template="comments/moderator_digest",
        context={
            "held": held,
            "reported": reported,
            "queue_url": absolute_url(reverse("comments_admin:queue")),
        },
    )


email_kind("comments/reply", label="Comments: a reply to your comment", compose=reply_compose)
email_kind(
    "comments/confirm_notifications",
    label="Comments: confirm reply notifications",
    compose=reply_confirmation_compose,
)
email_kind("comments/erase", label="Comments: erase your data", compose=erasure_link_compose)
email_kind(
    "comments/moderator_digest",
    label="Comments: moderators' digest",
    compose=moderator_digest_compose,
)
