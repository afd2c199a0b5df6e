"""Admin sign-in: the django-axes throttle per address and per account, and password resets
that are capped and do the same work whatever the address (real SMTP server on loopback)."""

import re
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from wagtail.admin.views.account import LoginView

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
RESET = "/admin/password_reset/"
RIGHT = "the-right-password-9"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", RIGHT)


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_superuser("reporter", "reporter@example.org", RIGHT)


def sign_in(username: str, password: str, *, ip: str = "192.0.2.10", **extra):
    """A fresh browser (no cookies) posting the admin's sign-in form from `ip`."""
    client = Client()
    response = client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )
    return response, "_auth_user_id" in client.session


def fail(username: str, times: int, *, ip: str = "192.0.2.10", **extra) -> None:
    for _ in range(times):
        assert not sign_in(username, "wrong", ip=ip, **extra)[1]


def test_thirty_wrong_passwords_then_the_right_one_is_refused(editor):
    fail("editor", 30)

    response, signed_in = sign_in("editor", RIGHT)

    assert not signed_in
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    # The admin's own look, saying what happened and when to try again.
    assert "Too many failed sign-ins" in page and "Try again after" in page
    assert 'class="login' in page and "wagtailadmin/" in page


def test_wagtails_login_view_passes_the_request_so_the_lockout_holds(editor):
    """The view itself, without the middleware: the backend refuses the right password."""
    fail("editor", 10)
    request = RequestFactory().post(
        LOGIN, {"username": "editor", "password": RIGHT}, REMOTE_ADDR="192.0.2.10"
    )
    request.session = Client().session
    request._dont_enforce_csrf_checks = True

    response = LoginView.as_view()(request)

    assert response.status_code == 200  # the form again, not the redirect of a sign-in
    assert "_auth_user_id" not in request.session
    assert request.axes_locked_out


def test_failures_lock_the_account_from_every_address(editor):
    fail("editor", 10, ip="192.0.2.10")

    response, signed_in = sign_in("editor", RIGHT, ip="198.51.100.7")

    assert not signed_in and response.status_code == 429


def test_failures_lock_the_address_for_every_account(editor, reporter):
    for name in [f"guess{i}" for i in range(9)] + ["editor"]:
        fail(name, 1, ip="192.0.2.10")

    assert not sign_in("reporter", RIGHT, ip="192.0.2.10")[1]
    # Another address can still sign in to another account.
    assert sign_in("reporter", RIGHT, ip="198.51.100.7")[1]


def test_below_the_limit_the_right_password_still_signs_in(editor):
    fail("editor", 9)
    response, signed_in = sign_in("editor", RIGHT)
    assert signed_in and response.status_code == 302


def test_a_successful_sign_in_forgets_the_accounts_own_failures_from_there(editor):
    for _ in range(3):
        fail("editor", 9)
        assert sign_in("editor", RIGHT)[1]


def test_a_sign_in_does_not_forget_others_failures(editor, reporter):
    # An attacker at one address guesses at the editor's account...
    fail("editor", 6, ip="203.0.113.66")
    # ...the editor signs in from elsewhere, which forgives nothing of the attacker's...
    assert sign_in("editor", RIGHT, ip="198.51.100.7")[1]
    fail("editor", 4, ip="203.0.113.66")
    assert not sign_in("editor", RIGHT, ip="198.51.100.7")[1]
    # ...and an attacker's own account does not wipe their guesses at others.
    fail("guess", 9, ip="203.0.113.99")
    assert sign_in("reporter", RIGHT, ip="203.0.113.99")[1]
    fail("guess", 1, ip="203.0.113.99")
    assert not sign_in("reporter", RIGHT, ip="203.0.113.99")[1]


def test_behind_a_proxy_each_client_is_counted_on_its_own(settings, editor, reporter):
    settings.TRUSTED_PROXY_COUNT = 1
    nginx = "10.0.0.2"
    for name in [f"guess{i}" for i in range(10)]:
        fail(name, 1, ip=nginx, HTTP_X_FORWARDED_FOR="203.0.113.66")

    locked, _ = sign_in("reporter", RIGHT, ip=nginx, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert locked.status_code == 429
    assert sign_in("reporter", RIGHT, ip=nginx, HTTP_X_FORWARDED_FOR="198.51.100.7")[1]


def test_an_ipv6_network_counts_as_one_client(editor, reporter):
    for i in range(10):
        fail(f"guess{i}", 1, ip=f"2001:db8:1:2::{i + 1:x}")
    assert not sign_in("reporter", RIGHT, ip="2001:db8:1:2:ffff::1")[1]
    assert sign_in("reporter", RIGHT, ip="2001:db8:1:3::1")[1]


def test_an_operator_lifts_a_lockout_with_axes_reset(editor):
    from django.core.management import call_command

    fail("editor", 10)
    assert not sign_in("editor", RIGHT)[1]
    call_command("axes_reset_username", "editor", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("axes_reset_ip", "192.0.2.10", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sign_in("editor", RIGHT)[1]


# Password resets


@pytest.fixture
def ask_reset(django_capture_on_commit_callbacks):
    """Ask for a reset from a fresh browser at `ip`; what it queues after commit is queued."""

    def ask(email: str, *, ip: str = "192.0.2.10"):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(RESET, {"email": email}, REMOTE_ADDR=ip)

    return ask


def reset_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="send_password_reset")


def test_ten_resets_from_one_address_send_at_most_the_cap(
    django_user_model, ask_reset, smtp_server, run_worker
):
    for i in range(10):
        django_user_model.objects.create_user(f"user{i}", f"user{i}@example.org", RIGHT)

    answers = [ask_reset(f"user{i}@example.org").status_code for i in range(10)]
    run_worker()

    assert answers == [302] * 5 + [429] * 5
    assert len(smtp_server.messages) == 5
    refused = ask_reset("user9@example.org")
    assert "Too many password resets" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0


def test_resets_for_one_email_address_are_capped_from_any_network(
    editor, ask_reset, smtp_server, run_worker
):
    answers = [ask_reset("editor@example.org", ip=f"192.0.2.{i + 1}") for i in range(10)]
    run_worker()

    assert [a.status_code for a in answers] == [302] * 3 + [429] * 7
    assert smtp_server.recipients() == ["editor@example.org"] * 3


def normalised(queries) -> list[str]:
    """The statements a request made, without their literals (ids, times, addresses)."""
    return [re.sub(r"'[^']*'|\d+", "?", query["sql"]) for query in queries]


def test_existing_and_unknown_addresses_get_the_same_answer_and_work(
    editor, ask_reset, smtp_server, run_worker
):
    ask_reset("warm-up@example.org", ip="198.51.100.1")  # the site, read once a process
    reset_tasks().delete()
    answers, statements = [], []
    for email in ("editor@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries:
            response = ask_reset(email)
        answers.append((response.status_code, response["Location"]))
        statements.append(normalised(queries.captured_queries))

    assert answers[0] == answers[1] == (302, "/admin/password_reset/done/")
    assert statements[0] == statements[1]
    tasks = reset_tasks().order_by("enqueued_at")
    assert [t.args_kwargs for t in tasks] == [
        {"args": ["editor@example.org"], "kwargs": {}},
        {"args": ["nobody@example.org"], "kwargs": {}},
    ]

    run_worker()

    assert smtp_server.recipients() == ["editor@example.org"]
    message = smtp_server.received()[0]
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://testserver(/admin/password_reset/confirm/\S+)", body)[1]
    assert "editor" in body
    # The link works: it leads to the page that sets a new password.
    client = Client()
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    assert urlparse(page.redirect_chain[-1][0]).path.endswith("/set-password/")


def test_a_reset_for_an_inactive_account_sends_nothing(editor, ask_reset, smtp_server, run_worker):
    editor.is_active = False
    editor.save()
    assert ask_reset("editor@example.org").status_code == 302
    run_worker()
    assert smtp_server.messages == []
