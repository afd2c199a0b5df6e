from django_tasks import task

from dateline.core.actions import email_queue

from . import notifications
from .models import Comment


@task()
def send_moderator_digest() -> int:
    return notifications.moderator_digest_queue()


# Queued by versions before transactional email had its own queue (dateline.core.email):
# decided then, so queued as they are. Nothing queues them now.
@task()
def send_reply_notification(reply_id: int) -> bool:
    reply = Comment.objects.filter(pk=reply_id, status=Comment.Status.APPROVED).first()
    return reply is not None and notifications.reply_notification_queue(reply=reply)


@task()
def send_reply_confirmation(email: str) -> None:
    email_queue(kind="comments/confirm_notifications", to=email)


@task()
def send_erasure_link(email: str) -> None:
    email_queue(kind="comments/erase", to=email)
