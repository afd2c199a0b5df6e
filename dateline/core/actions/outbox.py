"""The mail outbox: outgoing email kept for the operator to read instead of delivered."""

from email.message import EmailMessage as StdEmailMessage

from django.core.mail import EmailMessage
from django.db import transaction

from ..models import OutboxMessage


@transaction.atomic
def outbox_store(*, message: EmailMessage) -> OutboxMessage:
    """Keep an outgoing email in the outbox instead of delivering it."""
    mime: StdEmailMessage = message.message()
    html = ""
    for alternative, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = str(alternative)
    if not html and message.content_subtype == "html":
        html = str(message.body)
    return OutboxMessage.objects.create(
        from_email=str(message.from_email),
        recipients=", ".join(message.recipients()),
        subject=str(message.subject),
        text_body="" if message.content_subtype == "html" else str(message.body),
        html_body=html,
        raw=mime.as_string(),
    )
