"""A shared page cache for anonymous readers, invalidated by tags.

Views mark a response as cacheable with `tag_response()`, naming what it shows (`page:12`,
`section:3`, `home`, ...). The middleware stores such responses and answers later requests
from the cache until one of the tags is purged (`dateline.core.actions.page_cache_purge`).

Purging a tag replaces its version token; an entry is served only while every tag it was
stored with still has the version it was stored with. A counter bumped on every purge guards
the window between rendering and storing: a page rendered while a purge happened is not kept.

Each process also keeps the pages it served last in memory, and serves them without asking
the shared cache for PAGE_CACHE_LOCAL_SECONDS (default 0.5 s) after it last checked their
tags: a page read thousands of times a second costs one cache round trip per half second
per process, and a change still shows within that half second.
"""

import functools
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe, quote_etag

PURGE_SEQUENCE_KEY = "pagecache:purge-seq"
# Every cached page carries this tag: purging it empties the whole page cache.
SITE_TAG = "site"
# Campaign parameters do not change a page; leaving them out of the key keeps a viral link,
# shared with a different utm_source on every network, on one cache entry.
IGNORED_QUERY_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref"})
STORED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Last-Modified",
    "ETag",
    "Cache-Tag",
    "X-Accel-Expires",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Permissions-Policy",
)


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    tag_versions: tuple[tuple[str, str | None], ...]

    def to_response(self) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response[name] = value
        return response


def tag_key(tag: str) -> str:
    return f"pagecache:tag:{tag}"


def tag_response(
    response: HttpResponse, *, tags: set[str] | list[str], last_modified: datetime | None = None
) -> HttpResponse:
    """Mark a response as the same for every anonymous reader, showing what `tags` name."""
    response.cache_tags = {SITE_TAG, *tags}  # type: ignore[attr-defined]
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def cache_tags(*tags: str):
    """View decorator: tag the view's responses with fixed tags."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                tag_response(response, tags=set(tags))
            return response

        return wrapped

    return decorator


def current_versions(tags) -> dict[str, str | None]:
    found = cache.get_many([tag_key(tag) for tag in tags])
    return {tag: found.get(tag_key(tag)) for tag in tags}


def new_version() -> str:
    return secrets.token_hex(8)


def entry_key(request: HttpRequest) -> str:
    params = sorted(
        (name, value)
        for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if name not in IGNORED_QUERY_PARAMS and not name.startswith("utm_")
    )
    raw = f"{request.get_host()}|{request.path}|{urlencode(params)}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def is_reader_request(request: HttpRequest) -> bool:
    """An anonymous GET: no session, so nothing in the answer can depend on who asks."""
    return request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES


def set_public_headers(response: HttpResponse) -> None:
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PAGE_CACHE_BROWSER_MAX_AGE,
        s_maxage=settings.PAGE_CACHE_SHARED_MAX_AGE,
    )
    if not response.has_header("ETag"):
        response["ETag"] = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
    response["Cache-Tag"] = " ".join(sorted(response.cache_tags))  # type: ignore[attr-defined]
    # nginx in front keeps the page this long (a micro-cache: it serves the viral page
    # without Python, and every change shows within that time without any purge reaching
    # it); other caches follow s-maxage.
    response["X-Accel-Expires"] = str(settings.PAGE_CACHE_PROXY_SECONDS)


class LocalPages:
    """The pages this process served last: (page, when its tags were last checked)."""

    def __init__(self, size: int = 256):
        self.size = size
        self.pages: OrderedDict[str, tuple[CachedPage, float]] = OrderedDict()
        self.lock = threading.Lock()

    def fresh(self, key: str, seconds: float) -> CachedPage | None:
        with self.lock:
            found = self.pages.get(key)
        if found is not None and time.monotonic() - found[1] < seconds:
            return found[0]
        return None

    def keep(self, key: str, page: CachedPage) -> None:
        with self.lock:
            self.pages[key] = (page, time.monotonic())
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


local_pages = LocalPages()


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_reader_request(request):
            response = self.get_response(request)
            if getattr(response, "cache_tags", None):
                # An editor's view of a public page may carry the userbar: never shared.
                patch_cache_control(response, private=True, no_cache=True)
            return response

        key = entry_key(request)
        local_seconds = settings.PAGE_CACHE_LOCAL_SECONDS
        if local_seconds and (entry := local_pages.fresh(key, local_seconds)) is not None:
            return self.answer(request, entry.to_response(), hit=True)
        entry = cache.get(key)
        if entry is not None:
            stored_versions = dict(entry.tag_versions)
            if current_versions(stored_versions) == stored_versions:
                if local_seconds:
                    local_pages.keep(key, entry)
                return self.answer(request, entry.to_response(), hit=True)

        purge_sequence = cache.get(PURGE_SEQUENCE_KEY)
        response = self.get_response(request)
        tags = getattr(response, "cache_tags", None)
        if not tags or response.status_code != 200 or response.streaming or response.cookies:
            return response
        set_public_headers(response)
        versions = current_versions(sorted(tags))
        if cache.get(PURGE_SEQUENCE_KEY) == purge_sequence:
            entry = CachedPage(
                content=response.content,
                headers=(
                    *tuple(
                        (name, response[name])
                        for name in STORED_HEADERS
                        if response.has_header(name)
                    ),
                    ("Cache-Control", response["Cache-Control"]),
                ),
                tag_versions=tuple(versions.items()),
            )
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return self.answer(request, response, hit=False)

    @staticmethod
    def answer(request: HttpRequest, response: HttpResponse, *, hit: bool) -> HttpResponse:
        response["X-Cache"] = "HIT" if hit else "MISS"
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
