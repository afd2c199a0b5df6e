"""Which Wagtail site a request is for, and what is kept under the site tag.

Wagtail looks the site up in the database on every request, then its root page; both
change only when the site tag is purged (a change to the home page, a section, a move, or
the Site itself), as do the site settings and the section navigation. So they are kept
under that tag's version: in the shared cache, and in each process's memory, which can
never be out of date, since a purge gives the tag a new version and so every key a new name.
The version itself is read once a request, from the shared cache, so a purge made by any
process is seen by the next request everywhere.
"""

import copy
import logging
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Site

from .pagecache import SITE_TAG, current_versions, new_version, tag_key

log = logging.getLogger(__name__)

_request_version: ContextVar[str | None] = ContextVar("site_tag_version", default=None)


def site_tag_version() -> str:
    """The site tag's version: as read at the start of the request, else read now."""
    if (version := _request_version.get()) is not None:
        return version
    version = current_versions([SITE_TAG])[SITE_TAG]
    if version is None:  # never purged yet: give the tag a version to key on
        cache.add(tag_key(SITE_TAG), new_version(), None)
        version = current_versions([SITE_TAG])[SITE_TAG]
    return version or ""


class SiteTagged:
    """Values kept under a key that holds the site tag's version: a copy in this process
    (the last `size` keys), else the shared cache, else `load()`."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str, load: Callable[[], Any], timeout: int = 24 * 3600) -> Any:
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

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)
        cache.delete(key)

    def clear(self) -> None:
        self.entries.clear()


site_tagged = SiteTagged()


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = None
        try:
            token = _request_version.set(site_tag_version())
            request._wagtail_site = self.site(request)
        except Exception:  # the cache is down, or holds what this code cannot read
            log.warning("Site lookup from the cache failed; asking the database", exc_info=True)
        try:
            return self.get_response(request)
        finally:
            if token is not None:
                _request_version.reset(token)

    @staticmethod
    def site(request) -> Site | None:
        hostname = split_domain_port(request.get_host())[0]
        key = f"site-for:{hostname}:{request.get_port()}:{site_tag_version()}"

        def load() -> Site | None:
            site = Site.find_for_request(request)
            if site is not None:
                site.root_page.specific  # noqa: B018 - kept with the site
            return site

        return site_tagged.get(key, load)
