"""The shipped nginx front (deploy/nginx.conf.template) in Debian's nginx, before the app.

What a cache hit is answered by, what never goes into the shared cache, and how a change
reaches readers with no purge sent to nginx. How long that takes is measured by
`make bench`, not asserted here.
"""

import gzip
import time

import pytest
from django.core.signals import request_started

from dateline.demo.actions import demo_content_load
from dateline.newsroom.actions import article_publish
from dateline.newsroom.models import ArticlePage
from dateline.testing.nginx import get, nginx, nginx_conf
from dateline.testing.ports import free_port

ARTICLE_PATH = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_requests():
    """How many requests reached Django (the live server runs in this process)."""
    seen = []

    def count(sender, **kwargs):
        seen.append(kwargs.get("environ", {}).get("PATH_INFO"))

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


@pytest.fixture
def front(live_server, tmp_path):
    """nginx on a free port with the shipped configuration, the live server behind it."""
    demo_content_load()
    static = tmp_path / "static" / "css"
    static.mkdir(parents=True)
    (static / "site.4f2a.css").write_text("body { color: #111; }\n" * 200)
    (static / "site.4f2a.css.gz").write_bytes(
        gzip.compress((static / "site.4f2a.css").read_bytes())
    )
    port = free_port()
    config = nginx_conf(
        prefix=tmp_path,
        port=port,
        upstreams=[int(live_server.url.rsplit(":", 1)[1])],
        static_root=tmp_path / "static",
        media_root=tmp_path / "media",
        workers=1,
    )
    with nginx(config, prefix=tmp_path):
        yield port


def test_a_page_is_answered_by_nginx_after_the_first_request(front, app_requests):
    first = get(front, ARTICLE_PATH)
    second = get(front, ARTICLE_PATH)
    third = get(front, ARTICLE_PATH + "?utm_source=social")

    assert (first.status, first.headers["X-Cache-Status"]) == (200, "MISS")
    assert (second.headers["X-Cache-Status"], second.body) == ("HIT", first.body)
    assert b"U.S. Gains Support From World Powers VS ISIS" in second.body
    assert app_requests.count(ARTICLE_PATH) == 2  # the first, and the new URL of the third
    assert third.status == 200


def test_the_pages_security_policies_come_through_nginx_and_its_cache(front):
    first = get(front, ARTICLE_PATH)
    second = get(front, ARTICLE_PATH)
    assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
    for answer in (first, second):
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert "camera=()" in answer.headers["Permissions-Policy"]


def test_a_change_reaches_readers_through_nginx_without_a_purge(front):
    assert get(front, ARTICLE_PATH).status == 200
    assert get(front, ARTICLE_PATH).headers["X-Cache-Status"] == "HIT"
    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
    article.title = "Coalition Against ISIS Widens"
    article_publish(article=article)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if b"Coalition Against ISIS Widens" in get(front, ARTICLE_PATH).body:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the new headline never showed through nginx")


def test_a_withdrawn_page_leaves_nginx_too(front):
    """An unpublished article is gone through nginx as soon as its second is up: a refresh
    that answers 404 must not leave the old copy being served."""
    assert get(front, ARTICLE_PATH).status == 200
    assert get(front, ARTICLE_PATH).headers["X-Cache-Status"] == "HIT"
    ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis").unpublish()

    deadline = time.monotonic() + 10
    while get(front, ARTICLE_PATH).status != 404:
        assert time.monotonic() < deadline, "the withdrawn article is still served"
        time.sleep(0.05)
    assert all(get(front, ARTICLE_PATH).status == 404 for _ in range(5))


def test_editors_and_private_answers_never_come_from_the_shared_cache(front, app_requests):
    get(front, ARTICLE_PATH)
    as_editor = get(front, ARTICLE_PATH, Cookie="sessionid=an-editors-session")
    assert as_editor.headers["X-Cache-Status"] == "BYPASS"

    stamps = [get(front, "/forms/stamp/") for _ in range(2)]
    assert [s.headers.get("X-Cache-Status") for s in stamps] == ["MISS", "MISS"]
    assert app_requests.count("/forms/stamp/") == 2


def test_static_files_come_from_nginx_compressed_and_immutable(front, app_requests):
    answer = get(front, "/static/css/site.4f2a.css", **{"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "immutable" in answer.headers["Cache-Control"]
    assert gzip.decompress(answer.body).startswith(b"body { color: #111; }")
    assert app_requests == []
