"""Rate limits and once-only claims live in the database: nothing evicts them, every process
counts the same rows (dateline.core.ratelimit)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tasks import task

from dateline.core import ratelimit
from dateline.core.actions import limit_counters_purge
from dateline.core.models import LimitCounter
from dateline.core.ratelimit import claim_once, claim_release, claim_renew, rate_limit_hit

HITS, THREADS = 150, 4
OTHER_KEYS = 10_000


@pytest.fixture
def file_cache(settings, tmp_path):
    """The embedded default: Django's file cache, which culls a third of 300 entries."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return cache


def write_other_keys(backend, count: int = OTHER_KEYS) -> None:
    """What a burst of cheap page views does to the cache: new entries, one per address."""
    for n in range(count):
        backend.set(f"pagecache:page:{n}", b"<html>a page</html>", 600)


def test_limits_and_claims_outlive_ten_thousand_other_cache_keys(db, file_cache):
    """Five comments a minute from one address, one erasure email a day for one reader."""
    limits = [(5, 60)]
    # Time stands still: the writes take a while, and the minute must not end meanwhile.
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(5):
            assert rate_limit_hit(scope="comment-ip", key="203.0.113.7", limits=limits) is None
        assert claim_once("comments:erasure-link:reader@example.com", 24 * 3600)

        write_other_keys(file_cache)

        assert rate_limit_hit(scope="comment-ip", key="203.0.113.7", limits=limits) is not None
        assert not claim_once("comments:erasure-link:reader@example.com", 24 * 3600)


def _hit() -> None:
    try:
        for _ in range(HITS):
            rate_limit_hit(scope="test", key="k", limits=[(10_000, 3600)])
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_no_hit_is_lost_when_connections_count_at_once():
    """Each thread has its own database connection, as each process does."""
    threads = [threading.Thread(target=_hit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counted = LimitCounter.objects.filter(key__startswith="ratelimit:test:3600:")
    assert sum(counted.values_list("hits", flat=True)) == HITS * THREADS


def test_a_limit_counts_each_window_and_answers_the_wait(db):
    limits = [(2, 60), (3, 3600)]
    assert rate_limit_hit(scope="s", key="k", limits=limits) is None
    assert rate_limit_hit(scope="s", key="k", limits=limits) is None
    wait = rate_limit_hit(scope="s", key="k", limits=limits)
    assert wait is not None and 1 <= wait <= 60
    assert rate_limit_hit(scope="s", key="other", limits=limits) is None
    assert rate_limit_hit(scope="other", key="k", limits=limits) is None


def test_each_check_is_one_statement(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        rate_limit_hit(scope="s", key="k", limits=[(5, 60), (30, 3600)])
    with django_assert_num_queries(1):
        claim_once("job:1", 60)


def test_a_window_or_claim_whose_time_ran_out_starts_again(db):
    assert claim_once("job:1", 60)
    assert not claim_once("job:1", 60)
    rate_limit_hit(scope="s", key="k", limits=[(1, 60)])
    assert rate_limit_hit(scope="s", key="k", limits=[(1, 60)]) is not None
    LimitCounter.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert claim_once("job:1", 60)
    assert rate_limit_hit(scope="s", key="k", limits=[(1, 60)]) is None


def test_a_claim_is_renewed_by_its_holder_and_released(db):
    assert claim_once("slot:0", 60)
    assert claim_renew("slot:0", 600)
    assert LimitCounter.objects.get(key="slot:0").expires_at > timezone.now() + timedelta(
        seconds=500
    )
    claim_release("slot:0")
    assert claim_once("slot:0", 60)
    LimitCounter.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not claim_renew("slot:0", 60), "a lapsed claim may be someone else's by now"


def test_a_key_longer_than_the_column_is_kept_whole(db):
    long_email = "a" * 240 + "@example.com"
    assert claim_once(f"comments:erasure-link:{long_email}", 60)
    assert not claim_once(f"comments:erasure-link:{long_email}", 60)
    assert claim_once(f"comments:erasure-link:b{long_email}", 60), "a different key"


def test_a_claim_made_in_a_transaction_that_rolls_back_is_given_back(db):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        assert claim_once("erasure:x", 60)
        raise RuntimeError
    assert claim_once("erasure:x", 60)


def test_expired_rows_are_purged_once_an_hour_by_a_worker(db, monkeypatch):
    claim_once("live", 3600)
    claim_once("ended", 60)
    LimitCounter.objects.filter(key="ended").update(expires_at=timezone.now())
    assert limit_counters_purge() == 1
    assert list(LimitCounter.objects.values_list("key", flat=True)) == ["live"]

    monkeypatch.setattr(ratelimit, "_purge_checked_for", None)
    hour = 1_000_000 * ratelimit.PURGE_EVERY_SECONDS
    assert ratelimit.purge_due(hour + 1), "the first worker to ask this hour"
    assert not ratelimit.purge_due(hour + 2), "this process asked already"
    monkeypatch.setattr(ratelimit, "_purge_checked_for", None)  # another process
    assert not ratelimit.purge_due(hour + 3), "another worker had it"


@task()
def some_task() -> int:
    return 1


def test_a_worker_purges_after_a_task_it_ran(db, run_worker, monkeypatch):
    monkeypatch.setattr(ratelimit, "_purge_checked_for", None)
    claim_once("ended", 60)
    LimitCounter.objects.update(expires_at=timezone.now())
    some_task.enqueue()
    run_worker()
    assert not LimitCounter.objects.filter(key="ended").exists()


def test_ipv6_addresses_of_one_block_count_together():
    from dateline.core.http import rate_limit_key

    assert rate_limit_key("2001:db8:1:2::a") == rate_limit_key("2001:db8:1:2:ffff::b")
    assert rate_limit_key("2001:db8:1:3::a") != rate_limit_key("2001:db8:1:2::a")
    assert rate_limit_key("203.0.113.7") == "203.0.113.7"
    assert rate_limit_key(None) == "-"
