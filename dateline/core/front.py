"""The embedded server's front: request bodies are read in the event loop, then Django (WSGI)
runs in a bounded pool of threads.

granian serving WSGI hands each request to one of its blocking threads before the body has
arrived, and that thread waits for the body (granian has no body read timeout): a few
clients sending a body slowly hold every thread, and cached pages and /healthz stop
answering. Served as ASGI through this front (`manage.py serve`, hence `make run`):

- A request's body is read by a coroutine, which costs no thread while it waits: clients
  trickling bodies take nothing from the readers of pages. It is kept in memory up to
  FILE_UPLOAD_MAX_MEMORY_SIZE, in a temporary file beyond, as Django's ASGI handler does.
- A body announced larger than its path allows (dateline.core.bodylimit) is refused with
  413 before any of it is read; a body without a Content-Length (chunked) is counted as it
  arrives and refused as soon as it passes the limit.
- A body must arrive within REQUEST_BODY_TIMEOUT seconds plus one second for every
  REQUEST_BODY_MIN_RATE bytes it announces (or may send): slower, the request gets 408.
- Only then does the request take one of SERVE_THREADS threads, where Django's own
  WSGIHandler answers it as under any WSGI server (each thread keeps its own database
  connection). An answer of up to BUFFERED_BYTES is collected in the thread and sent from
  the event loop; a longer or streamed one is sent from its thread as it is produced.

Behind nginx (production), nginx reads the whole body before passing a request on, so the
app servers there run WSGI directly (faster: no hand-over between threads).
"""

import asyncio
import contextlib
import io
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from dateline.core.bodylimit import announced_length, request_body_limit, too_large_answer

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# An answer up to this size is collected in its thread and sent in one message.
BUFFERED_BYTES = 256 * 1024
# A longer one is sent in pieces of about this size.
PIECE_BYTES = 64 * 1024


class TooLarge(Exception):
    pass


class Gone(Exception):
    """The client went away before its request was complete."""


class BodyBufferingFront:
    """An ASGI application that reads each body in the event loop, then runs `wsgi_app`."""

    def __init__(
        self,
        wsgi_app: WsgiApp,
        *,
        threads: int,
        body_timeout: float,
        body_min_rate: float,
        spool_bytes: int,
        limit: Callable[[str], int] = request_body_limit,
    ):
        self.wsgi_app = wsgi_app
        self.body_timeout = body_timeout
        self.body_min_rate = body_min_rate
        self.spool_bytes = spool_bytes
        self.limit = limit
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # granian runs it with --no-ws and without lifespan
            return
        headers = _headers(scope)
        limit = self.limit(scope["path"])
        try:
            length = announced_length(headers.get("content-length"))
        except ValueError:
            await _answer(send, 400, "text/plain; charset=utf-8", b"Malformed Content-Length.\n")
            return
        if length is not None and length > limit:
            await self._too_large(send, limit, headers)
            return
        with tempfile.SpooledTemporaryFile(max_size=self.spool_bytes) as body:
            try:
                await self._read_body(scope, receive, headers, length, limit, body)
            except TooLarge:
                await self._too_large(send, limit, headers)
                return
            except TimeoutError:
                await _answer(
                    send, 408, "text/plain; charset=utf-8", b"The request body came too slowly.\n"
                )
                return
            except Gone:
                return
            environ = _environ(scope, headers, body)
            loop = asyncio.get_running_loop()
            answered = await loop.run_in_executor(self.pool, self._run, environ, loop, send)
        if answered is not None:
            status, response_headers, content = answered
            await send(
                {"type": "http.response.start", "status": status, "headers": response_headers}
            )
            await send({"type": "http.response.body", "body": content})

    async def _read_body(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        length: int | None,
        limit: int,
        body: IO[bytes],
    ) -> None:
        """Write the request's body to `body` (in memory up to spool_bytes, then on disk, as
        Django's own ASGI handler does) and rewind it."""
        if length == 0 or (
            length is None
            and "transfer-encoding" not in headers
            and scope.get("http_version", "1.1").startswith("1")
        ):
            return  # HTTP/1 without either header: no body follows
        allowed = self.body_timeout + (length if length is not None else limit) / self.body_min_rate
        size = 0
        async with asyncio.timeout(allowed):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise Gone
                piece = message.get("body", b"")
                size += len(piece)
                if size > limit:
                    raise TooLarge
                body.write(piece)
                if not message.get("more_body", False):
                    break
        body.seek(0)

    async def _too_large(self, send: Send, limit: int, headers: dict[str, str]) -> None:
        content_type, content = too_large_answer(limit=limit, accept=headers.get("accept", ""))
        await _answer(send, 413, content_type, content)

    def _run(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Send
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """In a pool thread: the whole answer when short, else None once it has been sent."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [
                int(status.split(" ", 1)[0]),
                [
                    (name.lower().encode("latin1"), value.encode("latin1"))
                    for name, value in headers
                ],
            ]
            return _no_write

        result = self.wsgi_app(environ, start_response)
        try:  # closing the answer ends the request (request_finished) in its own thread
            pieces = iter(result)
            collected = bytearray()
            for piece in pieces:
                collected += piece
                if len(collected) > BUFFERED_BYTES:
                    break
            else:
                return started[0], started[1], bytes(collected)

            def sent(message: Message) -> None:
                try:
                    asyncio.run_coroutine_threadsafe(_sending(send, message), loop).result()
                except (OSError, RuntimeError) as error:  # what servers raise once it is closed
                    raise Gone from error

            with contextlib.suppress(Gone):  # the reader left: the rest goes nowhere
                sent({"type": "http.response.start", "status": started[0], "headers": started[1]})
                for piece in pieces:
                    collected += piece
                    if len(collected) >= PIECE_BYTES:
                        sent(
                            {
                                "type": "http.response.body",
                                "body": bytes(collected),
                                "more_body": True,
                            }
                        )
                        collected.clear()
                sent({"type": "http.response.body", "body": bytes(collected)})
            return None
        finally:
            if hasattr(result, "close"):
                result.close()


async def _sending(send: Send, message: Message) -> None:
    await send(message)


def _no_write(data: bytes) -> None:
    # PEP 3333's legacy write() callable: Django never calls it, it returns its answers.
    raise RuntimeError("the embedded front takes answers returned by the application only")


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; repeated ones joined with commas (RFC 9110 5.3),
    cookies with semicolons (RFC 9113 8.2.3). Names with an underscore are dropped, as
    WSGI servers do: in the environ they would pass for the dashed header (X_Forwarded_For
    for X-Forwarded-For)."""
    joined: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin1").lower(), raw_value.decode("latin1")
        if "_" in name:
            continue
        if name in joined:
            value = joined[name] + ("; " if name == "cookie" else ",") + value
        joined[name] = value
    return joined


def _environ(scope: Scope, headers: dict[str, str], body: IO[bytes]) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope and its body."""
    root_path = scope.get("root_path", "")
    path = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        # PEP 3333: "native strings" holding the bytes of the URL as latin-1.
        "SCRIPT_NAME": root_path.encode().decode("latin1"),
        "PATH_INFO": path.encode().decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 80),
        "REMOTE_ADDR": (scope.get("client") or ("", 0))[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{key}"] = value
    if "transfer-encoding" in headers:  # the body is whole now: its length is known
        environ["CONTENT_LENGTH"] = str(body.seek(0, io.SEEK_END))
        body.seek(0)
        environ.pop("HTTP_TRANSFER_ENCODING")
    return environ


async def _answer(send: Send, status: int, content_type: str, content: bytes) -> None:
    """An answer of the front's own, after which the connection closes: the client may
    still be sending a body that nobody will read."""
    headers = [(b"content-type", content_type.encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
