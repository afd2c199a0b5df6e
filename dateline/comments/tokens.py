"""Signed, single-purpose links in comment emails: each salt is one purpose."""

from datetime import timedelta

from django.core import signing

CONFIRM_NOTIFICATIONS = "comments.notify.confirm"
UNSUBSCRIBE = "comments.notify.unsubscribe"
ERASE = "comments.erase"
MAX_AGE = {CONFIRM_NOTIFICATIONS: timedelta(days=3), ERASE: timedelta(days=3), UNSUBSCRIBE: None}


class BadToken(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def make(purpose: str, email: str) -> str:
    return signing.dumps({"e": email}, salt=purpose, compress=False)


def read(purpose: str, token: str) -> str:
    """The address a token was made for; BadToken says why it cannot be used."""
    try:
        data = signing.loads(token, salt=purpose, max_age=MAX_AGE[purpose])
    except signing.SignatureExpired as exc:
        raise BadToken("This link has expired. Ask for a new one.") from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadToken("This link is not valid. Check that it was copied whole.") from exc
    email = data.get("e") if isinstance(data, dict) else None
    if not isinstance(email, str) or not email:
        raise BadToken("This link is not valid. Check that it was copied whole.")
    return email
