from django_tasks import task

from . import actions, notifications


@task()
def send_signup_email(subscriber_id: int, template: str) -> bool:
    return notifications.signup_email_send(subscriber_id=subscriber_id, template=template)


@task()
def purge_pending_subscribers() -> int:
    return actions.pending_subscribers_purge()


@task()
def send_change_confirmation(subscriber_id: int, new_email: str) -> bool:
    return notifications.change_confirmation_send(subscriber_id=subscriber_id, new_email=new_email)
