"""While the database is away, readers get a 503 with Retry-After, never a 500
(dateline.core.outage), and /healthz says so (dateline.core.health).

The site runs in granian (WSGI, as in production) on a PostgreSQL cluster of the test's own,
which is stopped under it and started again. It needs no database of the suite's, so it
runs in both passes (SQLite and PostgreSQL).
"""

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from dateline.testing.ports import free_port
from dateline.testing.server import get
from dateline.testing.workers import ROOT, manage, site_env

GRANIAN = str(Path(sys.executable).with_name("granian"))
DEADLINE_SECONDS = 60
# granian sends header names in lower case, and get() keeps them as sent.
JSON = {"Accept": "application/json"}

SETUP = """
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)
from dateline.newsroom.tests.factories import make_article, make_section
section = make_section(title="World", slug="world")
make_article(section, title="Read before the outage", slug="read-before")
make_article(section, title="Never read before the outage", slug="never-read")
"""


@contextlib.contextmanager
def granian(env: dict, log_path: Path) -> Iterator[int]:
    port = free_port()
    with log_path.open("ab") as log:  # the child keeps its own handle
        process = subprocess.Popen(
            [GRANIAN, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--log-level", "warning", "dateline.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for("the site to answer", lambda: status(port, "/healthz") == 200, log_path)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def status(port: int, path: str) -> int | None:
    try:
        return get(port, path, timeout=10).status
    except OSError:
        return None


def wait_for(what: str, done, log_path: Path) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting for {what}:\n{log_path.read_text()}"
        time.sleep(0.1)


def test_readers_get_a_503_page_while_the_database_is_away(own_postgres, tmp_path):
    cluster = own_postgres
    env = site_env(
        database_url=cluster.create_database("dateline"),
        email_url="outbox://",
        var_dir=tmp_path,
        # Pages render without collectstatic's manifest.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        SITE_URL="http://127.0.0.1",
        OUTAGE_RETRY_AFTER_SECONDS="17",
    )
    manage(env | {"DJANGO_SETTINGS_MODULE": "dateline.testing.syncdb_settings"},
           "shell", "--no-imports", "-c", SETUP)  # fmt: skip
    log_path = tmp_path / "granian.log"
    with granian(env, log_path) as port:
        read_before = "/world/read-before/"
        assert get(port, read_before, timeout=10).headers["x-cache"] == "MISS"
        assert get(port, read_before, timeout=10).headers["x-cache"] == "HIT"

        cluster.stop(mode="fast")

        page = get(port, "/world/never-read/", timeout=10)
        assert (page.status, page.headers["retry-after"]) == (503, "17")
        assert page.headers["content-type"].startswith("text/html")
        assert b"Back in a minute" in page.body
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["content-security-policy"].startswith("default-src 'none'")

        for path in ("/", "/world/", "/world/never-read/"):
            answer = get(port, path, timeout=10, **JSON)
            assert (answer.status, answer.headers["retry-after"]) == (503, "17"), path
            assert "unavailable" in json.loads(answer.body)["message"]

        health = get(port, "/healthz", timeout=10)
        report = json.loads(health.body)
        assert (health.status, report["status"]) == (503, "down")
        assert report["database"] == {"status": "down", "error": "OperationalError"}
        assert report["cache"] == {"status": "up"}
        assert report["worker"]["status"] == report["mail_queue"]["status"] == "unknown"

        cached = get(port, read_before, timeout=10)
        assert (cached.status, cached.headers["x-cache"]) == (200, "HIT"), "still served"

        cluster.start()
        wait_for("the site to serve again", lambda: status(port, "/world/never-read/") == 200,
                 log_path)  # fmt: skip
        assert status(port, "/healthz") == 200

    written = log_path.read_text()
    assert written.count("Database unreachable") == 1, written
    assert "Traceback" not in written, written
