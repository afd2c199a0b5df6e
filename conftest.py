import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_worker(db):
    """Run the real django-tasks-db worker until no task is due, as `make run` does."""

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)

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
    """A real SMTP server on loopback (aiosmtpd) that keeps what it is sent."""

    host: str
    port: int
    messages: list = field(default_factory=list)

    def received(self) -> list:
        return [message_from_bytes(e.content, policy=policy.default) for e in self.messages]


@pytest.fixture
def smtp_server(settings):
    """Deliver the suite's mail by SMTP to a server on 127.0.0.1, as production would."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=0)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            sink.messages.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()
