"""The embedded server as `make run` serves it (`manage.py serve`: granian, the front of
dateline.core.front, Django), against clients that send request bodies slowly or too large.

Real processes on the test's database; each check waits with a generous deadline for an
answer, and times nothing.
"""

import json
import socket
import threading
import time
from urllib.parse import urlencode

import pytest

from dateline.testing.server import embedded_server, get

ARTICLE_PATH = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
TRICKLING_CLIENTS = 50
TRICKLE_SECONDS = 4
DEADLINE = 5.0  # for an answer that should come at once
MB = 1024 * 1024

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(transactional_db):
    from dateline.demo.actions import demo_content_load

    demo_content_load()


@pytest.fixture
def server(demo_site, tmp_path):
    with embedded_server(tmp_path, COMMENTS_MIN_FILL_SECONDS="0") as served:
        yield served


def post_head(path: str, *, length: int | None, content_type: str, accept: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    if accept:
        lines.append(f"Accept: {accept}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket, timeout: float = DEADLINE) -> tuple[int, bytes]:
    """The status and body of the answer on `sock`, which must come within `timeout`."""
    sock.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head, separator, body = received.partition(b"\r\n\r\n")
        length = content_length(head) if separator else None
        if length is not None and len(body) >= length:
            break
        try:
            data = sock.recv(65536)
        except ConnectionResetError:  # closed on a body it would not read: the answer is in
            break
        except TimeoutError:
            break
        if not data:
            break
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert head, f"no answer within {timeout} s"
    return int(head.split()[1]), body


def content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


def test_pages_and_healthz_answer_while_fifty_clients_trickle_bodies(server):
    """Each trickling POST holds no thread: readers and the load balancer's /healthz are
    answered while fifty bodies arrive a byte a second."""
    assert get(server.port, ARTICLE_PATH, timeout=60).status == 200  # rendered and cached
    clients = []
    for _ in range(TRICKLING_CLIENTS):
        client = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
        client.sendall(
            post_head(
                "/comments/post/",
                length=1000,
                content_type="application/x-www-form-urlencoded",
            )
        )
        clients.append(client)
    stop = threading.Event()

    def trickle():
        while not stop.wait(1):
            for client in clients:
                client.sendall(b"a")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        time.sleep(1)  # every body is under way
        health = get(server.port, "/healthz", timeout=DEADLINE)
        page = get(server.port, ARTICLE_PATH, timeout=DEADLINE)
        time.sleep(TRICKLE_SECONDS - 1)
        page_later = get(server.port, ARTICLE_PATH, timeout=DEADLINE)
    finally:
        stop.set()
        trickler.join()
    assert health.status == 200, health
    assert (page.status, page.headers.get("x-cache")) == (200, "HIT")
    assert page_later.status == 200
    # The bodies were still coming: nobody was answered, nor cut off, to make room.
    for client in clients:
        client.setblocking(False)
        with pytest.raises(BlockingIOError):
            client.recv(1)
        client.close()


def test_a_chunked_comment_reaches_django_whole(server):
    """The front reads a body without a Content-Length (chunked) to its end and gives
    Django its length: the comment is saved as sent."""
    from dateline.comments.models import Comment
    from dateline.newsroom.models import ArticlePage

    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
    issued = json.loads(get(server.port, "/forms/stamp/", timeout=30).body)["issued"]
    text = "Sent in chunks through the embedded server: é, 中文, 😀."
    form = urlencode(
        {
            "article": article.pk,
            "name": "Chunked Reader",
            "email": "chunked@example.com",
            "body": text,
            "issued": issued,
            "post_key": "chunked-comment-1",
        }
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        head = post_head(
            "/comments/post/",
            length=None,
            content_type="application/x-www-form-urlencoded",
            accept="application/json",
        )
        client.sendall(head.replace(b"\r\n\r\n", f"\r\nOrigin: {server.url}\r\n\r\n".encode()))
        for start in range(0, len(form), 50):
            piece = form[start : start + 50]
            client.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        client.sendall(b"0\r\n\r\n")
        status, body = read_answer(client, timeout=30)

    assert status == 201, body
    assert Comment.objects.get().body == text


def test_bodies_over_the_limit_are_refused_before_they_are_read(server):
    boundary = "dateline-test-boundary"
    upload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'.encode()
        + b"x" * (64 * 1024)
    )
    # 10 MB announced, 64 KB sent: the answer comes without the rest.
    for accept, expected in (
        ("", b"This request is too large: at most 64 KB may be sent here."),
        ("application/json", b'{"message": "This request is too large: at most 64 KB'),
    ):
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(
                post_head(
                    "/comments/post/",
                    length=10 * MB,
                    content_type=f"multipart/form-data; boundary={boundary}",
                    accept=accept,
                )
                + upload
            )
            status, body = read_answer(client)
        assert (status, body[: len(expected)]) == (413, expected)

    # A chunked body, with no length announced, is refused once it passes the limit.
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(post_head("/newsletter/", length=None, content_type="text/plain"))
        chunk = b"y" * 8192
        for _ in range(9):  # 72 KB, and no last chunk
            client.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, body = read_answer(client)
    assert status == 413, body

    # The admin takes its own, larger, bodies (images, documents, CSV imports).
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        form = b"username=editor&password=" + b"p" * MB
        client.sendall(
            post_head(
                "/admin/login/", length=len(form), content_type="application/x-www-form-urlencoded"
            )
            + form
        )
        status, body = read_answer(client, timeout=30)
    assert status not in (413, 408), body


def test_a_body_that_comes_too_slowly_is_answered_408(demo_site, tmp_path):
    with embedded_server(
        tmp_path, REQUEST_BODY_TIMEOUT="1", REQUEST_BODY_MIN_RATE="1000"
    ) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(
                post_head(
                    "/comments/post/", length=100, content_type="application/x-www-form-urlencoded"
                )
            )
            client.sendall(b"a")  # and nothing more
            status, body = read_answer(client, timeout=10)
        assert status == 408, body
        assert get(server.port, "/healthz", timeout=DEADLINE).status == 200
