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

The mail servers (connections, their slots and rate, what an answer means) are
dateline.newsletter.transport; this module decides what becomes of each delivery row.
"""

import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

# tasks as a module, not its tasks: dateline.newsletter.tasks imports these actions.
from .. import tasks, transport
from ..content import message_build
from ..leases import claim_is_dead, lease, worker_token
from ..models import Campaign, CampaignVariant, Delivery, Subscriber, Subscription
from ..models import SuppressedAddress as Suppressed
from ..transport import ConnectionTrouble
from .subscribers import address_suppress

log = logging.getLogger(__name__)
DStatus = Delivery.Status

IN_DOUBT_NOTE = (
    "The worker stopped after handing this message to the mail server and before recording "
    "the answer: it may or may not have been delivered."
)
HANDED_OVER_NOTE = (
    "The connection broke while the server was answering, after the whole message had been "
    "handed over: it may or may not have been delivered. "
)
# Permanent refusals that are not about the recipient in a row: the server refuses the
# newsletter itself (content, relay, size), so the send is paused rather than failing all.
REFUSALS_BEFORE_PAUSE = 10

__all__ = [
    "DeliverOutcome",
    "campaign_deliver",
    "campaign_finish_if_done",
    "campaign_wake_up",
    "deliveries_claim",
    "deliveries_recover",
]


@dataclass
class DeliverOutcome:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def deliveries_recover(*, campaign_id: int) -> tuple[int, int]:
    """Free the rows of workers that stopped: (returned to the queue, now in doubt).

    Rows returned to a cancelled send are cancelled instead.
    """
    now = timezone.now()
    held = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[DStatus.CLAIMED, DStatus.ATTEMPTING]
    )
    dead = [c for c in held.values_list("claim", flat=True).distinct() if claim_is_dead(c)]
    stale = held.filter(Q(claim_expires_at__lt=now) | Q(claim__in=dead))
    with transaction.atomic():
        cancelled = Campaign.objects.filter(
            pk=campaign_id, status=Campaign.Status.CANCELLED
        ).exists()
        requeued = stale.filter(status=DStatus.CLAIMED).update(
            status=DStatus.CANCELLED if cancelled else DStatus.QUEUED,
            claim="",
            claim_expires_at=None,
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


WAITING = [DStatus.QUEUED, DStatus.DEFERRED, DStatus.CLAIMED, DStatus.ATTEMPTING]


@transaction.atomic
def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """Mark the send finished once no delivery is waiting, leased or being sent.

    The campaign row is locked, as by a resend of in-doubt deliveries, so the two cannot
    cross (a resend must not be left queued under a send marked finished).
    """
    campaign = (
        Campaign.objects.select_for_update()
        .filter(pk=campaign_id, status=Campaign.Status.SENDING)
        .first()
    )
    if campaign is None:
        return False
    if Delivery.objects.filter(campaign_id=campaign_id, status__in=WAITING).exists():
        return False
    campaign.status, campaign.finished_at = Campaign.Status.SENT, timezone.now()
    campaign.save(update_fields=["status", "finished_at"])
    return True


def campaign_wake_up(*, campaign_id: int, at: datetime) -> bool:
    """Have a delivering task run at `at`, unless one is queued to run by then already;
    whether one was queued.

    The check and the queueing are one transaction with the send's row locked, so workers
    finishing at once queue one wake-up between them, and the queue is the tasks table
    itself: the task asking is running, not queued, so it never stands in for the wake-up
    it asks for, whatever second that falls in.
    """
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().filter(pk=campaign_id)
        if locked.values_list("pk", flat=True).first() is None:
            return False
        queued = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=tasks.deliver_campaign.module_path,
            args_kwargs__args=[campaign_id],
        ).filter(Q(run_after__lte=at) | Q(run_after=get_date_max()))
        if queued.exists():
            return False
        tasks.deliver_campaign.using(run_after=at).enqueue(campaign_id)
    return True


# The worker loop ------------------------------------------------------------------------


class LostClaim(Exception):
    """Another worker took over this batch (our lease ran out): stop before sending more."""


class CampaignStopped(Exception):
    """The send was paused or cancelled: stop before the next message."""


@dataclass
class _Batch:
    campaign: Campaign
    token: str
    slot: int
    outcome: DeliverOutcome
    connection: Any = None
    sent_pending: tuple[int, str] | None = None
    refusals_in_a_row: int = 0
    renewed: float = field(default_factory=time.monotonic)


@functools.cache
def _statements() -> tuple[str, str]:
    """The two statements run for every message, as SQL: (record sent, begin attempt).

    Written out because building them with the ORM cost more than the rest of sending a
    message put together (measured with `make bench`: 450 messages a second became 1,400).
    """
    q = db_connection.ops.quote_name
    delivery, subscriber = q(Delivery._meta.db_table), q(Subscriber._meta.db_table)
    subscription, suppressed = q(Subscription._meta.db_table), q(Suppressed._meta.db_table)
    campaign = q(Campaign._meta.db_table)
    # Only table names are put in, quoted, from the models; every value is a parameter.
    record_sent = (
        f"UPDATE {delivery} SET status = 'sent', sent_at = %s, provider_message_id = %s, "
        "claim_expires_at = NULL, error = '' "
        "WHERE id = %s AND claim = %s AND status IN ('attempting', 'in_doubt')"
    )
    # The send is still on, and the reader may still be mailed (confirmed, subscribed to
    # this newsletter, not suppressed): checked in the statement that lets the message go.
    begin = (
        f"UPDATE {delivery} SET status = 'attempting', attempts = attempts + 1, "
        "claim_expires_at = %s "
        "WHERE id = %s AND claim = %s AND status = 'claimed' "
        f"AND EXISTS (SELECT 1 FROM {campaign} c WHERE c.id = %s AND c.status = 'sending') "
        f"AND EXISTS (SELECT 1 FROM {subscriber} s WHERE s.id = {delivery}.subscriber_id "
        "AND s.status = 'confirmed' "
        f"AND NOT EXISTS (SELECT 1 FROM {suppressed} x WHERE x.email_key = s.email_key)"
        f") AND EXISTS (SELECT 1 FROM {subscription} u "
        f"WHERE u.subscriber_id = {delivery}.subscriber_id AND u.newsletter_id = %s)"
    )
    return record_sent, begin


def _write_sent(batch: _Batch) -> bool:
    """Record the message last handed over as sent (in the caller's transaction); whether
    the row was still this worker's. `sent_pending` is cleared by the caller after commit."""
    if batch.sent_pending is None:
        return True
    delivery_id, provider_id = batch.sent_pending
    with db_connection.cursor() as cursor:
        cursor.execute(
            _statements()[0], [timezone.now(), provider_id[:200], delivery_id, batch.token]
        )
        return bool(cursor.rowcount)


def _sent_committed(batch: _Batch, recorded: bool) -> None:
    if batch.sent_pending is not None:
        batch.sent_pending = None
        batch.outcome.sent += 1
        if not recorded:  # taken over meanwhile: the row says in doubt, the message went
            log.warning("Campaign %s: a sent message was recorded late", batch.campaign.pk)


def _begin(batch: _Batch, delivery_id: int) -> bool:
    """Record the previous message and mark this one ATTEMPTING; False if it is not to go."""
    expires = timezone.now() + lease()
    with transaction.atomic():
        recorded = _write_sent(batch)
        with db_connection.cursor() as cursor:
            cursor.execute(
                _statements()[1],
                [
                    expires,
                    delivery_id,
                    batch.token,
                    batch.campaign.pk,
                    batch.campaign.newsletter_id,
                ],
            )
            started = bool(cursor.rowcount)
        stopped = lost = False
        if not started:
            status = (
                Campaign.objects.filter(pk=batch.campaign.pk).values_list("status", flat=True)
            ).first()
            if status != Campaign.Status.SENDING:
                stopped = True
                batch.outcome.stopped = str(status)
            elif Delivery.objects.filter(
                pk=delivery_id, claim=batch.token, status=DStatus.CLAIMED
            ).update(status=DStatus.SKIPPED, claim="", claim_expires_at=None):
                batch.outcome.skipped += 1
            else:
                lost = True
    _sent_committed(batch, recorded)
    if stopped:
        raise CampaignStopped
    if lost:
        raise LostClaim
    return started


def _record_failure(batch: _Batch, delivery: Delivery, kind: str, reply: str) -> None:
    """Record what became of a message that was not accepted."""
    now = timezone.now()
    ours = Delivery.objects.filter(pk=delivery.pk, claim=batch.token, status=DStatus.ATTEMPTING)
    final = (
        kind in ("bounce", "refused", "broken")
        or delivery.attempts + 1 >= settings.NEWSLETTER_MAX_ATTEMPTS
    )
    with transaction.atomic():
        if final:
            if not ours.update(
                status=DStatus.FAILED, error=reply[:300], claim="", claim_expires_at=None
            ):
                return
            batch.outcome.failed += 1
            if kind == "bounce":
                address_suppress(
                    email=delivery.subscriber.email, reason="bounce", note=f"refused: {reply}"
                )
            return
        backoff = settings.NEWSLETTER_RETRY_SECONDS * 2**delivery.attempts
        if ours.update(
            status=DStatus.DEFERRED,
            error=reply[:300],
            next_attempt_at=now + timedelta(seconds=min(backoff, 3600)),
            claim="",
            claim_expires_at=None,
        ):
            batch.outcome.deferred += 1


def _record_in_doubt(batch: _Batch, delivery: Delivery, reply: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, claim=batch.token, status=DStatus.ATTEMPTING).update(
        status=DStatus.IN_DOUBT, error=(HANDED_OVER_NOTE + reply)[:300], claim_expires_at=None
    )
    log.warning("Campaign %s: delivery %s in doubt: %s", batch.campaign.pk, delivery.pk, reply)


def _keep_lease(batch: _Batch, ids: list[int]) -> None:
    if time.monotonic() - batch.renewed < settings.NEWSLETTER_CLAIM_SECONDS / 3:
        return
    Delivery.objects.filter(pk__in=ids, claim=batch.token, status=DStatus.CLAIMED).update(
        claim_expires_at=timezone.now() + lease()
    )
    transport.connection_slot_renew(batch.slot)
    batch.renewed = time.monotonic()


def _send_one(batch: _Batch, delivery: Delivery, variant: CampaignVariant) -> None:
    try:
        message = message_build(
            campaign=batch.campaign,
            newsletter=batch.campaign.newsletter,
            variant=variant,
            subscriber=delivery.subscriber,
        )
    except Exception as exc:  # a message that cannot be made is never sent
        log.exception("Campaign %s: delivery %s not built", batch.campaign.pk, delivery.pk)
        _record_failure(batch, delivery, "broken", f"Could not build the message: {exc}")
        return
    if batch.connection is None:
        batch.connection = transport.connection_open(batch.slot)
    answer = transport.message_send(batch.connection, message)
    if answer.kind == "sent":
        batch.refusals_in_a_row = 0
        batch.sent_pending = (delivery.pk, answer.provider_id)
        return
    kind, reply = answer.kind, answer.reply
    if kind == "connection":
        _close(batch)
        batch.outcome.errors.append(reply)
        if answer.handed_over:
            _record_in_doubt(batch, delivery, reply)
            return
    if kind == "connection" and answer.unexpected:
        log.error(
            "Campaign %s: delivery %s failed",
            batch.campaign.pk,
            delivery.pk,
            exc_info=answer.error,
        )
        kind = "broken"
    _record_failure(batch, delivery, "temporary" if kind == "connection" else kind, reply)
    batch.refusals_in_a_row = batch.refusals_in_a_row + 1 if kind == "refused" else 0
    if batch.refusals_in_a_row >= REFUSALS_BEFORE_PAUSE:
        Campaign.objects.filter(pk=batch.campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.PAUSED,
            last_error=f"Paused: the mail server refused {REFUSALS_BEFORE_PAUSE} messages "
            f"in a row, the last with “{reply}”"[:500],
        )
        batch.outcome.stopped = str(Campaign.Status.PAUSED)
        raise CampaignStopped from answer.error


def _close(batch: _Batch) -> None:
    if batch.connection is not None:
        transport.connection_close(batch.connection)
        batch.connection = None


def _release(batch: _Batch, ids: list[int], *, retry_in: int = 0) -> None:
    """Give back what this worker claimed and did not try; cancelled sends drop it."""
    with transaction.atomic():
        recorded = _write_sent(batch)
        ours = Delivery.objects.filter(pk__in=ids, claim=batch.token)
        cancelled = Campaign.objects.filter(
            pk=batch.campaign.pk, status=Campaign.Status.CANCELLED
        ).exists()
        later = timezone.now() + timedelta(seconds=retry_in)
        ours.filter(status=DStatus.CLAIMED).update(
            status=DStatus.CANCELLED if cancelled else DStatus.QUEUED,
            claim="",
            claim_expires_at=None,
            next_attempt_at=later,
        )
        if retry_in:  # the server could not be used: the message in hand was not sent
            ours.filter(status=DStatus.ATTEMPTING).update(
                status=DStatus.QUEUED,
                attempts=F("attempts") - 1,
                claim="",
                claim_expires_at=None,
                next_attempt_at=later,
            )
    _sent_committed(batch, recorded)


def _batch_send(batch: _Batch, ids: list[int]) -> None:
    deliveries = Delivery.objects.select_related("subscriber").in_bulk(ids)
    variants: dict[int, CampaignVariant] = {}
    retry_in = 0
    try:
        for delivery_id in ids:
            _keep_lease(batch, ids)
            if batch.sent_pending and settings.NEWSLETTER_RATE:
                # Waiting must not widen the window in which a sent message is unrecorded.
                with transaction.atomic():
                    recorded = _write_sent(batch)
                _sent_committed(batch, recorded)
            transport.throttle()
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
    except CampaignStopped:
        pass
    except LostClaim:
        batch.outcome.stopped = "lost claim"
        log.warning("Campaign %s: a batch was taken over by another worker", batch.campaign.pk)
    finally:
        _release(batch, ids, retry_in=retry_in)


def campaign_deliver(
    *, campaign_id: int, token: str | None = None, max_seconds: float | None = None
) -> DeliverOutcome:
    """Send the campaign's due deliveries from this process until none is left.

    Stops early when the send is paused or cancelled, when the mail server cannot be
    used (the batch is retried later), or after `max_seconds`.
    """
    token = token or worker_token()
    outcome = DeliverOutcome()
    campaign = Campaign.objects.select_related("newsletter").filter(pk=campaign_id).first()
    if campaign is None:
        outcome.stopped = "deleted"
        return outcome
    deliveries_recover(campaign_id=campaign_id)
    if campaign.status != Campaign.Status.SENDING:
        outcome.stopped = campaign.status
        return outcome
    slot = transport.connection_slot(token)
    if slot is None:
        outcome.stopped = "no free connection"
        return outcome
    batch = _Batch(campaign=campaign, token=token, slot=slot, outcome=outcome)
    deadline = time.monotonic() + max_seconds if max_seconds else None
    try:
        while not outcome.stopped:
            ids = deliveries_claim(
                campaign_id=campaign_id, token=token, size=settings.NEWSLETTER_BATCH_SIZE
            )
            if not ids:
                break
            _batch_send(batch, ids)
            if deadline and time.monotonic() > deadline and not outcome.stopped:
                outcome.stopped = "time limit"
            if not outcome.stopped:
                deliveries_recover(campaign_id=campaign_id)
    finally:
        _close(batch)
        transport.connection_slot_release(slot)
    if outcome.errors:
        Campaign.objects.filter(pk=campaign_id).update(last_error=outcome.errors[-1][:500])
    campaign_finish_if_done(campaign_id=campaign_id)
    return outcome
