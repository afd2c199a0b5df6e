"""Transactional email: queued with the action that decides it, handed over, retried,
settled (dateline/core/email.py says how to send one, and what holds)."""

import logging
import os
import secrets
import smtplib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

# A module, not its tasks: dateline.core.tasks imports these actions.
from .. import tasks
from ..email import (
    IN_DOUBT,
    PERMANENT,
    Cap,
    NotToBeSent,
    email_kind_get,
    email_message,
    failure_of,
    mail_connection,
    message_id_make,
    retry_delay,
)
from ..models import TransactionalEmail, TransactionalEmailCap
from ..processes import HOST, process_is_gone
from ..selectors import email_cap_count

log = logging.getLogger(__name__)

MailStatus = TransactionalEmail.Status
IN_DOUBT_NOTE = (
    "The worker stopped while handing this email to the mail server: it may or may not "
    "have been delivered."
)
HANDED_OVER_NOTE = (
    "The connection broke while the server was answering, after the whole email had been "
    "handed over: it may or may not have been delivered. "
)
CAP_REACHED_NOTE = (
    "Not sent: {per_day} such emails had gone to this address in the past 24 hours, as many "
    "as its daily cap allows."
)


def email_queue(
    *, kind: str, to: str, params: Mapping | None = None, caps: Iterable[Cap] = ()
) -> TransactionalEmail | None:
    """Decide to send an email of `kind` to `to`; its composer makes it from `params`.

    Call it in the transaction of the action that decides it: the email is recorded with
    that action and queued for the worker when it commits. None when a cap refused it:
    `to` had `per_day` such emails handed over in the past 24 hours or still waiting.
    """
    found = email_kind_get(kind)
    if found is None or found.compose is None:
        raise ValueError(f"Nothing makes emails of the kind {kind!r}: register it first.")
    return _email_record(kind=kind, to=to, params=dict(params or {}), content=None, caps=caps)


def email_queue_message(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    caps: Iterable[Cap] = (),
) -> TransactionalEmail | None:
    """Queue a message its caller rendered (Django's PasswordResetForm.send_mail, say).

    As email_queue; its text is kept until the server accepts it, then dropped.
    """
    content = {
        "subject": " ".join(subject.split()),
        "text": text,
        "html": html,
        "headers": dict(headers or {}),
    }
    return _email_record(kind=kind, to=to, params={}, content=content, caps=caps)


def _email_record(*, kind: str, to: str, params: dict, content, caps: Iterable[Cap]):
    caps = list(caps)
    now = timezone.now()
    with transaction.atomic():
        if any(email_cap_count(cap, now=now, waiting_too=True) >= cap.per_day for cap in caps):
            return None
        email = TransactionalEmail.objects.create(
            kind=kind,
            to=to,
            params=params,
            content=content,
            created_at=now,
            queued_at=now,
            next_attempt_at=now,
        )
        TransactionalEmailCap.objects.bulk_create(
            [TransactionalEmailCap(email=email, key=c.key, per_day=c.per_day) for c in caps]
        )
        _deliver_on_commit(email.pk)
    return email


def _deliver_on_commit(email_id: int, *, at: datetime | None = None) -> None:
    deliver = tasks.deliver_email
    task = deliver.using(run_after=at) if at else deliver
    transaction.on_commit(lambda: task.enqueue(email_id))


def email_deliver(*, email_id: int) -> str:
    """Hand one queued email to the mail server if it is due; returns its status after.

    Marked "being handed over" (committed) before it goes and "sent" once the server took
    it: a worker that dies in between leaves it to become in doubt, never sent twice on its
    own. A temporary failure queues the next attempt; a permanent one, or the end of
    MAIL_RETRY_HOURS, fails it.
    """
    now = timezone.now()
    emails_recover(now=now)
    _emails_wake_overdue(now=now)
    email = TransactionalEmail.objects.filter(pk=email_id).first()
    if email is None:
        return "deleted"
    if email.status != MailStatus.QUEUED or email.next_attempt_at > now:
        return email.status  # a wake-up for an attempt already made, or not yet due
    message_id = email.message_id or message_id_make()
    try:
        message = email_message(email, message_id=message_id)
    except NotToBeSent as reason:
        return _email_settle(email, MailStatus.SKIPPED, f"Not sent: {reason}")
    except Exception as exc:  # a message that cannot be made is never sent
        log.exception("Email %s (%s) could not be made", email.pk, email.kind)
        return _email_settle(email, MailStatus.FAILED, f"Could not make the message: {exc}")
    token = f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"
    if not _email_begin(email, token=token, message_id=message_id, now=now):
        email.refresh_from_db(fields=["status"])
        return email.status
    connection = mail_connection()
    try:
        connection.open()
        if not connection.send_messages([message]):
            raise smtplib.SMTPException("The mail backend sent nothing.")
    except Exception as exc:
        handed_over = bool(getattr(connection, "handed_over", False))
        _close_quietly(connection)
        return _email_failed(email, token=token, exc=exc, handed_over=handed_over)
    sent = TransactionalEmail.objects.filter(
        pk=email.pk,
        claim=token,
        status__in=[MailStatus.SENDING, MailStatus.IN_DOUBT, MailStatus.QUEUED],
    ).update(
        status=MailStatus.SENT,
        sent_at=timezone.now(),
        claim_expires_at=None,
        last_error="",
        content=None,
    )
    if not sent:
        log.warning("Email %s was sent but its row had changed meanwhile", email.pk)
    _close_quietly(connection)
    emails_prune(now=now)
    return MailStatus.SENT


def _email_settle(email: TransactionalEmail, status: str, error: str) -> str:
    TransactionalEmail.objects.filter(pk=email.pk, status=MailStatus.QUEUED).update(
        status=status, last_error=error[:1000]
    )
    return status


def _email_begin(email: TransactionalEmail, *, token: str, message_id: str, now) -> bool:
    """Mark the email as being handed over, if it still may go; False if not."""
    with transaction.atomic():
        row = (
            TransactionalEmail.objects.select_for_update()
            .filter(pk=email.pk, status=MailStatus.QUEUED)
            .first()
        )
        if row is None:
            return False
        caps = list(row.caps.all())
        if caps:
            # Two workers sending to one address wait for each other here (on SQLite the
            # transaction's write lock does it), so neither counts without the other; rows
            # are locked in one order, so two emails sharing keys cannot deadlock.
            keys = [cap.key for cap in caps]
            locking = TransactionalEmailCap.objects.select_for_update().filter(key__in=keys)
            list(locking.order_by("pk").values_list("pk", flat=True))
        for cap in caps:
            if email_cap_count(cap, now=now, waiting_too=False, excluding=row.pk) >= cap.per_day:
                row.status = MailStatus.SKIPPED
                row.last_error = CAP_REACHED_NOTE.format(per_day=cap.per_day)
                row.save(update_fields=["status", "last_error"])
                return False
        row.status = MailStatus.SENDING
        row.attempts += 1
        row.last_attempt_at = now
        row.claim = token
        row.claim_expires_at = now + timedelta(seconds=settings.MAIL_CLAIM_SECONDS)
        row.message_id = message_id
        row.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "claim",
                "claim_expires_at",
                "message_id",
            ]
        )
    email.attempts, email.queued_at = row.attempts, row.queued_at
    return True


def _email_failed(email: TransactionalEmail, *, token: str, exc: Exception, handed_over: bool):
    """Record a failed attempt: in doubt, failed, or queued again after a while."""
    outcome, words = failure_of(exc, handed_over=handed_over)
    now = timezone.now()
    ours = TransactionalEmail.objects.filter(pk=email.pk, claim=token, status=MailStatus.SENDING)
    if outcome == IN_DOUBT:
        ours.update(
            status=MailStatus.IN_DOUBT,
            claim_expires_at=None,
            last_error=(HANDED_OVER_NOTE + words)[:1000],
        )
        log.warning("Email %s to %s is in doubt: %s", email.pk, email.to, words)
        return MailStatus.IN_DOUBT
    give_up_at = email.queued_at + timedelta(hours=settings.MAIL_RETRY_HOURS)
    if outcome == PERMANENT or now >= give_up_at:
        if outcome != PERMANENT:
            words = f"Gave up after {email.attempts} attempts: {words}"
        ours.update(
            status=MailStatus.FAILED, claim="", claim_expires_at=None, last_error=words[:1000]
        )
        log.warning("Email %s to %s failed: %s", email.pk, email.to, words)
        return MailStatus.FAILED
    next_attempt_at = min(now + retry_delay(email.attempts), give_up_at)
    with transaction.atomic():
        if ours.update(
            status=MailStatus.QUEUED,
            claim="",
            claim_expires_at=None,
            next_attempt_at=next_attempt_at,
            last_error=words[:1000],
        ):
            _deliver_on_commit(email.pk, at=next_attempt_at)
    log.info("Email %s to %s will be tried again: %s", email.pk, email.to, words)
    return MailStatus.QUEUED


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to close too
        log.debug("closing a mail connection failed", exc_info=True)


def emails_recover(*, now: datetime | None = None) -> int:
    """Emails left being handed over by a worker that stopped become in doubt: its claim ran
    out, or its process is gone from this machine. They are never sent again on their own.
    """
    now = now or timezone.now()
    sending = TransactionalEmail.objects.filter(status=MailStatus.SENDING)
    gone = []
    for claim in sending.values_list("claim", flat=True):
        host, _, rest = claim.partition(":")
        pid = rest.partition(":")[0]
        if pid.isdigit() and process_is_gone(host, int(pid)):
            gone.append(claim)
    # The claim stays: a worker that was only slow can still record the email as sent.
    stopped = sending.filter(Q(claim_expires_at__lt=now) | Q(claim__in=gone))
    count = stopped.update(
        status=MailStatus.IN_DOUBT, claim_expires_at=None, last_error=IN_DOUBT_NOTE
    )
    if count:
        log.warning("%s emails are in doubt: their worker stopped while sending", count)
    return count


def _emails_wake_overdue(*, now: datetime) -> None:
    # A wake-up lost between a commit and its enqueue (the database went away just then) is
    # queued again by the next delivery, once per claim period.
    late = now - timedelta(seconds=settings.MAIL_CLAIM_SECONDS)
    waiting = TransactionalEmail.objects.filter(status=MailStatus.QUEUED)
    overdue = list(waiting.filter(next_attempt_at__lt=late).values_list("pk", flat=True)[:100])
    if not overdue:
        return
    waiting.filter(pk__in=overdue).update(next_attempt_at=now)
    with transaction.atomic():
        for email_id in overdue:
            _deliver_on_commit(email_id)


@transaction.atomic
def emails_send_again(*, email_ids: Iterable[int]) -> int:
    """An operator's "send again" of failed and in-doubt emails: queued as if new, from now
    (their caps still apply when they go). Returns how many were queued."""
    now = timezone.now()
    ids = list(
        TransactionalEmail.objects.undelivered(now)
        .filter(pk__in=list(email_ids))
        .values_list("pk", flat=True)
    )
    # The claim stays: should the worker of an in-doubt email report late, it is not resent.
    TransactionalEmail.objects.filter(pk__in=ids).update(
        status=MailStatus.QUEUED,
        queued_at=now,
        next_attempt_at=now,
        attempts=0,
        claim_expires_at=None,
    )
    for email_id in ids:
        _deliver_on_commit(email_id)
    return len(ids)


def emails_prune(*, now: datetime | None = None) -> int:
    """Forget the emails settled more than MAIL_KEEP_DAYS ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.MAIL_KEEP_DAYS)
    settled = [MailStatus.SENT, MailStatus.FAILED, MailStatus.SKIPPED, MailStatus.IN_DOUBT]
    deleted, _ = TransactionalEmail.objects.filter(
        status__in=settled, queued_at__lt=cutoff
    ).delete()
    return deleted
