"""The signed links in mailing-list emails: confirm (expires), unsubscribe (does not)."""

from datetime import timedelta

from django.conf import settings

from dateline.core import signed
from dateline.core.signed import BadToken

CONFIRM = "newsletter.confirm"
UNSUBSCRIBE = "newsletter.unsubscribe"
MANAGE = "newsletter.manage"
CHANGE = "newsletter.change-address"
INVALID = "This link is not valid. Check that it was copied whole."

__all__ = ["BadToken", "confirm_token", "read_confirm", "read_unsubscribe", "unsubscribe_token"]


def confirm_token(subscriber) -> str:
    return signed.make(CONFIRM, {"s": subscriber.pk, "e": subscriber.email.lower()})


def read_confirm(token: str) -> tuple[int, str]:
    data = signed.read(CONFIRM, token, max_age=timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS))
    if not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise BadToken("This link is not valid. Check that it was copied whole.")
    return data["s"], data["e"]


def unsubscribe_token(subscriber, *, campaign_id: int | None = None) -> str:
    """Bound to the address too: after a change, old emails cannot reveal or stop the new one.

    A newsletter's link also names its send, so the send's report counts who left.
    """
    data = {"s": subscriber.pk, "e": subscriber.email_key}
    if campaign_id is not None:
        data["c"] = campaign_id
    return signed.make(UNSUBSCRIBE, data)


def read_unsubscribe(token: str) -> tuple[int, str, int | None]:
    data = signed.read(UNSUBSCRIBE, token, max_age=None)
    if not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise BadToken(INVALID)
    campaign_id = data.get("c")
    return data["s"], data["e"], campaign_id if isinstance(campaign_id, int) else None


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
