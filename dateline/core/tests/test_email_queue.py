"""Transactional email through the durable queue, to a real SMTP server on loopback that goes
away and comes back, answers 4xx, or refuses for good."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dateline.core import actions, selectors
from dateline.core.email import Cap, Composed, NotToBeSent, email_kind, retry_delay
from dateline.core.models import TransactionalEmail

pytestmark = pytest.mark.django_db(transaction=True)
Status = TransactionalEmail.Status


def queue(to="reader@example.org", *, subject="Your link", caps=()) -> TransactionalEmail:
    email = actions.email_queue_message(
        kind="core/test", to=to, subject=subject, text="Follow this link.\n", caps=caps
    )
    assert email is not None
    return email


def later(start, seconds: float):
    return time_machine.travel(start + timedelta(seconds=seconds), tick=False)


def test_retries_start_within_a_minute_and_grow_to_at_most_an_hour():
    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and max(delays) == 3600
    retried_for = sum(retry_delay(n).total_seconds() for n in range(1, 40))
    assert retried_for > 24 * 3600  # attempts go on for more than a day


def test_an_email_queued_while_the_server_is_down_arrives_once_when_it_is_back(
    smtp_outage, run_worker
):
    start = timezone.now()
    with later(start, 0):
        email = queue()
        run_worker()
    email.refresh_from_db()
    assert email.status == Status.QUEUED and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at - start <= timedelta(minutes=1)
    assert selectors.mail_queue_oldest() == email.queued_at

    # Still down at the next two attempts, each later than the one before.
    gaps = []
    for _ in range(2):
        previous = email.next_attempt_at
        with time_machine.travel(email.next_attempt_at + timedelta(seconds=1), tick=False):
            run_worker()
        email.refresh_from_db()
        gaps.append(email.next_attempt_at - previous)
    assert email.status == Status.QUEUED and email.attempts == 3
    assert gaps[0] < gaps[1]

    sink = smtp_outage.up()
    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1), tick=False):
        run_worker()
    [message] = sink.received()
    assert message["To"] == "reader@example.org" and message["Subject"] == "Your link"
    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 4
    assert message["Message-ID"] == email.message_id  # the one every attempt carried
    assert email.content is None  # its text is not kept once sent
    assert selectors.mail_queue_oldest() is None
    with later(start, 3 * 24 * 3600):
        run_worker()
    assert len(sink.messages) == 1


def test_a_server_answering_451_is_tried_again_and_the_email_sent_once(smtp_server, run_worker):
    answers = ["451 4.3.0 Mail server temporarily rejected message"]
    smtp_server.reply = lambda envelope: answers.pop() if answers else None
    start = timezone.now()
    with later(start, 0):
        email = queue()
        run_worker()
    email.refresh_from_db()
    assert email.status == Status.QUEUED and "451 4.3.0" in email.last_error
    assert smtp_server.messages == []
    with later(start, 60):
        run_worker()
    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 2


def test_a_recipient_refused_with_451_is_tried_again(smtp_server, run_worker):
    refusals = ["451 4.7.1 Greylisted, try again later"]
    smtp_server.refuse_rcpt = lambda address: refusals.pop() if refusals else None
    start = timezone.now()
    with later(start, 0):
        email = queue()
        run_worker()
    with later(start, 60):
        run_worker()
    assert smtp_server.recipients() == ["reader@example.org"]
    email.refresh_from_db()
    assert email.status == Status.SENT


def test_a_550_fails_at_once_and_the_operator_can_send_it_again(
    smtp_server, run_worker, admin_client
):
    smtp_server.refuse_rcpt = lambda address: "550 5.1.1 No such user here"
    start = timezone.now()
    with later(start, 0):
        email = queue(to="gone@example.org", subject="Confirm your address")
        run_worker()
    email.refresh_from_db()
    assert email.status == Status.FAILED and email.attempts == 1
    assert "550 5.1.1 No such user here" in email.last_error
    with later(start, 2 * 24 * 3600):
        run_worker()
    email.refresh_from_db()
    assert email.attempts == 1 and smtp_server.messages == []

    page = admin_client.get("/admin/mail/").content.decode()
    assert "gone@example.org" in page and "550 5.1.1 No such user here" in page
    assert "1 email failed or in doubt" in page and "Send again" in page

    smtp_server.refuse_rcpt = None  # the reader's mailbox is back
    response = admin_client.post("/admin/mail/send-again/", {"email": str(email.pk)})
    assert response.status_code == 302
    run_worker()
    assert smtp_server.recipients() == ["gone@example.org"]
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert "gone@example.org" not in admin_client.get("/admin/mail/").content.decode()


def test_the_operator_sees_what_waits_while_the_server_is_down(
    smtp_outage, run_worker, admin_client
):
    for n in range(3):
        queue(to=f"reader{n}@example.org")
    run_worker()
    page = admin_client.get("/admin/mail/?list=waiting").content.decode()
    assert "3 emails waiting" in page and "ConnectionRefusedError" in page
    assert all(f"reader{n}@example.org" in page for n in range(3))
    assert "Mail queue" in admin_client.get("/admin/outbox/").content.decode()  # in the menu


def test_the_mail_queue_is_closed_to_editors_and_anonymous_visitors(client, django_user_model):
    from django.contrib.auth.models import Permission

    email = queue(to="private@example.org")
    assert "/admin/login/" in client.get("/admin/mail/")["Location"]
    editor = django_user_model.objects.create_user("sub-editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    TransactionalEmail.objects.filter(pk=email.pk).update(status=Status.FAILED)
    for response in (
        client.get("/admin/mail/"),
        client.post("/admin/mail/send-again/", {"email": str(email.pk)}),
    ):
        assert response.status_code in (302, 403)
        assert "private@example.org" not in response.content.decode()
    assert TransactionalEmail.objects.get().status == Status.FAILED  # nothing was done


def test_bad_input_to_send_again_names_no_email(admin_client):
    for value in ("99999999999999999999999", "-1", "x", ""):
        response = admin_client.post("/admin/mail/send-again/", {"email": value})
        assert response.status_code == 302
    assert admin_client.get("/admin/mail/?list=nothing").status_code == 404


def test_after_the_retry_period_the_email_fails_and_is_listed(
    smtp_outage, run_worker, settings, admin_client
):
    settings.MAIL_RETRY_HOURS = 2
    start = timezone.now()
    with later(start, 0):
        email = queue()
        run_worker()
    for minutes in range(10, 3 * 60, 10):
        with later(start, minutes * 60):
            run_worker()
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.last_error.startswith(f"Gave up after {email.attempts} attempts")
    assert email.last_attempt_at - start >= timedelta(hours=2)
    assert selectors.mail_queue_oldest() is None
    assert "Gave up after" in admin_client.get("/admin/mail/").content.decode()


def test_the_oldest_waiting_email_is_reported_for_health_checks(smtp_outage, run_worker):
    assert selectors.mail_queue_oldest() is None
    start = timezone.now()
    with later(start, 0):
        first = queue(to="a@example.org")
    with later(start, 120):
        queue(to="b@example.org")
        run_worker()
    assert selectors.mail_queue_oldest() == first.queued_at == start
    sink = smtp_outage.up()
    with later(start, 3600):
        run_worker()
    assert len(sink.messages) == 2 and selectors.mail_queue_oldest() is None


def test_a_cap_counts_emails_handed_over_and_an_email_over_it_is_not_sent(
    smtp_server, run_worker, admin_client
):
    """One a day: a refused email does not count; sent again after another went, it is over
    the cap when it could go, and is not sent."""
    cap = Cap("tests:link:reader@example.org", 1)
    smtp_server.refuse_rcpt = lambda address: "550 5.7.1 Not now, not ever"
    refused = queue(caps=[cap])
    run_worker()
    smtp_server.refuse_rcpt = None
    delivered = queue(caps=[cap])  # the refused one took nothing from the cap
    again = actions.email_queue_message(
        kind="core/test", to="reader@example.org", subject="Again", text="Hello\n", caps=[cap]
    )
    assert again is None  # but one waiting does
    run_worker()
    assert len(smtp_server.messages) == 1
    actions.emails_send_again(email_ids=[refused.pk])
    run_worker()
    assert len(smtp_server.messages) == 1
    refused.refresh_from_db()
    delivered.refresh_from_db()
    assert delivered.status == Status.SENT
    assert refused.status == Status.SKIPPED and "daily cap" in refused.last_error
    page = admin_client.get("/admin/mail/?list=skipped").content.decode()
    assert "daily cap" in page


def compose_if_wanted(email: TransactionalEmail) -> Composed:
    if email.params["wanted"] == "no":
        raise NotToBeSent("the reader left")
    return Composed(template="comments/erase", context={"erase_url": "http://testserver/x/"})


email_kind("tests/maybe", label="A test email", compose=compose_if_wanted)


def test_an_email_is_made_when_it_goes_and_may_find_it_should_not_go(smtp_server, run_worker):
    wanted = actions.email_queue(kind="tests/maybe", to="a@example.org", params={"wanted": "yes"})
    unwanted = actions.email_queue(kind="tests/maybe", to="b@example.org", params={"wanted": "no"})
    run_worker()
    assert smtp_server.recipients() == ["a@example.org"]
    wanted.refresh_from_db()
    unwanted.refresh_from_db()
    assert wanted.status == Status.SENT
    assert unwanted.status == Status.SKIPPED and unwanted.last_error == "Not sent: the reader left"
    with pytest.raises(ValueError, match="register it first"):
        actions.email_queue(kind="tests/unknown", to="c@example.org")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_handing_over_leaves_the_email_in_doubt_not_sent_twice(
    smtp_server, run_worker, admin_client, tmp_path
):
    """The server has the whole message when the worker dies: the email is reported in
    doubt, and goes again only when the operator says so, with the same Message-ID."""
    import os
    import signal
    import threading
    from email import message_from_bytes, policy

    from dateline.testing.database import database_url
    from dateline.testing.workers import site_env, start_worker, stop_workers

    handed_over, release = threading.Event(), threading.Event()
    held = []

    def hold(envelope):
        held.append(envelope.content)
        handed_over.set()
        release.wait(60)

    smtp_server.reply = hold
    email = queue()
    env = site_env(database_url=database_url(), email_url=smtp_server.url, var_dir=tmp_path)
    worker = start_worker(env, tmp_path / "worker.log", "--interval", "0.2")
    try:
        assert handed_over.wait(60), (tmp_path / "worker.log").read_text()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        release.set()
        stop_workers(worker)
    email.refresh_from_db()
    assert email.status == Status.SENDING

    run_worker()
    actions.emails_recover()
    email.refresh_from_db()
    assert email.status == Status.IN_DOUBT and "may or may not" in email.last_error
    assert len(held) == 1 and smtp_server.messages == []  # not handed over a second time
    page = admin_client.get("/admin/mail/").content.decode()
    assert "In doubt" in page and "reader@example.org" in page

    smtp_server.reply = None
    actions.emails_send_again(email_ids=[email.pk])
    run_worker()
    [again] = smtp_server.received()
    first = message_from_bytes(held[0], policy=policy.default)
    assert first["Message-ID"] == again["Message-ID"]  # a receiver can tell the repeat
