"""Search at a newsroom's scale: 100,000 generated articles on PostgreSQL (full-text search
in the database), then 200 different queries by relevance and 200 newest first, one at a
time over a keep-alive connection, so each latency is the server's time for that search.

The articles come from `manage.py generate_articles` (seeded, offline), made searchable as
published ones are (dateline/newsroom/search.py). Search pages are never page-cached.
"""

import http.client
import random
import re
import time
from urllib.parse import urlencode

from dateline.demo.vocabulary import WORDS
from dateline.testing.site import PYTHON, backends, fresh_site, run_command, run_python, served

from .client import percentile
from .report import Report

ARTICLES = 100_000
QUERIES = 200
COLUMNS = ("order", "articles", "queries", "p50 ms", "p95 ms", "max ms", "with results")


def _queries() -> list[str]:
    rng = random.Random(7)
    return [" ".join(rng.sample(WORDS, rng.choice((1, 1, 2)))) for _ in range(QUERIES)]


def _search(port: int, queries: list[str], sort: str) -> tuple[list[float], int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, found = [], 0
    try:
        for query in queries:
            started = time.perf_counter()
            connection.request("GET", "/search/?" + urlencode({"q": query, "sort": sort}))
            response = connection.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"search for {query!r} answered {response.status}")
            found += bool(re.search(rb"[0-9,]+ results? for", body))
    finally:
        connection.close()
    return latencies, found


def run() -> Report:
    found_backends, notes = backends()
    report = Report(f"Search on {ARTICLES:,} generated articles", COLUMNS, notes=notes)
    postgres = [b for b in found_backends if b.postgres_database]
    if not postgres:
        report.notes.append("PostgreSQL is not reachable: search was not measured.")
        return report
    with fresh_site(postgres[-1]) as site:
        started = time.monotonic()
        # Readers' search on PostgreSQL reads its own table; Wagtail's (the admin's) is
        # left out, as it would only add minutes here.
        run_command(
            site.env, PYTHON, "manage.py", "generate_articles", str(ARTICLES), "--no-admin-index"
        )
        generated = time.monotonic() - started
        # What autovacuum does after a bulk load: statistics, and the visibility map.
        run_python(
            site.env,
            "from django.db import connection\nconnection.cursor().execute('VACUUM ANALYZE')",
        )
        with served(site, workers=2):
            queries = _queries()
            _search(site.port, queries[:20], "relevance")  # warm the server processes
            for sort in ("relevance", "newest"):
                latencies, with_results = _search(site.port, queries, sort)
                report.rows.append(
                    (
                        "best match" if sort == "relevance" else "newest first",
                        ARTICLES,
                        len(queries),
                        f"{percentile(latencies, 50):.1f}",
                        f"{percentile(latencies, 95):.1f}",
                        f"{max(latencies):.1f}",
                        with_results,
                    )
                )
    report.notes.append(
        f"Generating and indexing the articles took {generated:.0f} s. Goal: p95 under 50 ms."
    )
    return report
