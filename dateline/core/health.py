"""What /healthz reports: each part the site depends on, and whether it can serve readers.

    {"status": "ok" | "degraded" | "down",
     "database": {"status": "up" | "down", "error": "OperationalError"?},
     "cache": {"status": "up" | "down"},
     "worker": {"status": "up" | "down" | "unknown", "last_seen": ISO time or null,
                "seconds_ago": int or null},
     "mail_queue": {"status": "up" | "backlog" | "unknown", "oldest": ISO time or null,
                    "seconds_waiting": int or null}}

- The database down is the one state in which the site cannot serve (only pages already in
  the page cache still load): status "down", HTTP 503, so a load balancer takes this
  server out. The worker and the mail queue are then "unknown": they are read from it.
- The cache down: pages are rendered from the database, slower, and nothing is cached
  (dateline.core.cache_backends). Status "degraded", HTTP 200: taking app servers out
  would not bring the cache back.
- The worker down (no db_worker heartbeat within HEALTH_WORKER_SECONDS): scheduled
  publishing, emails and newsletters wait. "degraded", 200.
- The mail queue backed up (an email waiting longer than HEALTH_MAIL_QUEUE_SECONDS to be
  handed to the mail server): "degraded", 200.

Monitors should alert on any status but "ok"; load balancers need only the HTTP status.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.utils import timezone

from . import selectors


@dataclass(frozen=True)
class HealthReport:
    parts: dict[str, dict[str, Any]]

    @property
    def status(self) -> str:
        states = {name: part["status"] for name, part in self.parts.items()}
        if states["database"] != "up":
            return "down"
        return "ok" if set(states.values()) == {"up"} else "degraded"

    @property
    def http_status(self) -> int:
        return 503 if self.status == "down" else 200

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, **self.parts}


def database_part() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"status": "down", "error": type(error).__name__}
    return {"status": "up"}


def cache_part(alias: str = "default") -> dict[str, Any]:
    backend = caches[alias]
    if hasattr(backend, "reachable"):  # dateline.core.cache_backends: asks past its breaker
        return {"status": "up" if backend.reachable() else "down"}
    probe, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    try:
        backend.set(probe, value, 10)
        found = backend.get(probe)
        backend.delete(probe)
    except Exception:  # a backend of someone else's: any failure means it does not serve
        return {"status": "down"}
    return {"status": "up" if found == value else "down"}


def _age(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def worker_part(last_seen: datetime | None, now: datetime) -> dict[str, Any]:
    seconds = _age(last_seen, now)
    fresh = seconds is not None and seconds <= settings.HEALTH_WORKER_SECONDS
    return {
        "status": "up" if fresh else "down",
        "last_seen": last_seen.isoformat() if last_seen else None,
        "seconds_ago": seconds,
    }


def mail_queue_part(oldest: datetime | None, now: datetime) -> dict[str, Any]:
    seconds = _age(oldest, now)
    backed_up = seconds is not None and seconds > settings.HEALTH_MAIL_QUEUE_SECONDS
    return {
        "status": "backlog" if backed_up else "up",
        "oldest": oldest.isoformat() if oldest else None,
        "seconds_waiting": seconds,
    }


def health_report() -> HealthReport:
    now = timezone.now()
    database = database_part()
    parts: dict[str, dict[str, Any]] = {"database": database, "cache": cache_part()}
    if database["status"] == "up":
        parts["worker"] = worker_part(selectors.worker_last_seen(), now)
        parts["mail_queue"] = mail_queue_part(selectors.mail_queue_oldest(), now)
    else:
        parts["worker"] = {"status": "unknown", "last_seen": None, "seconds_ago": None}
        parts["mail_queue"] = {"status": "unknown", "oldest": None, "seconds_waiting": None}
    return HealthReport(parts)
