from django.db import models
from django.urls import reverse


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
