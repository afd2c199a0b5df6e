"""The signed links in comment emails: each purpose its own salt."""

from datetime import timedelta

from dateline.core import signed
from dateline.core.signed import BadToken

CONFIRM_NOTIFICATIONS = "comments.notify.confirm"
UNSUBSCRIBE = "comments.notify.unsubscribe"
ERASE = "comments.erase"
MAX_AGE = {CONFIRM_NOTIFICATIONS: timedelta(days=3), ERASE: timedelta(days=3), UNSUBSCRIBE: None}

__all__ = ["BadToken", "make", "read"]


def make(purpose: str, email: str) -> str:
    return signed.make(purpose, {"e": email})


def read(purpose: str, token: str) -> str:
    """The address a token was made for."""
    email = signed.read(purpose, token, max_age=MAX_AGE[purpose]).get("e")
    if not isinstance(email, str) or not email:
        raise BadToken("This link is not valid. Check that it was copied whole.")
    return email
