"""Fixed-window rate limits kept in the shared cache (Redis when scaled out).

A limit is (count, seconds): at most `count` hits per `seconds`. Counters live in the cache
so every app server sees the same numbers; an evicted counter errs on the side of the reader.
"""

import time
from collections.abc import Iterable

from django.core.cache import cache


def rate_limit_hit(*, scope: str, key: str, limits: Iterable[tuple[int, int]]) -> int | None:
    """Count one hit of `key`; the seconds to wait if a limit is now exceeded, else None."""
    now = int(time.time())
    retry_after = None
    for count, seconds in limits:
        window = now // seconds
        cache_key = f"ratelimit:{scope}:{seconds}:{window}:{key}"
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
