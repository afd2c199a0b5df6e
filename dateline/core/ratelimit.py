"""Fixed-window rate limits and once-only claims kept in the shared cache.

A limit is (count, seconds): at most `count` hits per `seconds`. Counters live in the cache
so every app server sees the same numbers: Redis when scaled out, whose increments are
atomic. Django's file cache (the embedded default) reads and rewrites a file to increment,
so there the read-modify-write is done under an exclusive file lock, or concurrent hits from
the web processes and the worker would be lost.
"""

import contextlib
import fcntl
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache


@contextlib.contextmanager
def cache_write_lock() -> Iterator[None]:
    """Serialise check-and-set on the file cache across processes; a no-op elsewhere."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        yield
        return
    lock_path = Path(backend._dir) / ".dateline-counters.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def claim_once(key: str, seconds: int) -> bool:
    """True for the first caller in `seconds`, across processes (cache.add made atomic)."""
    with cache_write_lock():
        return cache.add(key, 1, seconds)


def rate_limit_hit(*, scope: str, key: str, limits: Iterable[tuple[int, int]]) -> int | None:
    """Count one hit of `key`; the seconds to wait if a limit is now exceeded, else None."""
    now = int(time.time())
    retry_after = None
    for count, seconds in limits:
        window = now // seconds
        cache_key = f"ratelimit:{scope}:{seconds}:{window}:{key}"
        with cache_write_lock():
            cache.add(cache_key, 0, seconds + 1)
            try:
                hits = cache.incr(cache_key)
            except ValueError:  # expired between add and incr
                cache.set(cache_key, 1, seconds + 1)
                hits = 1
        if hits > count:
            wait = (window + 1) * seconds - now
            retry_after = max(retry_after or 0, wait, 1)
    return retry_after
