"""Real worker processes (django-tasks-db's db_worker) sending one campaign: killed, restarted,
and two at once. Runs on SQLite and on PostgreSQL, whichever the suite runs on."""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from conftest import smtp_sink
from dateline.newsletter import actions
from dateline.newsletter.models import Campaign, Delivery

from .conftest import compose, subscribe

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(sink, var_dir: Path, name: str) -> subprocess.Popen:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "dateline.settings.base",
        "DATABASE_URL": database_url(),
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": sink.url,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "SITE_URL": "http://testserver",
        "DATELINE_VAR_DIR": str(var_dir),
        "NEWSLETTER_BATCH_SIZE": "5",
        "NEWSLETTER_CONNECTIONS": str(django_settings.NEWSLETTER_CONNECTIONS),
        "NEWSLETTER_CLAIM_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }
    log = open(var_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process writes it
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_sent(campaign: Campaign, *workers: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.status == Campaign.Status.SENT:
            return
        assert all(w.poll() is None for w in workers), "a worker exited"
        time.sleep(0.2)
    raise AssertionError(f"not sent in {timeout} s: {campaign.status}")


def stop(*workers: subprocess.Popen) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


@pytest.mark.parametrize("accepted", [True, False], ids=["accepted", "not-accepted"])
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    newsletters, article, settings, tmp_path, accepted
):
    """Killed while the server holds message 12: after a restart every reader has exactly one
    message, except that message, which is reported in doubt (delivered once if the server
    had accepted it, not at all if not) and goes again only if the operator says so."""
    settings.NEWSLETTER_CONNECTIONS = 1
    readers = [subscribe(f"reader{i:02d}@example.com", newsletters[0]) for i in range(30)]
    holding, release = threading.Event(), threading.Event()

    with smtp_sink() as sink:

        def hold_the_twelfth(envelope):
            if len(sink.messages) == 11 and not holding.is_set():
                if accepted:
                    sink.messages.append(envelope)
                holding.set()
                release.wait(30)
                return "250 Accepted" if accepted else "451 4.3.0 Try again"
            return None

        sink.reply = hold_the_twelfth
        campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
        first = start_worker(sink, tmp_path, "first")
        try:
            assert holding.wait(60), (tmp_path / "first.log").read_text()
            first.kill()
            first.wait(timeout=30)
        finally:
            release.set()
        second = start_worker(sink, tmp_path, "second")
        try:
            wait_until_sent(campaign, second)
            doubtful = Delivery.objects.get(status=Delivery.Status.IN_DOUBT)
            assert doubtful.subscriber == readers[11]
            expected = Counter(r.email for r in readers)
            if not accepted:
                expected[readers[11].email] = 0
            assert Counter(sink.recipients()) == +expected

            actions.deliveries_in_doubt_resend(campaign=campaign)
            wait_until_sent(campaign, second)
        finally:
            stop(second)
        received = Counter(sink.recipients())

    assert received == Counter(
        {r.email: 1 for r in readers} | {readers[11].email: 2 if accepted else 1}
    )


def test_two_worker_processes_send_each_message_exactly_once(
    newsletters, article, settings, tmp_path
):
    settings.NEWSLETTER_CONNECTIONS = 2
    readers = [subscribe(f"reader{i:02d}@example.com", newsletters[0]) for i in range(60)]
    both_sending = threading.Barrier(2, timeout=60)

    def meet_the_other_worker(envelope):
        # The first message of each worker waits for the other's: both send at once.
        if not both_sending.broken and both_sending.n_waiting < 2 and len(sink.messages) == 0:
            both_sending.wait()

    with smtp_sink() as sink:
        sink.reply = meet_the_other_worker
        campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
        workers = [start_worker(sink, tmp_path, f"worker{n}") for n in range(2)]
        try:
            wait_until_sent(campaign, *workers)
        finally:
            stop(*workers)
        received = Counter(sink.recipients())

    assert received == Counter(r.email for r in readers)
    pids = {claim.split(":")[1] for claim in Delivery.objects.values_list("claim", flat=True)}
    assert pids == {str(w.pid) for w in workers}
