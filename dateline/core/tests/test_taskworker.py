"""The task worker (`manage.py db_worker`, dateline.core.taskworker) rides out its database
going away. A PostgreSQL cluster of the test's own is restarted under a running worker;
what is asked for after the restart still happens: a page scheduled then goes live and a
signup's confirmation reaches a real SMTP server, and the outage is logged once.

It needs no database of the suite's, so it runs in both passes (SQLite and PostgreSQL).
"""

import time
from collections.abc import Callable
from pathlib import Path
from subprocess import Popen

from dateline.testing.smtp import smtp_sink
from dateline.testing.workers import manage, site_env, start_worker, stop_workers

SETUP = """
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)
from dateline.newsletter.models import Newsletter
from dateline.newsroom.tests.factories import make_article, make_section
section = make_section(title="World", slug="world")
make_article(section, title="Embargoed until after the restart", slug="embargoed", publish=False)
Newsletter.objects.create(name="The Morning", slug="morning", kind="other", position=1)
"""

AFTER_THE_RESTART = """
from datetime import timedelta
from django.utils import timezone
from dateline.newsletter.actions import subscriber_signup
from dateline.newsroom.actions import article_publish
from dateline.newsroom.models import ArticlePage
article = ArticlePage.objects.get(slug="embargoed")
article.go_live_at = timezone.now() + timedelta(seconds=2)
article_publish(article=article)
subscriber_signup(email="reader@example.com", newsletter_slugs=["morning"], source="page")
"""


def wait_for(what: str, done: Callable[[], bool], worker: Popen, log: Path, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{log.read_text()}"
        if done():
            return
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout} s:\n{log.read_text()}")


def test_a_worker_rides_out_a_database_restart_and_carries_on(own_postgres, tmp_path):
    cluster = own_postgres
    url = cluster.create_database("dateline")

    def one(statement: str):
        return cluster.query("dateline", statement)[0][0]

    def idle() -> bool:
        return not one(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            " OR (status = 'READY' AND (run_after <= now() OR run_after >= '9999-01-01'))"
        )

    with smtp_sink() as sink:
        env = site_env(
            database_url=url,
            email_url=sink.url,
            var_dir=tmp_path,
            TASK_WORKER_POLL_SECONDS="0.2",
            TASK_WORKER_HEARTBEAT_SECONDS="0.5",
            TASK_WORKER_BACKOFF_MAX_SECONDS="1",
        )
        manage(env | {"DJANGO_SETTINGS_MODULE": "dateline.testing.syncdb_settings"},
               "shell", "--no-imports", "-c", SETUP)  # fmt: skip
        log = tmp_path / "worker.log"
        worker = start_worker(env, log)
        try:
            # Connected (its connections are kept, CONN_MAX_AGE) and done with the setup's tasks.
            wait_for(
                "connected, idle worker",
                lambda: (
                    one("SELECT count(*) FROM pg_stat_activity WHERE datname = 'dateline'") > 0
                    and idle()
                ),
                worker,
                log,
            )
            # Down for several polls and heartbeats, so the worker runs into the outage (a
            # restart quicker than a poll is only a broken connection, retried at once).
            cluster.stop(mode="fast")
            time.sleep(2)
            cluster.start()
            restarted_at = one("SELECT now()")
            manage(env, "shell", "--no-imports", "-c", AFTER_THE_RESTART)

            wait_for(
                "publication of the page scheduled after the restart",
                lambda: one("SELECT live FROM wagtailcore_page WHERE slug = 'embargoed'"),
                worker,
                log,
            )
            wait_for(
                "confirmation email", lambda: "reader@example.com" in sink.recipients(), worker, log
            )
            wait_for(
                "heartbeat since the restart",
                lambda: one("SELECT max(last_seen_at) FROM core_workerheartbeat") > restarted_at,
                worker,
                log,
            )
        finally:
            stop_workers(worker)

    assert sink.recipients() == ["reader@example.com"]
    written = log.read_text()
    assert written.count("Task worker lost the database") == 1, written
    assert written.count("Task worker has the database again") == 1, written
    assert "Traceback" not in written, written
