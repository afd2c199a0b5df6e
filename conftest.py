from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker

from dateline.testing.ports import free_port
from dateline.testing.smtp import SmtpOutage, smtp_sink


@pytest.fixture(autouse=True)
def _empty_cache():
    from dateline.core.pagecache import local_pages
    from dateline.core.sites import site_tagged

    cache.clear()
    local_pages.clear()
    site_tagged.clear()
    yield
    cache.clear()
    local_pages.clear()
    site_tagged.clear()


def keep_test_connection() -> None:
    if not connection.in_atomic_block:
        close_old_connections()


@pytest.fixture
def run_worker(db, django_capture_on_commit_callbacks):
    """Run the real django-tasks-db worker until no task is due, as `make run` does.

    In a test's transaction nothing commits, so what a task queues "after commit" is run
    when the task ends, and the worker goes round again for the tasks that queued.
    """

    def run() -> None:
        # The worker drops connections that are not in autocommit mode, as a test's
        # transaction is not: here it must keep the test's connection open.
        with mock.patch.object(db_worker, "close_old_connections", keep_test_connection):
            for _ in range(20):
                with django_capture_on_commit_callbacks(execute=True) as queued:
                    call_command(
                        "db_worker", batch=True, startup_delay=False, interval=0, verbosity=0
                    )
                if not queued:
                    return

    return run


@pytest.fixture
def demo_home(db):
    from dateline.demo.actions import demo_content_load

    return demo_content_load()


@pytest.fixture
def demo_article(demo_home):
    from dateline.newsroom.models import ArticlePage

    return ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")


@pytest.fixture
def smtp_server(settings):
    """Deliver the suite's mail by SMTP to a server on 127.0.0.1, as production would."""
    with smtp_sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = sink.host
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink


@pytest.fixture
def smtp_outage(settings):
    """Deliver the suite's mail by SMTP to 127.0.0.1, where the server is down until
    `smtp_outage.up()`."""
    outage = SmtpOutage(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = outage.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield outage
    finally:
        outage.down()


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's SQLite test database files (WAL mode leaves -wal and -shm)."""
    import os

    from django.conf import settings

    if getattr(settings, "configured", False):
        var_dir = getattr(settings, "VAR_DIR", None)
        for path in var_dir.glob(f"test-dateline-{os.getpid()}.sqlite3*") if var_dir else ():
            path.unlink(missing_ok=True)
