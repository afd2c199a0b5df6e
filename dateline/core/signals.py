"""Events routed to core actions: sign-ins, the cache coming back, tasks finishing."""

import logging

from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django_tasks_db.compat import task_finished  # the worker's, on Django 5 and 6

from . import actions, ratelimit
from .cache_backends import cache_recovered
from .pagecache import SITE_TAG

log = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="core.signin.forget_own_failures")
def forget_own_failures(sender, request, user, **kwargs) -> None:
    """A successful sign-in forgets that account's failures from that address only: others'
    failures at the account, and the address's at other accounts, still count."""
    # Here, not at the top: dateline.core.signin loads Wagtail's admin views, too early while
    # the apps are being readied (this module is imported by CoreConfig.ready).
    from .signin import signin_client_ip

    if request is not None:
        actions.signin_failures_forget(username=user.get_username(), ip=signin_client_ip(request))


@receiver(cache_recovered, dispatch_uid="core.cache.purge_pages_after_outage")
def purge_pages_after_cache_outage(sender, **kwargs) -> None:
    """Purges made while the cache was away were lost: pages kept before may be stale."""
    actions.page_cache_purge(tags={SITE_TAG})


@receiver(task_finished, dispatch_uid="core.ratelimit.purge_expired_limits")
def purge_expired_limits_after_task(sender, **kwargs) -> None:
    """At most once an hour across the workers (dateline.core.ratelimit.purge_due)."""
    # Sent inside the worker's handling of the task: raising here would fail that task.
    try:
        if ratelimit.purge_due():
            actions.limit_counters_purge()
    except DatabaseError as error:
        log.warning("Expired limits not purged this hour: %s", error)
