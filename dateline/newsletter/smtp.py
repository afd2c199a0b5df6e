"""Direct SMTP sending with a DKIM signature (dkimpy), for newsrooms that run their own relay.

An email service (through django-anymail) signs for its own domain; a newsroom sending
straight to its relay signs here, with the key whose public half is published in DNS at
`<selector>._domainkey.<domain>`.
"""

from functools import cached_property

import dkim
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

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


class DKIMEmailBackend(EmailBackend):
    @cached_property
    def dkim_key(self) -> bytes:
        with open(settings.NEWSLETTER_DKIM_KEY_FILE, "rb") as handle:
            return handle.read()

    def _send(self, email_message) -> bool:
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
        try:
            self.connection.sendmail(from_email, recipients, signature + body)
        except Exception:
            if not self.fail_silently:
                raise
            return False
        return True
