"""The mailing list's own emails when the mail server is away for a while: each arrives once
it is back, and the daily caps count only what the server took."""

import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dateline.core.models import TransactionalEmail
from dateline.newsletter import actions, selectors
from dateline.newsletter.models import Subscriber
from dateline.testing.database import database_url
from dateline.testing.workers import site_env, start_worker, stop_workers

pytestmark = pytest.mark.django_db(transaction=True)


def at(start, seconds: float):
    return time_machine.travel(start + timedelta(seconds=seconds), tick=False)


def welcome_on():
    settings = selectors.list_settings()
    settings.welcome_email = True
    settings.save()


def test_every_signup_email_made_while_the_server_is_down_arrives_once_it_is_back(
    newsletters, smtp_outage, run_worker
):
    welcome_on()
    start = timezone.now()
    with at(start, 0):
        actions.subscriber_signup(email="new@example.com", source="page")  # confirm
        actions.subscriber_signup(email="reader@example.com", source="page")  # confirm
        reader = Subscriber.objects.get(email="reader@example.com")
        actions.subscriber_confirm(subscriber_id=reader.pk, email=reader.email)  # welcome
        actions.subscriber_signup(email="reader@example.com", source="footer")  # already
        actions.subscriber_email_change_request(subscriber=reader, new_email="moved@example.com")
        run_worker()
    assert TransactionalEmail.objects.filter(status="queued", attempts=1).count() == 5
    for seconds in (40, 100):  # still down a minute and a half later
        with at(start, seconds):
            run_worker()
    assert smtp_outage.received() == []

    smtp_outage.up()
    with at(start, 10 * 60):
        run_worker()
    with at(start, 3 * 24 * 3600):
        run_worker()
    received = Counter((m["To"], m["Subject"]) for m in smtp_outage.received())
    assert received == {
        ("new@example.com", "Please confirm your subscription"): 1,
        ("reader@example.com", "Please confirm your subscription"): 1,
        ("reader@example.com", "Welcome to our mailing list"): 1,
        ("reader@example.com", "You are already on our mailing list"): 1,
        ("moved@example.com", "Confirm your new address"): 1,
    }


def test_failed_attempts_use_up_none_of_the_daily_confirmations(
    newsletters, smtp_outage, run_worker
):
    """Three confirmations a day: one made while the server was down, retried five times,
    and two more once it is back; the fourth is refused."""
    start = timezone.now()
    with at(start, 0):
        actions.subscriber_signup(email="patient@example.com", source="page")
        run_worker()
    email = TransactionalEmail.objects.get()
    while email.attempts < 5:
        with time_machine.travel(email.next_attempt_at, tick=False):
            run_worker()
        email.refresh_from_db()
    smtp_outage.up()
    with at(start, 3600):
        run_worker()
        for source in ("popup", "footer", "article"):
            actions.subscriber_signup(email="patient@example.com", source=source)
        run_worker()
    assert [m["To"] for m in smtp_outage.received()] == ["patient@example.com"] * 3


def test_a_confirmation_refused_for_good_is_not_retried_and_takes_no_cap(
    newsletters, smtp_server, run_worker
):
    smtp_server.refuse_rcpt = lambda address: "550 5.1.1 Mailbox unavailable"
    for _ in range(3):
        actions.subscriber_signup(email="typo@example.com", source="page")
        run_worker()
    assert list(TransactionalEmail.objects.values_list("status", "attempts")) == [("failed", 1)] * 3
    smtp_server.refuse_rcpt = None
    actions.subscriber_signup(email="typo@example.com", source="page")
    run_worker()
    assert smtp_server.recipients() == ["typo@example.com"]


def test_twenty_signups_while_the_server_is_unreachable_each_get_one_confirmation(
    newsletters, smtp_outage, tmp_path
):
    """The reported fault, with real worker processes: the server is down while twenty
    readers sign up, then comes back; each gets one confirmation."""
    env = site_env(
        database_url=database_url(),
        email_url=smtp_outage.url,
        var_dir=tmp_path,
        MAIL_RETRY_SECONDS="0.3",
        MAIL_RETRY_MAX_SECONDS="1",
    )
    workers = [start_worker(env, tmp_path / f"worker{n}.log", "--interval", "0.1") for n in (1, 2)]
    addresses = [f"reader{n}@example.com" for n in range(20)]
    try:
        for address in addresses:
            actions.subscriber_signup(email=address, source="popup")
        emails = TransactionalEmail.objects.all()
        wait_for(lambda: emails.filter(attempts__gte=2).count() == 20, workers, tmp_path)
        assert smtp_outage.received() == []

        smtp_outage.up()
        wait_for(lambda: emails.filter(status="sent").count() == 20, workers, tmp_path)
    finally:
        stop_workers(*workers)
    assert Counter(m["To"] for m in smtp_outage.received()) == dict.fromkeys(addresses, 1)
    assert {m["Subject"] for m in smtp_outage.received()} == {"Please confirm your subscription"}


def wait_for(done, workers, logs, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            output = "\n".join(p.read_text() for p in sorted(logs.glob("*.log")))
            raise AssertionError(f"not done in {timeout} s (or a worker exited):\n{output}")
        time.sleep(0.2)
