"""Comments under load: 2,000 posts from 50 concurrent clients, none lost and none twice.

Each client holds one keep-alive connection and posts 40 comments, each with a post_key and
a body of its own. Every tenth post is sent a second time with the same key, as a browser
retrying after a lost answer would: the site must answer 200 with the first comment. A 5xx
or a broken connection is retried with the same key, up to three times, so a lost answer
cannot turn into a twin. Afterwards the database itself is read: every body stored once,
under its own key, as the comment the client was told about.

The background worker is not started: what posting queues for it (the moderators' digest)
is due minutes later, after the load is over.
"""

import http.client
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from dateline.testing.site import (
    ARTICLE_PATH,
    PYTHON,
    Backend,
    Site,
    backends,
    fresh_site,
    log_problems,
    run_command,
    served,
)

from .client import FormClient, percentile, run_together
from .report import Report

CLIENTS = 50
POSTS_PER_CLIENT = 40
REPEAT_EVERY = 10
# Two granian processes of four threads each. A post costs the server about 16 ms of CPU,
# mostly Python, and one process holds the GIL: on this 2-core machine one process managed
# 48-56 comments/s, two 59-84 (interleaved runs, SQLite and PostgreSQL alike).
WORKERS = 2

# Every client comes from 127.0.0.1, and a load test posts faster than any reader.
LOAD_SETTINGS = {
    "COMMENTS_MIN_FILL_SECONDS": "0",
    "COMMENTS_PER_IP_PER_MINUTE": "100000",
    "COMMENTS_PER_IP_PER_HOUR": "100000",
    "COMMENTS_PER_EMAIL_PER_MINUTE": "100000",
    "COMMENTS_PER_EMAIL_PER_HOUR": "100000",
}

COLUMNS = (
    "backend", "clients", "comments", "seconds", "comments/s",
    "p50 ms", "p95 ms", "p99 ms", "retries", "repeats", "duplicates", "lost",
)  # fmt: skip

STORED_COMMENTS = """
import json, sys
import django
django.setup()
from dateline.comments.models import Comment
rows = Comment.objects.filter(article_id=int(sys.argv[1])).values_list("pk", "post_key", "body")
print(json.dumps(list(rows)))
"""


@dataclass
class Tally:
    """What one client sent and was told."""

    sent: dict[str, str] = field(default_factory=dict)  # post_key: body
    acknowledged: dict[str, int] = field(default_factory=dict)  # post_key: comment id
    latencies_ms: list[float] = field(default_factory=list)
    retries: int = 0
    repeats: int = 0
    repeats_answered_alike: int = 0
    problems: list[str] = field(default_factory=list)


class Client(FormClient):
    """A reader's browser: one keep-alive connection, posting one comment after another."""

    def __init__(self, number: int, *, site: Site, article_id: int, run_id: str):
        super().__init__(site.port)
        self.origin = site.url
        self.number = number
        self.site = site
        self.article_id = article_id
        self.run_id = run_id
        self.tally = Tally()

    def run(self, start: threading.Barrier, stop: threading.Event) -> Tally:
        try:
            issued = self.request("GET", "/forms/stamp/")[1]["issued"]
            start.wait()
            for n in range(POSTS_PER_CLIENT):
                if stop.is_set():
                    break
                self.post_one(n, issued=issued)
        finally:
            self.connection.close()
        return self.tally

    def post_one(self, n: int, *, issued: str) -> None:
        key = f"bench-{self.run_id}-{self.number:02d}-{n:02d}"
        body = f"Load test comment {n} from client {self.number} in run {self.run_id}."
        form = {
            "article": self.article_id,
            "name": f"Bench reader {self.number}",
            "email": f"reader{self.number}@example.com",
            "body": body,
            "issued": issued,
            "post_key": key,
        }
        self.tally.sent[key] = body
        answer = self.post(form)
        if answer is None:
            return
        status, data = answer
        # 200 is right too when a retry follows an attempt whose answer was lost.
        if status not in (200, 201):
            self.tally.problems.append(f"{key}: HTTP {status}: {data.get('message')}")
            return
        comment_id = self.tally.acknowledged[key] = data["comment"]["id"]
        if (n + 1) % REPEAT_EVERY:
            return
        self.tally.repeats += 1
        if (repeat := self.post(form)) is None:
            return
        status, data = repeat
        if status == 200 and data.get("comment", {}).get("id") == comment_id:
            self.tally.repeats_answered_alike += 1
        else:
            self.tally.problems.append(
                f"{key}: the repeat answered HTTP {status} with {data.get('comment')}, "
                f"not 200 with comment {comment_id}"
            )

    def post(self, form: dict) -> tuple[int, dict] | None:
        return super().post("/comments/post/", form, key=form["post_key"])

    def attempted(self, key: str, attempt: int) -> None:
        if attempt:
            self.tally.retries += 1


def article_id(site: Site) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        connection.request("GET", ARTICLE_PATH)
        page = connection.getresponse().read().decode()
    finally:
        connection.close()
    found = re.search(r'<section id="comments"[^>]*\bdata-article="(\d+)"', page)
    if found is None:
        raise RuntimeError(f"No comment section with data-article on {ARTICLE_PATH}")
    return int(found[1])


def stored_comments(site: Site, article: int) -> list[tuple[int, str | None, str]]:
    output = run_command(site.env, PYTHON, "-c", STORED_COMMENTS, str(article))
    return [tuple(row) for row in json.loads(output.splitlines()[-1])]


def load(site: Site, article: int) -> tuple[float, list[Tally]]:
    """All clients posting at once; the seconds from the first post to the last answer."""
    run_id = secrets.token_hex(4)
    clients = [Client(n, site=site, article_id=article, run_id=run_id) for n in range(CLIENTS)]
    started, tallies = run_together(clients)
    return time.perf_counter() - started, tallies


def check(tallies: list[Tally], rows: list[tuple[int, str | None, str]]) -> tuple[int, int, list]:
    """Duplicates, lost comments and other faults, judged by the rows in the database.

    A sent comment is kept when the row under its post_key holds its body. Every other row is
    a duplicate (a twin, or a body under the wrong key); every other sent comment is lost.
    """
    sent = {key: body for tally in tallies for key, body in tally.sent.items()}
    stored = {key: (pk, body) for pk, key, body in rows}
    kept = {key for key, body in sent.items() if key in stored and stored[key][1] == body}
    faults = []
    if len(stored) != len(rows):
        faults.append(f"{len(rows) - len(stored)} rows share a post_key with another")
    bodies = Counter(body for _, _, body in rows)
    if twice := [body for body, count in bodies.items() if count > 1]:
        faults.append(f"{len(twice)} bodies stored more than once, e.g. {twice[0]!r}")
    misnamed = [
        key
        for tally in tallies
        for key, pk in tally.acknowledged.items()
        if stored.get(key, (None, ""))[0] != pk
    ]
    if misnamed:
        faults.append(f"{len(misnamed)} answers named a comment not stored under their key")
    return len(rows) - len(kept), len(sent) - len(kept), faults


def run() -> Report:
    report = Report(f"Comments: {CLIENTS} clients posting {CLIENTS * POSTS_PER_CLIENT:,}", COLUMNS)
    found, report.notes = backends()
    for backend in found:
        row, problems, server_errors = run_on(backend)
        report.rows.append(row)
        report.notes += [f"{backend.label}: {problem}" for problem in problems[:10]]
        if len(problems) > 10:
            report.notes.append(f"{backend.label}: ... and {len(problems) - 10} more problems")
        if server_errors:
            report.notes.append(
                f"{backend.label}: the server logged {len(server_errors)} error lines, "
                f"the first: {server_errors[0]}"
            )
        report.ok = report.ok and not problems
    return report


def run_on(backend: Backend) -> tuple[tuple, list[str], list[str]]:
    """The table row for one backend, what went wrong, and the server's error lines."""
    print(f"  comments on {backend.label}: preparing a fresh site", flush=True)
    with fresh_site(backend, **LOAD_SETTINGS) as site, served(site, workers=WORKERS) as log:
        article = article_id(site)
        before = {pk for pk, _, _ in stored_comments(site, article)}
        print(f"  comments on {backend.label}: posting", flush=True)
        seconds, tallies = load(site, article)
        rows = [row for row in stored_comments(site, article) if row[0] not in before]
        server_errors = log_problems(log)
    duplicates, lost, problems = check(tallies, rows)
    if duplicates or lost:
        problems.insert(0, f"{duplicates} duplicated and {lost} lost comments")
    problems += [problem for tally in tallies for problem in tally.problems]
    latencies = [ms for tally in tallies for ms in tally.latencies_ms]
    repeats = sum(tally.repeats for tally in tallies)
    alike = sum(tally.repeats_answered_alike for tally in tallies)
    row = (
        backend.label,
        CLIENTS,
        len(rows),
        seconds,
        len(rows) / seconds,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        sum(tally.retries for tally in tallies),
        f"{alike}/{repeats}",
        duplicates,
        lost,
    )
    return row, problems, server_errors
