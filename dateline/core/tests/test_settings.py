import os
import subprocess
import sys
from pathlib import Path

from dateline.settings.base import DatelineEnv

ROOT = Path(__file__).resolve().parents[3]


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dateline.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "Q9#" + "m" * 30,
        # A real public address: mail comes from its domain (example.org would be warned of).
        "ALLOWED_HOSTS": "news.dateline.press",
        "SITE_URL": "https://news.dateline.press",
        "DATELINE_VAR_DIR": str(tmp_path),
    }
    for name in ("DATABASE_URL", "DEFAULT_FROM_EMAIL", "SERVER_EMAIL", "MESSAGE_ID_DOMAIN"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_secret_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dateline.settings.production",
        "ALLOWED_HOSTS": "news.example.org",
        "DATELINE_VAR_DIR": str(tmp_path),
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_environment_urls_configure_database_cache_and_mail():
    env = DatelineEnv()
    assert env.db_url_config("postgres://u:p@db:5432/news")["ENGINE"] == (
        "django.db.backends.postgresql"
    )
    assert "Redis" in env.cache_url_config("redis://127.0.0.1:6379/1")["BACKEND"]
    assert env.email_url_config("outbox://")["EMAIL_BACKEND"] == (
        "dateline.core.mail.OutboxEmailBackend"
    )
    smtp = env.email_url_config("smtp://user:pw@mail.example.org:587/?tls=true")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"]) == ("mail.example.org", 587)
