from django_tasks import task

from . import notifications


@task()
def send_reply_notification(reply_id: int) -> bool:
    return notifications.reply_notification_send(reply_id=reply_id)


@task()
def send_reply_confirmation(email: str) -> None:
    notifications.reply_confirmation_send(email=email)


@task()
def send_erasure_link(email: str) -> None:
    notifications.erasure_link_send(email=email)


@task()
def send_moderator_digest() -> int:
    return notifications.moderator_digest_send()
