"""The Redis cache backend: a cache outage makes pages slower, never makes them fail.

Everything Dateline keeps in the cache can be rebuilt from the database: rendered pages,
tag versions, the site, its settings and the navigation. What must hold (rate limits and
once-only claims, dateline.core.ratelimit) is kept in the database. So when Redis cannot
be reached, or answers with an error, each operation answers as a miss does: `get` gives
the default, `add` and `delete` give False, `set` stores nothing, `set_many` names every
key as not stored (Django's contract for failed writes), `incr` raises ValueError as on a
missing key. Callers need no guards of their own, and Wagtail's and Django's own uses of
the cache degrade the same way.

A failure opens a circuit breaker shared by the process's threads: for CACHE_RETRY_SECONDS
no operation asks Redis, so a server that is gone, or whose packets vanish and would make
each call wait out its socket timeout, costs readers nothing. Then one call tries again.
Short socket timeouts (CACHE_CONNECT_TIMEOUT, CACHE_SOCKET_TIMEOUT) bound what that try
costs. The outage is logged once when it starts (an error), every few minutes while it
lasts, and once when it ends; when it ends `cache_recovered` is sent, on which the page
cache is purged whole (dateline.core.apps): purges made while Redis was away were lost.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import environ
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.dispatch import Signal
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

DJANGO_REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# A long outage is logged again this often, with how many operations were skipped.
REMINDER_SECONDS = 300.0

# Sent (sender: the backend class, location: where it points) when a cache answers again.
cache_recovered = Signal()

T = TypeVar("T")


def cache_from_url(url: str) -> dict[str, Any]:
    """CACHES["default"] for a CACHE_URL: django-environ's reading, Redis through this module."""
    config = environ.Env.cache_url_config(url)
    if config["BACKEND"] == DJANGO_REDIS_BACKEND:
        config["BACKEND"] = f"{__name__}.RedisCache"
    return config


class Breaker:
    """Whether to ask the cache now; one per server and process, whatever the thread."""

    def __init__(self, location: str):
        self.location = location
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.reminded_at = 0.0
        self.skipped = 0

    def allow(self) -> bool:
        if self.down_since is None:
            return True
        with self.lock:
            now = time.monotonic()
            if self.down_since is None:
                return True
            if now < self.retry_at:
                self.skipped += 1
                return False
            # This caller tries; the others keep skipping until it knows.
            self.retry_at = now + settings.CACHE_RETRY_SECONDS
            return True

    def failed(self, error: Exception) -> None:
        with self.lock:
            now = time.monotonic()
            self.retry_at = now + settings.CACHE_RETRY_SECONDS
            if self.down_since is None:
                self.down_since = self.reminded_at = now
                self.skipped = 0
                started = True
            else:
                started = False
                remind = now - self.reminded_at >= REMINDER_SECONDS
                if remind:
                    self.reminded_at = now
            down_for, skipped = now - self.down_since, self.skipped
        if started:
            log.error(
                "Cache at %s unreachable (%s: %s): pages are rendered from the database and "
                "nothing is cached until it answers; trying again every %s s",
                self.location,
                type(error).__name__,
                error,
                settings.CACHE_RETRY_SECONDS,
            )
        elif remind:
            log.error(
                "Cache at %s still unreachable after %.0f s (%s); %d operations skipped",
                self.location,
                down_for,
                error,
                skipped,
            )

    def succeeded(self) -> bool:
        """Note an answer; True if it ends an outage (for exactly one caller)."""
        if self.down_since is None:
            return False
        with self.lock:
            if self.down_since is None:
                return False
            down_for, skipped = time.monotonic() - self.down_since, self.skipped
            self.down_since = None
        log.warning(
            "Cache at %s answers again after %.0f s (%d operations skipped meanwhile); "
            "purging the page cache, since purges made meanwhile were lost",
            self.location,
            down_for,
            skipped,
        )
        return True


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str) -> Breaker:
    # Django makes a backend instance per thread: the breaker must be the process's.
    with _breakers_lock:
        if location not in _breakers:
            _breakers[location] = Breaker(location)
        return _breakers[location]


def _printable(server: str) -> str:
    """host:port/db without the password a Redis URL may carry."""
    parts = urlsplit(server)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


class RedisCache(DjangoRedisCache):
    """Django's Redis backend, answering a miss (and logging once) while Redis is away."""

    outage_errors: tuple[type[Exception], ...] = (RedisError, OSError)

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        # redis-py waits 5 s to connect and 5 s for each answer by default: a server whose
        # packets vanish would add that to every request until the breaker opens.
        options.setdefault("socket_connect_timeout", settings.CACHE_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", settings.CACHE_SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = ", ".join(_printable(s) for s in self._servers)
        self.breaker = breaker_for(self.location)

    def _guarded(self, fallback: T, operation: Callable[..., T], *args: Any) -> T:
        if not self.breaker.allow():
            return fallback
        try:
            result = operation(*args)
        except self.outage_errors as error:
            self.breaker.failed(error)
            return fallback
        if self.breaker.succeeded():
            cache_recovered.send(sender=type(self), location=self.location)
        return result

    def reachable(self) -> bool:
        """Ask Redis now, whatever the breaker says (for /healthz); notes the answer."""
        try:
            self._cache.get_client(None, write=True).ping()
        except self.outage_errors as error:
            self.breaker.failed(error)
            return False
        if self.breaker.succeeded():
            cache_recovered.send(sender=type(self), location=self.location)
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._guarded(missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)
