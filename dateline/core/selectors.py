"""Composed reads of the site-wide pieces, for views, tasks and health checks."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.db.models import Max, Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from .email import Cap
from .models import TransactionalEmail, TransactionalEmailCap, WorkerHeartbeat


def signin_locked_until(*, request: HttpRequest, credentials: dict | None) -> datetime | None:
    """When the sign-in lockout that refused `request` ends: the last counted failure of each
    locking count (per address, per account) plus the cool-off, the latest of them; None
    when there is no cool-off (only an operator lifts the lock)."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    limit = get_failure_limit(request, credentials)
    ends = []
    handler = AxesProxyHandler.get_implementation()
    for attempts in handler.get_user_attempts(request, credentials):
        counted = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if counted["failures"] and counted["failures"] >= limit and counted["last"]:
            ends.append(counted["last"] + cool_off)
    return max(ends, default=timezone.now() + cool_off)


def worker_last_seen() -> datetime | None:
    """The newest heartbeat of any task worker (`manage.py db_worker`); None if none ever
    beat. A live worker renews its own every TASK_WORKER_HEARTBEAT_SECONDS."""
    return WorkerHeartbeat.objects.aggregate(last=Max("last_seen_at"))["last"]


def mail_queue_oldest() -> datetime | None:
    """When the oldest transactional email still waiting to be handed to the mail server was
    queued; None when none is waiting."""
    return (
        TransactionalEmail.objects.waiting()
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class MailQueueSummary:
    waiting: int
    oldest_waiting: datetime | None
    last_error: str
    undelivered: int


def mail_queue_summary() -> MailQueueSummary:
    """What the operator's mail queue page says first: how much waits, since when, and why."""
    waiting = TransactionalEmail.objects.waiting()
    tried = waiting.exclude(last_error="").order_by("-last_attempt_at")
    return MailQueueSummary(
        waiting=waiting.count(),
        oldest_waiting=mail_queue_oldest(),
        last_error=tried.values_list("last_error", flat=True).first() or "",
        undelivered=TransactionalEmail.objects.undelivered().count(),
    )


MAIL_QUEUE_LISTS = {
    "undelivered": "Failed or in doubt",
    "waiting": "Waiting",
    "sent": "Sent",
    "skipped": "Not sent",
}


def mail_queue_emails(*, listing: str):
    """The emails of one of MAIL_QUEUE_LISTS: waiting ones oldest first, others newest."""
    emails = TransactionalEmail.objects.all()
    if listing == "undelivered":
        return emails.undelivered().order_by("-queued_at", "-pk")
    if listing == "waiting":
        return emails.waiting().order_by("queued_at", "pk")
    return emails.filter(status=listing).order_by("-queued_at", "-pk")


def email_cap_count(
    cap: Cap | TransactionalEmailCap, *, now: datetime, waiting_too: bool, excluding: int = 0
) -> int:
    """Emails with the cap's key handed over in the past 24 hours (and waiting, if asked),
    leaving out the email `excluding`."""
    since = now - timedelta(days=1)
    counted = Q(email__status=TransactionalEmail.Status.SENT, email__sent_at__gte=since) | Q(
        email__status__in=[TransactionalEmail.Status.SENDING, TransactionalEmail.Status.IN_DOUBT],
        email__last_attempt_at__gte=since,
    )
    if waiting_too:
        counted |= Q(email__status=TransactionalEmail.Status.QUEUED)
    rows = TransactionalEmailCap.objects.filter(counted, key=cap.key)
    return rows.exclude(email_id=excluding).count() if excluding else rows.count()
