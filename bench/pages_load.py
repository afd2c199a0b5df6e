"""The article page under a viral load, side by side in one run (wrk, 64 connections):

- the limit: nginx serving the same bytes from a plain file;
- a cache hit through nginx (the shipped deploy/nginx.conf.template, a 1-second micro-cache);
- a cache hit through the app server alone (granian, the app's page cache, no database),
  beside a trivial Django view under the same granian: the most an app server answers here;
- the same hit through `make run`'s embedded server (granian's ASGI interface and the front
  of dateline.core.front, which reads request bodies before Django takes a thread);
- a cache miss: every request rendered (PAGE_CACHE_SECONDS=0), as after each purge, under
  the same load and one request at a time (its p50 is the time to render the page);

each as a ratio to the limit. The two nginx rows are the median of three alternating
5-second rounds. The site runs on PostgreSQL and Redis, as scaled out, with
two granian worker processes; nginx runs two workers. wrk shares the two cores with them,
as the load would on one machine.
"""

import dataclasses

from dateline.testing.nginx import get, nginx_binary
from dateline.testing.ports import free_port
from dateline.testing.site import ARTICLE_PATH, backends, fresh_site, served

from . import http_tools
from .report import Report
from .serving import front

SECONDS = 10
NGINX_ROUNDS = 3
CONNECTIONS = 64
COLUMNS = ("answered by", "requests/s", "p50 ms", "p99 ms", "errors", "ratio to file")


def _fetch(port: int, path: str) -> bytes:
    answer = get(port, path)
    if answer.status != 200:
        raise RuntimeError(f"{path} answered {answer.status}")
    return answer.body


def run() -> Report:
    found, notes = backends()
    backend = found[-1]  # PostgreSQL + Redis when they answer, else the embedded setup
    report = Report(
        f"The article page, {CONNECTIONS} connections for {SECONDS} s each ({backend.label})",
        COLUMNS,
        notes=notes,
    )
    nginx_binary()
    rows: list[tuple[str, http_tools.WrkResult]] = []
    with fresh_site(backend) as site:
        through_nginx, page_bytes = _behind_nginx(site)
        rows += through_nginx
        with served(site, workers=2):
            rows.append(("app server, cache hit", _wrk(site.url + ARTICLE_PATH)))
        # make run's server: bodies read by an asyncio front, Django in its threads after.
        embedded = dataclasses.replace(site, port=free_port())
        with served(
            embedded, workers=2, interface="asginl", application="dateline.asgi:application"
        ):
            rows.append(("embedded front (make run), cache hit", _wrk(embedded.url + ARTICLE_PATH)))
        trivial = dataclasses.replace(site, port=free_port())
        with served(trivial, workers=2, application="bench.trivial_app:application"):
            rows.append(("app server, a trivial Django view", _wrk(trivial.url + "/")))
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
        f"The page is {page_bytes:,} bytes. Goals: nginx hit >= 0.8 of the file; app hit "
        ">= 10,000/s; a miss renders in <= 10 queries and < 20 ms at p50 (the query count is "
        "pinned by the tests)."
    )
    return report


def _behind_nginx(site) -> tuple[list[tuple[str, http_tools.WrkResult]], int]:
    """The plain-file limit and the cache hit through nginx, in alternating rounds (so a
    slow spell of the shared machine falls on both), each the median round; the page's
    size."""
    with front(site) as port:
        page = _fetch(port, ARTICLE_PATH)
        bench_dir = site.var_dir / "static" / "bench"
        bench_dir.mkdir(exist_ok=True)
        (bench_dir / "article.html").write_bytes(page)
        url = f"http://127.0.0.1:{port}"
        urls = {"nginx, plain file (the limit)": f"{url}/static/bench/article.html"}
        urls["nginx, cache hit"] = url + ARTICLE_PATH
        rounds: dict[str, list[http_tools.WrkResult]] = {label: [] for label in urls}
        for _ in range(NGINX_ROUNDS):
            for label, target in urls.items():
                rounds[label].append(_wrk(target, seconds=SECONDS // 2))
        return [(label, _median(results)) for label, results in rounds.items()], len(page)


def _median(results: list[http_tools.WrkResult]) -> http_tools.WrkResult:
    return sorted(results, key=lambda result: result.requests_per_second)[len(results) // 2]


def _wrk(url: str, connections: int = CONNECTIONS, seconds: int = SECONDS) -> http_tools.WrkResult:
    print(f"wrk -c{connections} -d{seconds}s {url}", flush=True)
    return http_tools.wrk(
        url, seconds=seconds, connections=connections, threads=1 if connections == 1 else 2
    )
