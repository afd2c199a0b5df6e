"""State changes of the site-wide pieces: the page cache and the mail outbox."""

from collections.abc import Iterable
from email.message import EmailMessage as StdEmailMessage

from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction

from . import pagecache
from .models import OutboxMessage


def page_cache_purge(*, tags: Iterable[str]) -> set[str]:
    """Invalidate every cached page that shows one of `tags`; returns the tags purged."""
    purged = set(tags)
    if not purged:
        return purged
    cache.set_many({pagecache.tag_key(tag): pagecache.new_version() for tag in purged}, None)
    cache.set(pagecache.PURGE_SEQUENCE_KEY, pagecache.new_version(), None)
    return purged


def page_cache_purge_on_commit(*, tags: Iterable[str]) -> None:
    """Purge once the current transaction commits, so no reader re-caches the old state."""
    frozen = set(tags)
    transaction.on_commit(lambda: page_cache_purge(tags=frozen))


@transaction.atomic
def outbox_store(*, message: EmailMessage) -> OutboxMessage:
    """Keep an outgoing email in the outbox instead of delivering it."""
    mime: StdEmailMessage = message.message()
    html = ""
    for alternative, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = str(alternative)
    if not html and message.content_subtype == "html":
        html = str(message.body)
    return OutboxMessage.objects.create(
        from_email=str(message.from_email),
        recipients=", ".join(message.recipients()),
        subject=str(message.subject),
        text_body="" if message.content_subtype == "html" else str(message.body),
        html_body=html,
        raw=mime.as_string(),
    )
