from django_tasks import task

from . import actions
from .lost_tasks import rerun_if_lost


@task()
def send_password_reset(email: str) -> int:
    return actions.password_reset_send(email=email)


# Before other work: a reader waiting for a confirmation is waiting now. Safe to run again
# after a lost run: it sends only a queued, due email, and one left being handed over is
# settled as in doubt by emails_recover, never resent.
@rerun_if_lost
@task(priority=10)
def deliver_email(email_id: int) -> str:
    return actions.email_deliver(email_id=email_id)
