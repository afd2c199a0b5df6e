"""Admin sign-in: password resets and forgetting failed sign-ins.

Password resets: the request is capped per client address and per email address, and
queues the same one task whatever the address; only that task looks the address up.
"""

from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

# A module, not its tasks: dateline.core.tasks imports these actions.
from .. import tasks
from ..errors import Refused
from ..http import rate_limit_key
from ..ratelimit import rate_limit_hit
from .emails import email_queue


class PasswordResetRefused(Refused):
    """Too many password resets asked for from one network or for one address."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@transaction.atomic
def password_reset_request(*, email: str, ip: str | None) -> None:
    """Queue a password reset link for the accounts with `email`, if any.

    Capped by PASSWORD_RESET_RATE_LIMITS per client network and per address (raising
    PasswordResetRefused); otherwise the same task is queued whether or not an account has
    the address, so neither the answer nor the work done reveals who has an account.
    """
    limits = settings.PASSWORD_RESET_RATE_LIMITS
    if wait := rate_limit_hit(
        scope="password-reset-ip", key=rate_limit_key(ip), limits=limits["ip"]
    ):
        raise PasswordResetRefused(
            f"Too many password resets were asked for from your network. "
            f"Try again in {_minutes(wait)}.",
            retry_after=wait,
        )
    key = email.strip().lower()
    if wait := rate_limit_hit(scope="password-reset-email", key=key, limits=limits["email"]):
        raise PasswordResetRefused(
            f"Too many password resets were asked for this address. Try again in {_minutes(wait)}.",
            retry_after=wait,
        )
    transaction.on_commit(lambda: tasks.send_password_reset.enqueue(email))


def _minutes(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def password_reset_send(*, email: str) -> int:
    """Queue a reset link to each active account with `email` (none: nothing is queued)."""
    form = PasswordResetForm()  # only for Django's rule on which accounts may reset
    queued = 0
    with transaction.atomic():
        for user in form.get_users(email):
            user_email = getattr(user, user.get_email_field_name())
            queued += bool(
                email_queue(kind="core/password_reset", to=user_email, params={"user_id": user.pk})
            )
    return queued


def signin_failures_forget(*, username: str, ip: str | None) -> int:
    """Forget the failed sign-ins of `username` from `ip` (it has just signed in there)."""
    if not ip:
        return 0
    return reset(ip=ip, username=username)
