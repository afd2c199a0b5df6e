"""The signed links in mailing-list emails: confirm (expires), unsubscribe (does not).

An unsubscribe link names the newsletter its message belongs to (a send's newsletter: the
issue's, the digest's, the breaking-news list that sent the alert), and following it leaves
that list only; a link that names none (the welcome and "already subscribed" emails, which
belong to no one list) leaves them all. Links from before links named their list carry the
send, whose newsletter is the one to leave.
"""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings

from dateline.core import signed
from dateline.core.signed import BadToken

CONFIRM = "newsletter.confirm"
UNSUBSCRIBE = "newsletter.unsubscribe"
MANAGE = "newsletter.manage"
CHANGE = "newsletter.change-address"
INVALID = "This link is not valid. Check that it was copied whole."

__all__ = [
    "BadToken",
    "UnsubscribeLink",
    "confirm_token",
    "read_confirm",
    "read_unsubscribe",
    "unsubscribe_token",
]


class UnsubscribeLink(NamedTuple):
    subscriber_id: int
    email: str
    campaign_id: int | None
    newsletter_id: int | None

    @property
    def names_a_list(self) -> bool:
        return self.newsletter_id is not None or self.campaign_id is not None


def confirm_token(subscriber) -> str:
    return signed.make(CONFIRM, {"s": subscriber.pk, "e": subscriber.email.lower()})


def read_confirm(token: str) -> tuple[int, str]:
    data = signed.read(CONFIRM, token, max_age=timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS))
    if not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise BadToken("This link is not valid. Check that it was copied whole.")
    return data["s"], data["e"]


def unsubscribe_token(
    subscriber, *, newsletter_id: int | None = None, campaign_id: int | None = None
) -> str:
    """Bound to the address too: after a change, old emails cannot reveal or stop the new one.

    A newsletter's link names the newsletter it leaves, and its send, so the send's report
    counts who left.
    """
    data = {"s": subscriber.pk, "e": subscriber.email_key}
    if newsletter_id is not None:
        data["n"] = newsletter_id
    if campaign_id is not None:
        data["c"] = campaign_id
    return signed.make(UNSUBSCRIBE, data)


def read_unsubscribe(token: str) -> UnsubscribeLink:
    data = signed.read(UNSUBSCRIBE, token, max_age=None)
    if not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise BadToken(INVALID)
    campaign_id, newsletter_id = data.get("c"), data.get("n")
    return UnsubscribeLink(
        subscriber_id=data["s"],
        email=data["e"],
        campaign_id=campaign_id if isinstance(campaign_id, int) else None,
        newsletter_id=newsletter_id if isinstance(newsletter_id, int) else None,
    )


def manage_token(subscriber) -> str:
    """The preferences link of every email; it stops working when the address changes."""
    return signed.make(MANAGE, {"s": subscriber.pk, "e": subscriber.email_key})


def read_manage(token: str) -> tuple[int, str]:
    data = signed.read(MANAGE, token, max_age=None)
    if not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise BadToken(INVALID)
    return data["s"], data["e"]


def change_token(subscriber, new_email: str) -> str:
    return signed.make(CHANGE, {"s": subscriber.pk, "e": subscriber.email.lower(), "n": new_email})


def read_change(token: str) -> tuple[int, str, str]:
    data = signed.read(CHANGE, token, max_age=timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS))
    if not all(isinstance(data.get(key), str) for key in ("e", "n")) or not isinstance(
        data.get("s"), int
    ):
        raise BadToken(INVALID)
    return data["s"], data["e"], data["n"]
