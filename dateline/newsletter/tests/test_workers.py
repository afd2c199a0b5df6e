"""Real worker processes (`manage.py db_worker`) sending one campaign: killed, restarted,
two at once, and waking up for retries. Runs on SQLite and on PostgreSQL, whichever the
suite runs on."""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult, get_date_max

from dateline.core.models import WorkerHeartbeat
from dateline.newsletter import actions, tasks
from dateline.newsletter.models import Campaign, Delivery
from dateline.testing.smtp import smtp_sink

from .conftest import compose, subscribe

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(sink, var_dir: Path, name: str, **settings: str) -> subprocess.Popen:
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
        **settings,
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


def wait_for_heartbeats(count: int, *workers: subprocess.Popen, timeout: float = 60) -> None:
    """Until `count` workers are up (each has beaten once)."""
    deadline = time.monotonic() + timeout
    while WorkerHeartbeat.objects.filter(pid__in=[w.pid for w in workers]).count() < count:
        assert all(w.poll() is None for w in workers), "a worker exited"
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)


def test_a_retry_due_in_the_same_second_as_the_wake_up_running_is_not_lost(
    newsletters, article, tmp_path
):
    """Two deferred messages fall due in one whole second, the second later than the
    wake-up for the first takes to run: that wake-up queues the next, and only one wake-up
    is ever queued for a moment, with two workers asking."""
    first, second = (subscribe(f"reader{i}@example.com", newsletters[0]) for i in range(2))
    with smtp_sink() as sink:
        # The watchdog (after NEWSLETTER_CLAIM_SECONDS) must not be what finishes the send.
        workers = [
            start_worker(sink, tmp_path, f"worker{n}", NEWSLETTER_CLAIM_SECONDS="300")
            for n in range(2)
        ]
        try:
            wait_for_heartbeats(2, *workers)
            second_at = datetime.fromtimestamp(int(time.time()) + 3, UTC)
            with transaction.atomic():  # deferred before any worker sees the send
                campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
                for reader, offset in ((first, 0.02), (second, 0.98)):
                    Delivery.objects.filter(campaign=campaign, subscriber=reader).update(
                        status=Delivery.Status.DEFERRED,
                        attempts=1,
                        error="451 4.3.0 Try again later",
                        next_attempt_at=second_at.replace(microsecond=int(offset * 1e6)),
                    )
            wait_until_sent(campaign, *workers, timeout=60)
        finally:
            stop(*workers)
        received = Counter(sink.recipients())

    assert received == Counter({first.email: 1, second.email: 1})
    wake_ups = DBTaskResult.objects.filter(
        task_path=tasks.deliver_campaign.module_path, args_kwargs__args=[campaign.pk]
    ).exclude(run_after=get_date_max())
    assert max(Counter(wake_ups.values_list("run_after", flat=True)).values()) == 1


def test_workers_killed_mid_send_and_restarted_finish_it_within_seconds(
    newsletters, article, settings, tmp_path
):
    """Every worker is killed (SIGKILL) mid-send, one of them while the server holds a
    message. Restarted workers find the killed ones gone (this machine, no such process):
    their tasks are settled at once (the delivering ones queued again, none left running)
    and the send finishes long before its watchdog (NEWSLETTER_CLAIM_SECONDS, 300 s)."""
    # Two delivering tasks, one for each worker; no other is queued to pick up after them.
    settings.NEWSLETTER_BATCH_SIZE, settings.NEWSLETTER_CONNECTIONS = 5, 2
    readers = [subscribe(f"reader{i:02d}@example.com", newsletters[0]) for i in range(30)]
    held, release = [], threading.Event()
    options = {"NEWSLETTER_CLAIM_SECONDS": "300", "NEWSLETTER_CONNECTIONS": "4"}

    with smtp_sink() as sink:

        def hold_the_twelfth(envelope):
            if len(sink.messages) == 11 and not held:
                held.extend(envelope.rcpt_tos)
                release.wait(30)
                return "451 4.3.0 Try again"
            return None

        sink.reply = hold_the_twelfth
        killed = [start_worker(sink, tmp_path, f"killed{n}", **options) for n in range(2)]
        try:
            wait_for_heartbeats(2, *killed)
            campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
            deadline = time.monotonic() + 60
            while not held:
                assert time.monotonic() < deadline, (tmp_path / "killed0.log").read_text()
                time.sleep(0.05)
            for worker in killed:
                worker.kill()
            for worker in killed:
                worker.wait(timeout=30)
        finally:
            release.set()
            # On a failure above, no worker may outlive the test (it would hold the database).
            stop(*(worker for worker in killed if worker.poll() is None))
        assert DBTaskResult.objects.filter(status="RUNNING").exists()

        restarted = [start_worker(sink, tmp_path, f"restarted{n}", **options) for n in range(2)]
        try:
            wait_until_sent(campaign, *restarted, timeout=60)
        finally:
            stop(*restarted)
        received = Counter(sink.recipients())

    # Only the watchdog copies are left, waiting for their time; nothing is running.
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    in_doubt = set(
        Delivery.objects.filter(status=Delivery.Status.IN_DOUBT).values_list(
            "subscriber__email", flat=True
        )
    )
    assert held[0] in in_doubt and held[0] not in received
    assert set(received) | in_doubt == {r.email for r in readers}
    assert max(received.values()) == 1
