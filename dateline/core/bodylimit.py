"""How large a request body may be, and the 413 answer to one that is larger.

- Every request may send at most REQUEST_BODY_MAX_BYTES (public forms: comments, signups,
  erasure requests take no files); paths in REQUEST_BODY_MAX_BYTES_BY_PATH may send more
  (the admin uploads images and documents; email services batch webhook events).
- A body announced larger (Content-Length) is refused with 413 before any of it is read:
  `RequestBodyLimitMiddleware` does so under any server, first in MIDDLEWARE, before
  anything parses the body. The embedded server's front (dateline.core.front) applies the
  same limits before a thread is taken, and counts a chunked body as it arrives.
- The answer says what the limit is: JSON (`{"message": ...}`) to scripts that asked for
  it, plain text otherwise.
"""

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def request_body_limit(path: str) -> int:
    """The most bytes a request to `path` may send."""
    for prefix, limit in settings.REQUEST_BODY_MAX_BYTES_BY_PATH.items():
        if path.startswith(prefix):
            return limit
    return settings.REQUEST_BODY_MAX_BYTES


def readable_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def too_large_message(limit: int) -> str:
    return f"This request is too large: at most {readable_size(limit)} may be sent here."


def too_large_answer(*, limit: int, accept: str) -> tuple[str, bytes]:
    """The content type and body of the 413 answer."""
    message = too_large_message(limit)
    if "application/json" in accept:
        return "application/json", json.dumps({"message": message}).encode()
    return "text/plain; charset=utf-8", f"{message}\n".encode()


def announced_length(value: str | None) -> int | None:
    """A Content-Length header's value, or None when there is none; ValueError if malformed."""
    if value is None or value == "":
        return None
    if not value.isdigit():  # no sign, no spaces, no list of lengths
        raise ValueError(f"malformed Content-Length {value!r}")
    return int(value)


class RequestBodyLimitMiddleware:
    """413 for a request whose Content-Length is over its path's limit, body unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = request_body_limit(request.path_info)
        try:
            length = announced_length(request.META.get("CONTENT_LENGTH"))
        except ValueError:
            return HttpResponse(
                "Malformed Content-Length.\n", status=400, content_type="text/plain"
            )
        if length is not None and length > limit:
            content_type, body = too_large_answer(
                limit=limit, accept=request.headers.get("Accept", "")
            )
            # The server drops or drains the unread body (a WSGI app may not say Connection).
            return HttpResponse(body, status=413, content_type=content_type)
        return self.get_response(request)
