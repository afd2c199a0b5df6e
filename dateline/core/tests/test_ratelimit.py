"""Rate limits and once-only claims on the embedded file cache, from several processes."""

import multiprocessing
import time

import pytest
from django.core.cache import cache

from dateline.core.ratelimit import claim_once, rate_limit_hit

HITS, PROCESSES = 150, 4


def _hit() -> None:
    for _ in range(HITS):
        rate_limit_hit(scope="test", key="k", limits=[(10_000, 3600)])


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return cache


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_no_hit_is_lost_when_processes_count_at_once(file_cache):
    window = int(time.time()) // 3600
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hit) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    counted = sum(file_cache.get(f"ratelimit:test:3600:{w}:k", 0) for w in (window, window + 1))
    assert counted == HITS * PROCESSES


def test_claim_once_is_true_once(file_cache):
    assert claim_once("job:1", 60)
    assert not claim_once("job:1", 60)


def test_ipv6_addresses_of_one_block_count_together():
    from dateline.core.http import rate_limit_key

    assert rate_limit_key("2001:db8:1:2::a") == rate_limit_key("2001:db8:1:2:ffff::b")
    assert rate_limit_key("2001:db8:1:3::a") != rate_limit_key("2001:db8:1:2::a")
    assert rate_limit_key("203.0.113.7") == "203.0.113.7"
    assert rate_limit_key(None) == "-"
