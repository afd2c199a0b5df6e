"""Which Wagtail site a request is for (or, without a request, the default site), and what is
kept under the site tag.

Wagtail looks the site up in the database on every request, then its root page; both
change only when the site tag is purged (a change to the home page, a section, a move, or
the Site itself), as do the site settings and the section navigation. So they are kept
under that tag's version: in the shared cache, and in each process's memory, which can
never be out of date, since a purge gives the tag a new version and so every key a new name.
The version itself is read once a request, from the shared cache, so a purge made by any
process is seen by the next request everywhere. While the shared cache cannot be reached
the version is unknown, and every value is read from the database: a copy kept in memory
could not learn of a purge made meanwhile.
"""

import copy
import logging
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError
from django.http.request import split_domain_port
from wagtail.models import Site

from .pagecache import SITE_TAG, current_versions, new_version, tag_key

log = logging.getLogger(__name__)

_request_version: ContextVar[str | None] = ContextVar("site_tag_version", default=None)


def site_tag_version() -> str | None:
    """The site tag's version: as read at the start of the request, else read now; None
    while the shared cache does not answer."""
    if (version := _request_version.get()) is not None:
        return version or None
    version = current_versions([SITE_TAG])[SITE_TAG]
    if version is None:  # never purged yet (or the cache is away): give the tag a version
        cache.add(tag_key(SITE_TAG), new_version(), None)
        version = current_versions([SITE_TAG])[SITE_TAG]
    return version


class SiteTagged:
    """Values kept under their name and the site tag's version: a copy in this process
    (the last `size` keys), else the shared cache, else `load()`."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()

    @staticmethod
    def key(name: str) -> str | None:
        """Where `name` is kept now; None while the site tag's version is unknown."""
        version = site_tag_version()
        return None if version is None else f"{name}:{version}"

    def get(self, name: str, load: Callable[[], Any], timeout: int = 24 * 3600) -> Any:
        key = self.key(name)
        if key is None:
            return load()
        value = self.entries.get(key)
        if value is None:
            value = cache.get(key)
            if value is None:
                value = load()
                if value is None:
                    return None
                cache.set(key, value, timeout)
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        # Each request its own copy: Wagtail sets request-specific attributes on settings.
        return copy.copy(value)

    def forget(self, name: str) -> None:
        if (key := self.key(name)) is not None:
            self.entries.pop(key, None)
            cache.delete(key)

    def clear(self) -> None:
        self.entries.clear()


site_tagged = SiteTagged()


def default_site() -> Site | None:
    """The default Wagtail site, for what is done without a request (emails, tasks, the
    demo); None if there is none yet."""
    return Site.objects.filter(is_default_site=True).first()


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # "" marks a version looked up and found unknown, so it is not asked again.
        token = _request_version.set(site_tag_version() or "")
        try:
            request._wagtail_site = self.site(request)
        except DatabaseError:
            # The database is away: a view that needs the site answers 503
            # (dateline.core.outage); /healthz, which does not, reports it.
            pass
        except Exception:  # the cache holds what this code cannot read
            log.warning("Site lookup from the cache failed; asking the database", exc_info=True)
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)

    @staticmethod
    def site(request) -> Site | None:
        hostname = split_domain_port(request.get_host())[0]
        name = f"site-for:{hostname}:{request.get_port()}"

        def load() -> Site | None:
            site = Site.find_for_request(request)
            if site is not None:
                site.root_page.specific  # noqa: B018 - kept with the site
            return site

        return site_tagged.get(name, load)
