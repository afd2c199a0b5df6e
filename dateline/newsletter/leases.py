"""Who holds a delivery's claim, and for how long."""

import os
from datetime import timedelta

from django.conf import settings

from dateline.core.processes import HOST, process_is_gone


def worker_token() -> str:
    """Who holds a claim: this machine and process, and a random part for each run."""
    return f"{HOST}:{os.getpid()}:{os.urandom(4).hex()}"


def claim_is_dead(claim: str) -> bool:
    """Whether the claim's worker ran on this machine and its process is gone."""
    host, _, rest = claim.partition(":")
    pid = rest.partition(":")[0]
    return pid.isdigit() and process_is_gone(host, int(pid))


def lease() -> timedelta:
    return timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
