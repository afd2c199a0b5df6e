"""Sending a campaign: workers claim batches of deliveries, send them, and record each result.

Every confirmed subscriber gets each message once, as far as SMTP allows:

- Rows are claimed in one transaction and leased to one worker: on PostgreSQL with
  `FOR UPDATE SKIP LOCKED`, so workers on several machines take disjoint batches without
  waiting; on SQLite the transaction's `BEGIN IMMEDIATE` write lock makes the claim exclusive.
- Before a message goes to the server, its row becomes ATTEMPTING in the same transaction
  that records the previous message as SENT. A connection therefore has at most one message
  whose fate is unrecorded, and that row says which one.
- A worker that dies leaves its lease. When the lease runs out, or at once if the worker ran
  on this machine and its process is gone, CLAIMED rows return to the queue and an
  ATTEMPTING row becomes IN_DOUBT: reported to the operator, never resent on its own.
- Whether the subscriber may still be mailed (confirmed, subscribed, not suppressed) is
  checked in the very UPDATE that marks the row ATTEMPTING, so an unsubscribe takes effect
  even in the middle of a send.
"""

import logging
import os
import smtplib
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import environ
from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dateline.core.ratelimit import claim_once, rate_limit_hit

from ..content import message_build
from ..models import Campaign, CampaignVariant, Delivery, Subscriber, Subscription
from ..models import SuppressedAddress as Suppressed
from .subscribers import address_suppress

log = logging.getLogger(__name__)
DStatus = Delivery.Status
HOST = socket.gethostname()
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
IN_DOUBT_NOTE = (
    "The worker stopped after handing this message to the mail server and before recording "
    "the answer: it may or may not have been delivered."
)

__all__ = [
    "DeliverOutcome",
    "campaign_deliver",
    "campaign_finish_if_done",
    "campaign_next_due",
    "deliveries_claim",
    "deliveries_recover",
    "worker_token",
]


class ConnectionTrouble(Exception):
    """The mail server could not be reached or dropped us: nothing about the recipient."""


@dataclass
class DeliverOutcome:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def worker_token() -> str:
    """Who holds a claim: this machine and process, and a random part for each run."""
    return f"{HOST}:{os.getpid()}:{os.urandom(4).hex()}"


def _claim_is_dead(claim: str) -> bool:
    host, _, rest = claim.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lease() -> timedelta:
    return timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)


def deliveries_recover(*, campaign_id: int) -> tuple[int, int]:
    """Free the rows of workers that stopped: (returned to the queue, now in doubt)."""
    now = timezone.now()
    held = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[DStatus.CLAIMED, DStatus.ATTEMPTING]
    )
    dead = [c for c in held.values_list("claim", flat=True).distinct() if _claim_is_dead(c)]
    stale = held.filter(Q(claim_expires_at__lt=now) | Q(claim__in=dead))
    with transaction.atomic():
        requeued = stale.filter(status=DStatus.CLAIMED).update(
            status=DStatus.QUEUED, claim="", claim_expires_at=None
        )
        # The claim stays on an in-doubt row: if its worker was only slow, it can still
        # record the message as sent.
        in_doubt = stale.filter(status=DStatus.ATTEMPTING).update(
            status=DStatus.IN_DOUBT, claim_expires_at=None, error=IN_DOUBT_NOTE
        )
    if in_doubt:
        log.warning(
            "Campaign %s: %s deliveries in doubt after a worker stopped", campaign_id, in_doubt
        )
    return requeued, in_doubt


def deliveries_claim(*, campaign_id: int, token: str, size: int) -> list[int]:
    """Lease up to `size` due deliveries to the worker `token`; their ids, in order."""
    now = timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(
            campaign_id=campaign_id,
            status__in=[DStatus.QUEUED, DStatus.DEFERRED],
            next_attempt_at__lte=now,
        ).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=DStatus.CLAIMED, claim=token, claim_expires_at=now + lease()
            )
    return ids


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """Mark the send finished once no delivery is waiting, leased or being sent."""
    waiting = Delivery.objects.filter(
        campaign_id=campaign_id,
        status__in=[DStatus.QUEUED, DStatus.DEFERRED, DStatus.CLAIMED, DStatus.ATTEMPTING],
    )
    if waiting.exists():
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, finished_at=timezone.now()
        )
    )


def campaign_next_due(*, campaign_id: int):
    """When the earliest waiting delivery may be tried (None if none is waiting)."""
    return (
        Delivery.objects.filter(
            campaign_id=campaign_id, status__in=[DStatus.QUEUED, DStatus.DEFERRED]
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


# The mail servers -----------------------------------------------------------------------


def connection_open(slot: int):
    """A connection to the server for `slot`: NEWSLETTER_EMAIL_URLS in turn, else EMAIL_URL."""
    urls = settings.NEWSLETTER_EMAIL_URLS
    options: dict = {}
    if urls:
        config = environ.Env.email_url_config(urls[slot % len(urls)])
        backend = config["EMAIL_BACKEND"]
        options = {
            "host": config.get("EMAIL_HOST"),
            "port": config.get("EMAIL_PORT"),
            "username": config.get("EMAIL_HOST_USER"),
            "password": config.get("EMAIL_HOST_PASSWORD"),
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
        }
    else:
        backend = settings.EMAIL_BACKEND
    if backend == SMTP_BACKEND:
        options["timeout"] = settings.NEWSLETTER_SMTP_TIMEOUT
        if settings.NEWSLETTER_DKIM_KEY_FILE:
            backend = "dateline.newsletter.smtp.DKIMEmailBackend"
    connection = get_connection(backend, fail_silently=False, **options)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise ConnectionTrouble(f"Could not connect to the mail server: {exc}") from exc
    return connection


def connection_slot(token: str) -> int | None:
    """One of NEWSLETTER_CONNECTIONS slots across every worker, or None if all are taken."""
    for slot in range(settings.NEWSLETTER_CONNECTIONS):
        if claim_once(f"newsletter:slot:{slot}", settings.NEWSLETTER_CLAIM_SECONDS):
            return slot
    return None


def throttle() -> None:
    """At most NEWSLETTER_RATE messages a second across every worker (0: no limit)."""
    rate = settings.NEWSLETTER_RATE
    while rate and rate_limit_hit(scope="newsletter-send", key="all", limits=[(rate, 1)]):
        time.sleep(1 - time.time() % 1)


def classify(exc: Exception) -> tuple[str, str]:
    """("permanent" | "temporary" | "connection", message) for a failed send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        reply = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        return ("permanent" if code >= 500 else "temporary"), reply
    if isinstance(exc, smtplib.SMTPDataError):
        reply = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        return ("permanent" if exc.smtp_code >= 500 else "temporary"), reply
    if isinstance(exc, AnymailRecipientsRefused):
        return "permanent", str(exc)
    if isinstance(exc, AnymailError):
        return "temporary", str(exc)
    # Refused sender, failed login, a dropped connection or a timeout: the server's trouble,
    # not the recipient's. RFC 5321 says to try again when no reply was read.
    return "connection", f"{type(exc).__name__}: {exc}"


# The worker loop ------------------------------------------------------------------------


class LostClaim(Exception):
    """Another worker took over this batch (our lease ran out): stop before sending more."""


@dataclass
class _Batch:
    campaign: Campaign
    token: str
    slot: int
    outcome: DeliverOutcome
    connection: object = None
    sent_pending: tuple[int, str] | None = None
    renewed: float = field(default_factory=time.monotonic)
    status_checked: float = field(default_factory=time.monotonic)


@cache
def _statements() -> tuple[str, str]:
    """The two statements run for every message, as SQL: (record sent, begin attempt).

    Written out because building them with the ORM cost more than the rest of sending a
    message put together (measured with `make bench`: about 2 ms of 2.2 per message).
    """
    q = db_connection.ops.quote_name
    delivery, subscriber = q(Delivery._meta.db_table), q(Subscriber._meta.db_table)
    subscription, suppressed = q(Subscription._meta.db_table), q(Suppressed._meta.db_table)
    record_sent = (
        f"UPDATE {delivery} SET status = 'sent', sent_at = %s, provider_message_id = %s, "
        "claim_expires_at = NULL, error = '' "
        "WHERE id = %s AND claim = %s AND status IN ('attempting', 'in_doubt')"
    )
    # The reader may still be mailed: confirmed, subscribed to this newsletter, not
    # suppressed, checked in the statement that lets the message go.
    begin = (
        f"UPDATE {delivery} SET status = 'attempting', attempts = attempts + 1, "
        "claim_expires_at = %s "
        f"WHERE id = %s AND claim = %s AND status = 'claimed' AND EXISTS ("
        f"SELECT 1 FROM {subscriber} s WHERE s.id = {delivery}.subscriber_id "
        "AND s.status = 'confirmed' "
        f"AND NOT EXISTS (SELECT 1 FROM {suppressed} x WHERE x.email_key = s.email_key)"
        f") AND EXISTS (SELECT 1 FROM {subscription} u "
        f"WHERE u.subscriber_id = {delivery}.subscriber_id AND u.newsletter_id = %s)"
    )
    return record_sent, begin


def _record_sent(batch: _Batch) -> None:
    if batch.sent_pending is None:
        return
    delivery_id, provider_id = batch.sent_pending
    batch.sent_pending = None
    with db_connection.cursor() as cursor:
        cursor.execute(
            _statements()[0], [timezone.now(), provider_id[:200], delivery_id, batch.token]
        )
        recorded = cursor.rowcount
    batch.outcome.sent += 1
    if not recorded:
        raise LostClaim


def _begin(batch: _Batch, delivery_id: int) -> bool:
    """Record the previous message and mark this one ATTEMPTING; False if it is not to go."""
    expires = timezone.now() + lease()
    with transaction.atomic():
        _record_sent(batch)
        with db_connection.cursor() as cursor:
            cursor.execute(
                _statements()[1],
                [expires, delivery_id, batch.token, batch.campaign.newsletter_id],
            )
            if cursor.rowcount:
                return True
        if not Delivery.objects.filter(
            pk=delivery_id, claim=batch.token, status=DStatus.CLAIMED
        ).update(status=DStatus.SKIPPED, claim="", claim_expires_at=None):
            raise LostClaim
        batch.outcome.skipped += 1
        return False


def _record_failure(batch: _Batch, delivery: Delivery, kind: str, reply: str) -> None:
    now = timezone.now()
    ours = Delivery.objects.filter(pk=delivery.pk, claim=batch.token, status=DStatus.ATTEMPTING)
    with transaction.atomic():
        if kind == "permanent" or delivery.attempts + 1 >= settings.NEWSLETTER_MAX_ATTEMPTS:
            ours.update(status=DStatus.FAILED, error=reply[:300], claim="", claim_expires_at=None)
            batch.outcome.failed += 1
            if kind == "permanent":
                address_suppress(
                    email=delivery.subscriber.email, reason="bounce", note=f"refused: {reply}"
                )
            return
        backoff = settings.NEWSLETTER_RETRY_SECONDS * 2**delivery.attempts
        ours.update(
            status=DStatus.DEFERRED,
            error=reply[:300],
            next_attempt_at=now + timedelta(seconds=min(backoff, 3600)),
            claim="",
            claim_expires_at=None,
        )
        batch.outcome.deferred += 1


def _keep_lease(batch: _Batch, ids: list[int]) -> None:
    if time.monotonic() - batch.renewed < settings.NEWSLETTER_CLAIM_SECONDS / 3:
        return
    Delivery.objects.filter(pk__in=ids, claim=batch.token, status=DStatus.CLAIMED).update(
        claim_expires_at=timezone.now() + lease()
    )
    from django.core.cache import cache

    cache.touch(f"newsletter:slot:{batch.slot}", settings.NEWSLETTER_CLAIM_SECONDS)
    batch.renewed = time.monotonic()


def _still_sending(batch: _Batch) -> bool:
    if time.monotonic() - batch.status_checked < 1:
        return True
    batch.status_checked = time.monotonic()
    status = Campaign.objects.filter(pk=batch.campaign.pk).values_list("status", flat=True).first()
    batch.outcome.stopped = "" if status == Campaign.Status.SENDING else str(status)
    return status == Campaign.Status.SENDING


def _send_one(batch: _Batch, delivery: Delivery, variant: CampaignVariant) -> None:
    if batch.connection is None:
        batch.connection = connection_open(batch.slot)
    message = message_build(
        campaign=batch.campaign,
        newsletter=batch.campaign.newsletter,
        variant=variant,
        subscriber=delivery.subscriber,
        connection=batch.connection,
    )
    try:
        batch.connection.send_messages([message])
    except (smtplib.SMTPException, OSError, AnymailError) as exc:
        kind, reply = classify(exc)
        _record_failure(batch, delivery, "temporary" if kind == "connection" else kind, reply)
        if kind == "connection":
            _close(batch)
            batch.outcome.errors.append(reply)
        return
    status = getattr(message, "anymail_status", None)
    batch.sent_pending = (delivery.pk, (status.message_id or "") if status else "")


def _close(batch: _Batch) -> None:
    if batch.connection is not None:
        try:
            batch.connection.close()
        except Exception:
            log.debug("closing a broken connection failed", exc_info=True)
        batch.connection = None


def _release(batch: _Batch, ids: list[int], *, retry_in: int = 0) -> None:
    """Give back what this worker claimed and did not try; cancelled sends drop it."""
    _record_sent(batch) if batch.sent_pending else None
    ours = Delivery.objects.filter(pk__in=ids, claim=batch.token)
    cancelled = batch.outcome.stopped == Campaign.Status.CANCELLED
    ours.filter(status=DStatus.CLAIMED).update(
        status=DStatus.CANCELLED if cancelled else DStatus.QUEUED,
        claim="",
        claim_expires_at=None,
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
    )
    if retry_in:  # the server could not be reached: the message being tried was not sent
        ours.filter(status=DStatus.ATTEMPTING).update(
            status=DStatus.DEFERRED,
            claim="",
            claim_expires_at=None,
            next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
        )


def _batch_send(batch: _Batch, ids: list[int]) -> None:
    deliveries = Delivery.objects.select_related("subscriber").in_bulk(ids)
    variants: dict[int, CampaignVariant] = {}
    retry_in = 0
    try:
        for delivery_id in ids:
            if not _still_sending(batch):
                break
            _keep_lease(batch, ids)
            if batch.sent_pending and settings.NEWSLETTER_RATE:
                # Waiting must not widen the window in which a sent message is unrecorded.
                with transaction.atomic():
                    _record_sent(batch)
            throttle()
            if not _begin(batch, delivery_id):
                continue
            delivery = deliveries[delivery_id]
            if delivery.variant_id not in variants:
                variants[delivery.variant_id] = CampaignVariant.objects.get(pk=delivery.variant_id)
            _send_one(batch, delivery, variants[delivery.variant_id])
    except ConnectionTrouble as trouble:
        retry_in = settings.NEWSLETTER_RETRY_SECONDS
        batch.outcome.errors.append(str(trouble))
        batch.outcome.stopped = "connection"
    except LostClaim:
        batch.outcome.stopped = "lost claim"
        log.warning("Campaign %s: a batch was taken over by another worker", batch.campaign.pk)
    finally:
        with transaction.atomic():
            _release(batch, ids, retry_in=retry_in)


def campaign_deliver(
    *, campaign_id: int, token: str | None = None, max_seconds: float | None = None
) -> DeliverOutcome:
    """Send the campaign's due deliveries from this process until none is left.

    Stops early when the send is paused or cancelled, when the mail server cannot be
    reached (the batch is retried later), or after `max_seconds`.
    """
    token = token or worker_token()
    outcome = DeliverOutcome()
    campaign = Campaign.objects.select_related("newsletter").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        outcome.stopped = campaign.status if campaign else "deleted"
        return outcome
    slot = connection_slot(token)
    if slot is None:
        outcome.stopped = "no free connection"
        return outcome
    batch = _Batch(campaign=campaign, token=token, slot=slot, outcome=outcome)
    deadline = time.monotonic() + max_seconds if max_seconds else None
    try:
        while not outcome.stopped:
            deliveries_recover(campaign_id=campaign_id)
            ids = deliveries_claim(
                campaign_id=campaign_id, token=token, size=settings.NEWSLETTER_BATCH_SIZE
            )
            if not ids:
                break
            _batch_send(batch, ids)
            batch.status_checked = 0.0
            if deadline and time.monotonic() > deadline:
                outcome.stopped = "time limit"
    finally:
        _close(batch)
        from django.core.cache import cache

        cache.delete(f"newsletter:slot:{slot}")
    if outcome.errors:
        Campaign.objects.filter(pk=campaign_id).update(last_error=outcome.errors[-1][:500])
    campaign_finish_if_done(campaign_id=campaign_id)
    return outcome
