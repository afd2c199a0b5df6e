from django_tasks import task

from . import actions


@task()
def send_password_reset(email: str) -> int:
    return actions.password_reset_send(email=email)


# Before other work: a reader waiting for a confirmation is waiting now.
@task(priority=10)
def deliver_email(email_id: int) -> str:
    return actions.email_deliver(email_id=email_id)
