"""Who mail comes from: From and Message-ID domains derived from SITE_URL, and the
`check --deploy` warning when they cannot be the newsroom's own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dateline.core.checks import mail_identity_check
from dateline.core.email import send_email
from dateline.core.senders import default_from_email

ROOT = Path(__file__).resolve().parents[3]
MAIL_SETTINGS = ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL", "MESSAGE_ID_DOMAIN")


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("https://news.paper.co.uk", "The Paper <newsroom@news.paper.co.uk>"),
        ("https://www.paper.com:8443/", "The Paper <newsroom@paper.com>"),
        ("https://Bücher.example.de", "The Paper <newsroom@xn--bcher-kva.example.de>"),
        ("http://127.0.0.1:8000", "The Paper <newsroom@localhost>"),
        ("http://[::1]:8000", "The Paper <newsroom@localhost>"),
        ("http://localhost:8000", "The Paper <newsroom@localhost>"),
    ],
)
def test_the_default_from_address_is_at_the_site_urls_host(site_url, expected):
    assert default_from_email(site_url, "The Paper") == expected


def test_a_site_name_with_commas_or_quotes_is_quoted():
    assert default_from_email("https://paper.com", 'The "Daily", Ltd') == (
        r'"The \"Daily\", Ltd" <newsroom@paper.com>'
    )


def settings_in_a_process(tmp_path, **environment) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in MAIL_SETTINGS}
    env.update(DJANGO_SETTINGS_MODULE="dateline.settings.base", DATELINE_VAR_DIR=str(tmp_path))
    env.update(environment)
    names = [*MAIL_SETTINGS, "NEWSLETTER_MESSAGE_ID_DOMAIN"]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_mail_settings_follow_site_url_unless_set(tmp_path):
    derived = settings_in_a_process(
        tmp_path, SITE_URL="https://www.paper.co.uk:8443", SITE_NAME="The Paper"
    )
    assert derived == {
        "DEFAULT_FROM_EMAIL": "The Paper <newsroom@paper.co.uk>",
        "SERVER_EMAIL": "The Paper <newsroom@paper.co.uk>",
        "MESSAGE_ID_DOMAIN": "paper.co.uk",
        "NEWSLETTER_MESSAGE_ID_DOMAIN": "paper.co.uk",
    }
    chosen = settings_in_a_process(
        tmp_path,
        SITE_URL="https://www.paper.co.uk",
        DEFAULT_FROM_EMAIL="Desk <desk@mail.paper.net>",
        SERVER_EMAIL="errors@paper.net",
    )
    assert chosen["DEFAULT_FROM_EMAIL"] == "Desk <desk@mail.paper.net>"
    assert chosen["SERVER_EMAIL"] == "errors@paper.net"
    assert chosen["MESSAGE_ID_DOMAIN"] == chosen["NEWSLETTER_MESSAGE_ID_DOMAIN"] == "mail.paper.net"


def test_transactional_mail_has_message_ids_on_the_sites_domain(settings, smtp_server):
    settings.MESSAGE_ID_DOMAIN = "paper.co.uk"
    settings.DEFAULT_FROM_EMAIL = "The Paper <newsroom@paper.co.uk>"

    send_email(
        to="editor@example.org",
        template="core/password_reset",
        context={"site_name": "The Paper", "reset_url": "https://paper.co.uk/x/"},
    )

    (message,) = smtp_server.received()
    assert message["Message-ID"].endswith("@paper.co.uk>")
    assert message["From"] == "The Paper <newsroom@paper.co.uk>"


@pytest.mark.parametrize(
    ("address", "domain", "warnings"),
    [
        ("Dateline <newsroom@localhost>", "localhost", ["mail.W001", "mail.W002"]),
        ("news@[203.0.113.5]", "203.0.113.5", ["mail.W001", "mail.W002"]),
        ("news@example.com", "example.com", ["mail.W001", "mail.W002"]),
        ("news@desk.example.org", "paper.co.uk", ["mail.W001"]),
        ("news@newsroom", "paper.co.uk", ["mail.W001"]),
        ("news@paper.test", "paper.co.uk", ["mail.W001"]),
        ("news@paper.co.uk", "localhost", ["mail.W002"]),
        ("The Paper <newsroom@paper.co.uk>", "paper.co.uk", []),
    ],
)
def test_the_deploy_check_warns_of_a_domain_that_is_not_the_newsrooms(
    settings, address, domain, warnings
):
    settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = address
    settings.MESSAGE_ID_DOMAIN = settings.NEWSLETTER_MESSAGE_ID_DOMAIN = domain
    assert [warning.id for warning in mail_identity_check()] == warnings


def test_check_deploy_warns_when_site_url_is_an_ip_address(tmp_path):
    """Production settings without a public SITE_URL: mail would come from localhost."""
    env = {k: v for k, v in os.environ.items() if k not in (*MAIL_SETTINGS, "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="dateline.settings.production",
        SECRET_KEY="x7!" + "k" * 30 + "Q9#" + "m" * 30,
        ALLOWED_HOSTS="203.0.113.5",
        SITE_URL="https://203.0.113.5",
        DATELINE_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "(mail.W001) DEFAULT_FROM_EMAIL is 'Dateline <newsroom@localhost>'" in output
    assert "(mail.W002) MESSAGE_ID_DOMAIN is 'localhost'" in output
