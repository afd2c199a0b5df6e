"""State changes of the site-wide pieces, one module per area: the page cache and rate-limit
windows (cache), the mail outbox (outbox), admin sign-in (signin), task workers (workers),
and transactional email (emails: queued, handed over, retried; dateline/core/email.py).

`from dateline.core import actions; actions.email_queue(...)` and
`from dateline.core.actions import email_queue` both work.
"""

from .cache import limit_counters_purge, page_cache_purge, page_cache_purge_on_commit
from .emails import (
    email_deliver,
    email_queue,
    email_queue_message,
    emails_prune,
    emails_recover,
    emails_send_again,
)
from .outbox import outbox_store
from .signin import (
    PasswordResetRefused,
    password_reset_request,
    password_reset_send,
    signin_failures_forget,
)
from .workers import lost_tasks_recover, worker_claims_return, worker_heartbeat_renew

__all__ = [
    "PasswordResetRefused",
    "email_deliver",
    "email_queue",
    "email_queue_message",
    "emails_prune",
    "emails_recover",
    "emails_send_again",
    "limit_counters_purge",
    "lost_tasks_recover",
    "outbox_store",
    "page_cache_purge",
    "page_cache_purge_on_commit",
    "password_reset_request",
    "password_reset_send",
    "signin_failures_forget",
    "worker_claims_return",
    "worker_heartbeat_renew",
]
