from django.db import models
from django.urls import reverse
from django.utils import timezone

from .email import email_kind_label


class OutboxMessage(models.Model):
    """An email the embedded setup kept instead of sending (EMAIL_URL=outbox://)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_email = models.CharField(max_length=998)
    recipients = models.TextField()
    subject = models.CharField(max_length=998)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    raw = models.TextField(help_text="The whole message as it would have been sent (RFC 5322).")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients}"

    def get_absolute_url(self) -> str:
        return reverse("core_outbox:detail", args=[self.pk])


class LimitCounter(models.Model):
    """Hits in one rate-limit window, or a once-only claim, until `expires_at`
    (dateline.core.ratelimit). In the database because a cache may evict a key before it
    expires, and an evicted counter is a limit wiped."""

    key = models.CharField(max_length=250, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class TransactionalEmailQuerySet(models.QuerySet):
    def waiting(self, now=None):
        """Not yet handed to the mail server: queued, or being handed over by a live worker."""
        now = now or timezone.now()
        return self.filter(
            models.Q(status="queued") | models.Q(status="sending", claim_expires_at__gte=now)
        )

    def undelivered(self, now=None):
        """Failed, in doubt, or left being handed over by a worker that stopped."""
        now = now or timezone.now()
        return self.filter(
            models.Q(status__in=["failed", "in_doubt"])
            | models.Q(status="sending", claim_expires_at__lt=now)
        )


class TransactionalEmail(models.Model):
    """One email to one person that an action decided to send, from that decision to its fate.

    Written in the transaction of the action that decides it and handed to the mail server
    by the worker, retried on temporary failures (dateline.core.email says what is
    guaranteed). The row holds ids, not text: the email is made when it goes.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        SENDING = "sending", "Being handed over"
        SENT = "sent", "Sent"
        IN_DOUBT = "in_doubt", "In doubt"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    kind = models.CharField(max_length=60)
    to = models.CharField(max_length=254)
    params = models.JSONField(default=dict, blank=True)
    # A message its caller rendered (subject, text, html, headers), dropped once sent.
    content = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField()
    # Created, or sent again by an operator: the retry period runs from here.
    queued_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The worker handing it over, and until when its claim holds without news from it.
    claim = models.CharField(max_length=100, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The same for every attempt, so a receiver can tell a repeat.
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    objects = TransactionalEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_email_due"),
            models.Index(fields=["status", "queued_at"], name="core_email_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="core_email_sent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} → {self.to} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return email_kind_label(self.kind)


class TransactionalEmailCap(models.Model):
    """A daily cap an email counts against once handed over: at most `per_day` emails with
    this `key` (a scope and an address) in any 24 hours."""

    email = models.ForeignKey(TransactionalEmail, on_delete=models.CASCADE, related_name="caps")
    key = models.CharField(max_length=300, db_index=True)
    per_day = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "key"], name="core_email_cap_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.per_day} a day"


class WorkerHeartbeat(models.Model):
    """A task worker (`manage.py db_worker`) saying it is alive, renewed while it runs.

    In the database, not the cache: the tasks it holds are there, and so must be the proof
    that their worker still lives (dateline.core.taskworker).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=200, help_text="dateline.core.processes.HOST of its machine")
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"
