"""Bans on commenters, by address, IP or network, for a time or for good."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..models import Comment, CommenterBan
from ..networks import BadNetwork, ban_network, in_network
from ._common import Action, CommentRefused, Status, log
from .moderation import comment_moderate

__all__ = ["commenter_ban", "commenter_ban_lift"]


@transaction.atomic
def commenter_ban(
    *,
    email: str = "",
    ip: str | None = None,
    reason: str,
    until: datetime | None,
    by: User,
    remove_pending: bool = True,
) -> CommenterBan:
    """Stop a commenter (by address, IP or both) from posting, for a time or for good.

    `ip` is an address or a prefix ("2001:db8:7::/48"): a ban on an IPv6 address covers
    its /64, from which its owner's devices take new addresses at will (see networks).
    """
    email = email.strip().lower()
    ip = (ip or "").strip()
    if not email and not ip:
        raise CommentRefused("Name an email address or an IP address to ban.")
    if not reason.strip():
        raise CommentRefused("Give a reason for the ban.", field="reason")
    try:
        network = ban_network(ip) if ip else None
    except BadNetwork as bad:
        raise CommentRefused(str(bad), field="ip") from None
    named = None if network is None else str(network.network_address) if "/" in ip else ip
    now = timezone.now()
    ban = CommenterBan.objects.create(
        email=email,
        ip_address=named,
        ip_network=str(network) if network else "",
        reason=reason.strip()[:300],
        until=until,
        created_at=now,
        created_by=by,
    )
    log(Action.BANNED, ban=ban, by=by, note=f"{email} {ban.ip_network}: {reason}", now=now)
    if remove_pending:
        pending = Comment.objects.filter(status=Status.PENDING)
        ids = list(pending.by_commenter(email=email).values_list("pk", flat=True))
        if network is not None:
            from_network = pending.exclude(ip_address=None).values_list("pk", "ip_address")
            ids += [pk for pk, address in from_network if in_network(address, str(network))]
        comment_moderate(comment_ids=ids, decision="reject", by=by, note="commenter banned")
    return ban


@transaction.atomic
def commenter_ban_lift(*, ban: CommenterBan, by: User) -> CommenterBan:
    """End a ban now."""
    now = timezone.now()
    ban.lifted_at = now
    ban.save(update_fields=["lifted_at"])
    log(Action.UNBANNED, ban=ban, by=by, now=now)
    return ban
