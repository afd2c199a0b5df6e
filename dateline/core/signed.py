"""Signed, single-purpose values for links in emails: each salt is one purpose."""

from datetime import timedelta

from django.core import signing

from .errors import Refused


class BadToken(Refused):
    """A link that cannot be used, and why."""


def make(purpose: str, data: dict) -> str:
    return signing.dumps(data, salt=purpose, compress=False)


def read(purpose: str, token: str, *, max_age: timedelta | None) -> dict:
    """The data a token was made with; BadToken says why it cannot be used."""
    try:
        data = signing.loads(token, salt=purpose, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken("This link has expired. Ask for a new one.") from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadToken("This link is not valid. Check that it was copied whole.") from exc
    if not isinstance(data, dict):
        raise BadToken("This link is not valid. Check that it was copied whole.")
    return data
