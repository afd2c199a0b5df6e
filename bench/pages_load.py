"""The article page under a viral load, side by side in one run (wrk, 64 connections):

- the limit: nginx serving the same bytes from a plain file;
- a cache hit through nginx (the shipped deploy/nginx.conf.template, a 1-second micro-cache);
- a cache hit through the app server alone (granian, the app's page cache, no database);
- a cache miss: every request rendered (PAGE_CACHE_SECONDS=0), as after each purge, under
  the same load and one request at a time (its p50 is the time to render the page);

each as a ratio to the limit. The site runs on PostgreSQL and Redis, as scaled out, with
two granian worker processes; nginx runs two workers. wrk shares the two cores with them,
as the load would on one machine.
"""

import dataclasses
import http.client
import tempfile
import time
from pathlib import Path

from . import http_tools
from .report import Report
from .serving import nginx_conf
from .site import (
    ARTICLE_PATH,
    PUBLISH_HEADLINE,
    backends,
    free_port,
    fresh_site,
    run_python,
    served,
)

SECONDS = 10
PROXY_SECONDS = 1
CONNECTIONS = 64
COLUMNS = ("answered by", "requests/s", "p50 ms", "p99 ms", "errors", "ratio to file")


def _fetch(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        return body
    finally:
        connection.close()


def run() -> Report:
    found, notes = backends()
    backend = found[-1]  # PostgreSQL + Redis when they answer, else the embedded setup
    report = Report(
        f"The article page, {CONNECTIONS} connections for {SECONDS} s each ({backend.label})",
        COLUMNS,
        notes=notes,
    )
    http_tools.nginx_binary()
    rows: list[tuple[str, http_tools.WrkResult]] = []
    with fresh_site(backend) as site:
        # Behind nginx the app keeps no copy of its own: nginx's second is the only delay.
        behind = dataclasses.replace(
            site, env={**site.env, "PAGE_CACHE_LOCAL_SECONDS": "0"}, port=free_port()
        )
        through_nginx, visible, page_bytes = _behind_nginx(behind)
        rows += through_nginx
        with served(site, workers=2):
            rows.append(("app server, cache hit", _wrk(site.url + ARTICLE_PATH)))
        uncached = dataclasses.replace(
            site, env={**site.env, "PAGE_CACHE_SECONDS": "0"}, port=free_port()
        )
        with served(uncached, workers=2):
            rows.append(("app server, cache miss", _wrk(uncached.url + ARTICLE_PATH)))
            # One request at a time: p50 is the time to render the page, without queueing.
            rows.append(
                (
                    "app server, cache miss, 1 connection",
                    _wrk(uncached.url + ARTICLE_PATH, connections=1),
                )
            )
    limit = rows[0][1].requests_per_second
    for label, result in rows:
        report.rows.append(
            (
                label,
                result.requests_per_second,
                f"{result.p50_ms:.2f}",
                f"{result.p99_ms:.2f}",
                result.errors,
                f"{result.requests_per_second / limit:.3f}",
            )
        )
        if result.errors:
            report.ok = False
    report.notes.append(
        "A headline change published in another process showed through nginx after: "
        + ", ".join(f"{path} {seconds * 1000:,.0f} ms" for path, seconds in visible.items())
        + f" (goal: within 1 s; nginx keeps a page {PROXY_SECONDS} s, the app 0 s behind it)."
    )
    report.notes.append(
        f"The page is {page_bytes:,} bytes. Goals: nginx hit >= 0.8 of the file; app hit "
        ">= 10,000/s; a miss renders in <= 10 queries and < 20 ms at p50 (the query count is "
        "pinned by the tests)."
    )
    return report


def _behind_nginx(site) -> tuple[list[tuple[str, http_tools.WrkResult]], dict[str, float], int]:
    """The plain-file limit and the cache hit through nginx; how soon a publish showed; the
    page's size."""
    rows = []
    with served(site, workers=2):
        page = _fetch(site.port, ARTICLE_PATH)
        static = site.var_dir / "static"
        (static / "bench").mkdir(exist_ok=True)
        (static / "bench" / "article.html").write_bytes(page)
        nginx_port = free_port()
        with tempfile.TemporaryDirectory(prefix="dateline-nginx-") as prefix:
            config = nginx_conf(
                prefix=Path(prefix),
                port=nginx_port,
                upstreams=[site.port],
                static_root=static,
                media_root=site.var_dir / "media",
            )
            with http_tools.nginx(config, prefix=Path(prefix)):
                front = f"http://127.0.0.1:{nginx_port}"
                _fetch(nginx_port, ARTICLE_PATH)
                rows.append(
                    ("nginx, plain file (the limit)", _wrk(f"{front}/static/bench/article.html"))
                )
                rows.append(("nginx, cache hit", _wrk(front + ARTICLE_PATH)))
                visible = _publish_visible(site, nginx_port)
    return rows, visible, len(page)


def _publish_visible(site, port: int) -> dict[str, float]:
    """Publish a new headline from another process; seconds until each page shows it."""
    paths = [ARTICLE_PATH, "/middle-east-news/", "/", "/feed/", "/middle-east-news/feed/"]
    for path in paths:  # every page in nginx's cache first
        _fetch(port, path)
        _fetch(port, path)
    headline = f"Coalition Widens {time.time_ns()}"
    run_python(site.env, PUBLISH_HEADLINE.format(headline=headline))
    published = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(paths) and time.monotonic() - published < 30:
        for path in paths:
            if path not in seen and headline.encode() in _fetch(port, path):
                seen[path] = time.monotonic() - published
        time.sleep(0.01)
    return {path: seen.get(path, float("inf")) for path in paths}


def _wrk(url: str, connections: int = CONNECTIONS) -> http_tools.WrkResult:
    print(f"wrk -c{connections} {url}", flush=True)
    return http_tools.wrk(
        url, seconds=SECONDS, connections=connections, threads=1 if connections == 1 else 2
    )
