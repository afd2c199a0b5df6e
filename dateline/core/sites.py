"""Which Wagtail site a request is for, from the shared cache.

Wagtail looks the site up in the database on every request, then its root page; both
change only when the site tag is purged (a change to the home page, a section, a move, or
the Site itself), so the lookup is kept under that tag's version.
"""

import logging

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Site

from .pagecache import SITE_TAG, current_versions, new_version, tag_key

log = logging.getLogger(__name__)


def site_tag_version() -> str:
    version = current_versions([SITE_TAG])[SITE_TAG]
    if version is None:  # never purged yet: give the tag a version to key on
        cache.add(tag_key(SITE_TAG), new_version(), None)
        version = current_versions([SITE_TAG])[SITE_TAG]
    return version or ""


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request._wagtail_site = self.site(request)
        except Exception:  # the cache is down, or holds what this code cannot read
            log.warning("Site lookup from the cache failed; asking the database", exc_info=True)
        return self.get_response(request)

    @staticmethod
    def site(request) -> Site | None:
        hostname = split_domain_port(request.get_host())[0]
        key = f"site-for:{hostname}:{request.get_port()}:{site_tag_version()}"
        site = cache.get(key)
        if site is None:
            site = Site.find_for_request(request)
            if site is not None:
                site.root_page.specific  # noqa: B018 - kept with the site in the cache
                cache.set(key, site, 24 * 3600)
        return site
