"""Commenters' personal data erased, at their request from their own address."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..models import Comment, ReplyNotificationAddress
from ..notifications import erasure_link_queue
from ._common import Action, Status, log, visibility_changed

__all__ = ["commenter_erase", "commenter_erasure_request"]


@transaction.atomic
def commenter_erase(*, email: str, remove_text: bool, by: User | None = None) -> int:
    """Erase the personal data of every comment posted with `email`; returns how many.

    Name, address, website, IP, browser and commenter key go; the text stays unless
    `remove_text`, in which case the comments show as deleted and replies to them stay.
    """
    now = timezone.now()
    email = email.strip().lower()
    count = 0
    for comment in Comment.objects.select_for_update().filter(author_email=email):
        was_visible = comment.status == Status.APPROVED
        comment.author_name = "deleted"
        comment.author_email = comment.author_url = comment.user_agent = ""
        comment.ip_address = None
        comment.ip_block = ""
        comment.user = None
        comment.edit_token_hash = comment.commenter_key_hash = ""
        comment.notify_replies = False
        comment.erased_at = now
        if remove_text:
            comment.body = comment.body_html = ""
            comment.status = Status.DELETED
        comment.save()
        log(Action.ERASED, comment=comment, by=by, now=now)
        visibility_changed(comment, was_visible=was_visible, now=now)
        count += 1
    ReplyNotificationAddress.objects.filter(email=email).delete()
    return count


@transaction.atomic
def commenter_erasure_request(*, email: str) -> None:
    """Email `email` a link that erases its comments' personal data: only its owner can.

    Only an address that has comments gets one, once a day at most, and the caller answers
    the same either way. The work is the same too, so its timing tells nothing: nothing
    here reads the address's comments; the email is queued for every address, and the
    worker, composing it, sends nothing to an address without comments.
    """
    erasure_link_queue(email=email.strip().lower())
