"""Newsletters by SMTP: knowing when a message was handed over, and DKIM signing (dkimpy).

A connection that breaks while the server is answering the end of DATA leaves the message
in doubt: the server may have queued it. `HandOverSMTP` (dateline.core.mail) notes the
moment the whole message has been written, so the sender can tell "never sent" (retry)
from "maybe delivered" (in doubt, not retried on its own).

An email service (through django-anymail) signs for its own domain; a newsroom sending
straight to its relay signs here, with the key whose public half is published in DNS at
`<selector>._domainkey.<domain>`.
"""

from functools import cached_property

import dkim
from django.conf import settings
from django.core.mail.message import sanitize_address

from dateline.core.mail import HandOverEmailBackend

SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
]


class BulkEmailBackend(HandOverEmailBackend):
    """Django's SMTP backend for newsletters: hand-over tracking, DKIM when configured."""

    @cached_property
    def dkim_key(self) -> bytes | None:
        if not settings.NEWSLETTER_DKIM_KEY_FILE:
            return None
        with open(settings.NEWSLETTER_DKIM_KEY_FILE, "rb") as handle:
            return handle.read()

    def _send(self, email_message) -> bool:
        if not self.dkim_key:
            return super()._send(email_message)
        self.connection.handed_over = False
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        body = email_message.message().as_bytes(linesep="\r\n")
        signature = dkim.sign(
            body,
            settings.NEWSLETTER_DKIM_SELECTOR.encode(),
            settings.NEWSLETTER_DKIM_DOMAIN.encode(),
            self.dkim_key,
            include_headers=SIGNED_HEADERS,
        )
        self.connection.sendmail(from_email, recipients, signature + body)
        return True
