"""One-way digests the database keeps instead of secrets, texts and readers' addresses."""

import hashlib
import hmac

from django.conf import settings

from . import markup


def token_hash(token: str) -> str:
    """What is stored of an edit token or a commenter key (see edit_tokens)."""
    return hashlib.sha256(token.encode()).hexdigest()


def body_digest(body: str) -> str:
    """A comment's text as the duplicate check reads it (see markup.comparable)."""
    return hashlib.sha256(markup.comparable(body).encode()).hexdigest()


def reporter_key(ip: str | None) -> str:
    """Who reported a comment, as far as counting one report per reader needs."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"report:{ip or 'unknown'}".encode(), "sha256"
    ).hexdigest()
