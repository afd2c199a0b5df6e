"""A Redis outage makes pages slower, never makes them fail (dateline.core.cache_backends).

A real redis-server on a port of its own is stopped under the site and started again.
"""

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from dateline.comments.models import Comment
from dateline.core import formstamp
from dateline.core.actions import page_cache_purge
from dateline.core.cache_backends import cache_from_url
from dateline.newsletter.models import Subscriber
from dateline.newsroom.models import ArticlePage, NewsroomSettings
from dateline.testing.redis import redis_server

DEADLINE_SECONDS = 15


def old_stamp() -> str:
    """A form handed out a minute ago: long enough for a person to have typed."""
    with time_machine.travel(timezone.now() - timedelta(minutes=1)):
        return formstamp.issue()


@pytest.fixture
def redis(settings):
    with redis_server() as server:
        settings.CACHES = {"default": cache_from_url(server.url)}
        # Tried again soon after a failure, so the test sees the cache come back quickly.
        settings.CACHE_RETRY_SECONDS = 0.2
        yield server


def wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return found


def test_pages_forms_and_health_ride_out_a_redis_outage(client, demo_article, redis, caplog):
    from wagtail.models import Site

    from dateline.comments.models import CommentSettings

    policy = CommentSettings.for_site(Site.objects.get(is_default_site=True))
    policy.moderation = "immediate"
    policy.save()
    article, section = demo_article.url, demo_article.get_parent().url
    assert client.get(article)["X-Cache"] == "MISS"
    assert client.get(article)["X-Cache"] == "HIT"
    health = client.get("/healthz")
    assert (health.status_code, health.json()["cache"]) == (200, {"status": "up"})

    redis.stop()
    with caplog.at_level(logging.INFO):
        # A page that was cached, and pages that never were: all from the database.
        for path in (article, article, "/", section):
            response = client.get(path)
            assert (response.status_code, response["X-Cache"]) == (200, "MISS"), path
        assert "U.S. Gains Support" in client.get(article).content.decode()
        # Nothing kept in this process's memory meanwhile: a change is seen at once.
        NewsroomSettings.objects.update(name="The Gazette")
        assert "The Gazette" in client.get(section).content.decode()

        health = client.get("/healthz")
        assert health.status_code == 200
        assert (health.json()["status"], health.json()["cache"]) == ("degraded", {"status": "down"})
        assert health.json()["database"] == {"status": "up"}

        posted = client.post(
            "/comments/post/",
            {
                "article": demo_article.pk,
                "name": "Amira",
                "email": "amira@example.com",
                "body": "Posted while the cache was down.",
                "issued": old_stamp(),
            },
        )
        assert posted.status_code == 302, posted.content.decode()
        assert Comment.objects.filter(body="Posted while the cache was down.").exists()

        signed_up = client.post(
            "/newsletter/",
            {"email": "reader@example.com", "source": "footer", "issued": old_stamp()},
        )
        assert signed_up.status_code == 200, signed_up.content.decode()
        assert Subscriber.objects.filter(email="reader@example.com").exists()
        assert client.get(article).status_code == 200

    outage_records = [r for r in caplog.records if r.name == "dateline.core.cache_backends"]
    assert [r.levelname for r in outage_records] == ["ERROR"], "logged once, when it started"
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a cache outage"

    redis.start()
    wait_for(lambda: client.get(article)["X-Cache"] == "HIT", "the page cache to serve again")
    assert client.get("/healthz").json()["cache"] == {"status": "up"}
    assert "answers again" in caplog.text


def test_after_a_failure_nothing_asks_redis_until_the_retry_time(redis, settings):
    """So a server that has gone away, or whose packets vanish, costs requests no waiting."""
    settings.CACHE_RETRY_SECONDS = 3600
    cache.set("kept", "value")
    assert cache.get("kept") == "value"
    redis.stop()
    assert cache.get("kept") is None  # the failure that opens the breaker
    redis.start()  # back, but nobody asks it before CACHE_RETRY_SECONDS
    assert cache.get("anything", "default") == "default"
    assert cache.add("new", 1) is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"], "named as not stored"
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert cache._cache.get_client(None).ping(), "the server itself answers"


def test_redis_waits_at_most_the_short_timeouts(redis, settings):
    pool = cache._cache._get_connection_pool(write=True)
    assert pool.connection_kwargs["socket_connect_timeout"] == settings.CACHE_CONNECT_TIMEOUT
    assert pool.connection_kwargs["socket_timeout"] == settings.CACHE_SOCKET_TIMEOUT


def test_purges_lost_while_redis_was_unreachable_are_made_up_for(
    client, demo_article, redis, settings
):
    """A network cut, not a restart: Redis comes back with the pages it kept before."""
    settings.CACHE_CONNECT_TIMEOUT = settings.CACHE_SOCKET_TIMEOUT = 0.2
    # Left alone after the failure until /healthz asks it again, whatever the time taken.
    settings.CACHE_RETRY_SECONDS = 3600
    url = demo_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"

    redis.pause()
    ArticlePage.objects.filter(pk=demo_article.pk).update(standfirst="Corrected meanwhile.")
    # Rendered from the database once Redis does not answer within its timeout; Redis is
    # then left alone, so the purge that publishing the correction makes is lost.
    assert "Corrected meanwhile." in client.get(url).content.decode()
    page_cache_purge(tags={f"page:{demo_article.pk}"})

    redis.resume()
    assert client.get("/healthz").json()["cache"] == {"status": "up"}
    page = client.get(url)
    assert "Corrected meanwhile." in page.content.decode(), "a page that missed its purge"
    assert client.get(url)["X-Cache"] == "HIT"
