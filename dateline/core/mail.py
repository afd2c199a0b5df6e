from django.core.mail.backends.base import BaseEmailBackend

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
