"""Purges of the page cache (dateline/core/pagecache.py) and of the rate-limit windows."""

from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .. import pagecache
from ..models import LimitCounter


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


def limit_counters_purge(*, now: datetime | None = None) -> int:
    """Delete the rate-limit windows and claims that have ended; returns how many."""
    deleted, _ = LimitCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
