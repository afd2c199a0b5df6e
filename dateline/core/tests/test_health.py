"""/healthz reports each part the site depends on (dateline.core.health); the outages
themselves are in test_cache_outage.py and test_database_outage.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dateline.core.models import TransactionalEmail, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def heartbeat(seconds_ago: float) -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=f"worker-{seconds_ago}",
        host="here",
        pid=1,
        started_at=now - timedelta(hours=1),
        last_seen_at=now - timedelta(seconds=seconds_ago),
    )


def waiting_email(minutes_ago: float) -> TransactionalEmail:
    queued = timezone.now() - timedelta(minutes=minutes_ago)
    return TransactionalEmail.objects.create(
        kind="test", to="reader@example.com", created_at=queued, queued_at=queued,
        next_attempt_at=queued,
    )  # fmt: skip


def test_every_part_up_is_ok(client):
    heartbeat(seconds_ago=5)
    response = client.get("/healthz")
    report = response.json()
    assert (response.status_code, report["status"]) == (200, "ok")
    assert report["database"] == report["cache"] == {"status": "up"}
    assert report["worker"]["status"] == "up" and 5 <= report["worker"]["seconds_ago"] < 60
    assert report["mail_queue"] == {"status": "up", "oldest": None, "seconds_waiting": None}
    assert "no-cache" in response["Cache-Control"]


def test_no_worker_alive_is_degraded_not_down(client, settings):
    settings.HEALTH_WORKER_SECONDS = 60
    heartbeat(seconds_ago=300)
    response = client.get("/healthz")
    report = response.json()
    assert (response.status_code, report["status"]) == (200, "degraded")
    assert report["worker"]["status"] == "down" and report["worker"]["seconds_ago"] >= 300


def test_a_mail_backlog_is_degraded(client, settings):
    settings.HEALTH_MAIL_QUEUE_SECONDS = 600
    heartbeat(seconds_ago=1)
    waiting_email(minutes_ago=2)
    assert client.get("/healthz").json()["mail_queue"]["status"] == "up"
    oldest = waiting_email(minutes_ago=20)
    response = client.get("/healthz")
    report = response.json()
    assert (response.status_code, report["status"]) == (200, "degraded")
    assert report["mail_queue"]["status"] == "backlog"
    assert report["mail_queue"]["oldest"] == oldest.queued_at.isoformat()
    assert report["mail_queue"]["seconds_waiting"] >= 20 * 60
