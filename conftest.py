import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker


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
    from dateline.newsroom.demo import demo_content_load

    return demo_content_load()


@pytest.fixture
def demo_article(demo_home):
    from dateline.newsroom.models import ArticlePage

    return ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")


@dataclass
class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it is sent.

    `reply`, if set, is called (in a thread of its own) with each envelope before it is
    kept: it may return another SMTP reply ("550 5.1.1 No such user") to refuse the
    message, which is then not kept, or block to hold the client waiting for the answer.
    """

    host: str
    port: int
    messages: list = field(default_factory=list)
    reply: Callable | None = None
    # Called with each RCPT TO address: may return a refusal ("550 5.1.1 No such user").
    refuse_rcpt: Callable | None = None
    # The answer to every MAIL FROM, if not "250 OK".
    refuse_mail: str | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def received(self) -> list:
        return [message_from_bytes(e.content, policy=policy.default) for e in self.messages]

    def recipients(self) -> list[str]:
        return [rcpt for envelope in self.messages for rcpt in envelope.rcpt_tos]


def free_port() -> int:
    """A loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_sink(port: int = 0) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, on `port` if given (a server that comes back)."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=port or free_port())

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if sink.refuse_mail:
                return sink.refuse_mail
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if sink.refuse_rcpt is not None and (refusal := sink.refuse_rcpt(address)):
                return refusal
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if sink.reply is not None:
                answer = await asyncio.get_running_loop().run_in_executor(
                    None, sink.reply, envelope
                )
                if answer:
                    return answer
            sink.messages.append(envelope)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


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


class SmtpOutage:
    """A mail server that is down (nothing listens on its port) until `up()` starts a real
    one there, as a server that comes back after a restart."""

    def __init__(self, port: int):
        self.port = port
        self.sink: SmtpSink | None = None
        self._running = contextlib.ExitStack()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def up(self) -> SmtpSink:
        self.sink = self._running.enter_context(smtp_sink(self.port))
        return self.sink

    def down(self) -> None:
        self._running.close()

    def received(self) -> list:
        return self.sink.received() if self.sink else []


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
