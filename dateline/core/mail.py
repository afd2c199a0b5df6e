"""Mail backends: the outbox of the embedded setup, and SMTP that knows when it handed over.

A connection that breaks while the server is answering the end of DATA leaves the message
in doubt: the server may have queued it. `HandOverSMTP` notes the moment the whole message
has been written, so a sender can tell "never sent" (try again) from "maybe delivered" (in
doubt, not sent again on its own).
"""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend

from . import actions


class OutboxEmailBackend(BaseEmailBackend):
    """Keeps outgoing mail in the database, readable in the admin under Outbox."""

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                actions.outbox_store(message=message)
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent


class HandOver:
    """smtplib's DATA step, noting when the message has been written in full."""

    handed_over = False

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        quoted = smtplib._quote_periods(msg)
        if quoted[-2:] != smtplib.bCRLF:
            quoted += smtplib.bCRLF
        self.send(quoted + b"." + smtplib.bCRLF)
        self.handed_over = True
        return self.getreply()


class HandOverSMTP(HandOver, smtplib.SMTP):
    pass


class HandOverSMTPSSL(HandOver, smtplib.SMTP_SSL):
    pass


class HandOverEmailBackend(EmailBackend):
    """Django's SMTP backend, telling whether the last message was handed over in full."""

    @property
    def connection_class(self):
        return HandOverSMTPSSL if self.use_ssl else HandOverSMTP

    @property
    def handed_over(self) -> bool:
        return bool(getattr(self.connection, "handed_over", False))

    def _send(self, email_message) -> bool:
        if self.connection is not None:
            self.connection.handed_over = False  # type: ignore[attr-defined]
        return super()._send(email_message)  # type: ignore[misc]
