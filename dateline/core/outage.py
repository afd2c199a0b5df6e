"""What readers get while the database is away: a 503 with Retry-After, never a 500.

Every uncaught exception, whether a view, a template or a middleware raised it, ends in
handler500 (`dateline.core.views.server_error`). For the errors of a database that cannot
be reached (django.db's OperationalError and InterfaceError: a refused or dropped
connection, a server shutting down, SQLite's "database is locked" after its timeout) it
answers 503 with `Retry-After: OUTAGE_RETRY_AFTER_SECONDS` instead: the page `503.html`,
which needs neither the database nor a context processor, or JSON for a script that asked
for JSON. Pages in the page cache are served from it as usual meanwhile.

The outage is logged when it starts and then at most once a minute with a count, not with
a traceback per request. SQLite's "no such table" is an OperationalError too, but it is
a missing migration, not an outage: it stays a 500 with its traceback.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from .http import wants_json
from .security_headers import CSP_HEADER, self_contained_page_policy

log = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60.0
MESSAGE = "The site is briefly unavailable. Please try again in a minute."
_NOT_OUTAGES = ("no such table", "no such column")


def is_database_outage(error: BaseException | None) -> bool:
    if isinstance(error, InterfaceError):
        return True
    return isinstance(error, OperationalError) and not str(error).startswith(_NOT_OUTAGES)


class _Throttle:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.logged_at: float | None = None
        self.unlogged = 0

    def note(self, request: HttpRequest, error: BaseException) -> None:
        with self.lock:
            now = time.monotonic()
            if self.logged_at is not None and now - self.logged_at < LOG_EVERY_SECONDS:
                self.unlogged += 1
                return
            more, self.unlogged, self.logged_at = self.unlogged, 0, now
        log.error(
            "Database unreachable (%s: %s) at %s: answering 503%s",
            type(error).__name__,
            str(error).strip(),
            request.path,
            f" ({more} more requests since the last message)" if more else "",
        )


_throttle = _Throttle()


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 for a request that needed the database while it is away."""
    _throttle.note(request, error)
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"message": MESSAGE}, status=503)
    else:
        page = loader.get_template("503.html").render({"message": MESSAGE})
        response = HttpResponse(page, status=503)
        # Its only style is inline, allowed by its hash: it must need nothing else to show.
        response[CSP_HEADER] = self_contained_page_policy(page)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above, once a minute: Django would log a traceback for every request.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
