"""The emails of signing up: the confirmation link, a note to an address already on, the
welcome, and the link that confirms a new address.

The actions queue them (dateline.core.email) in the transaction that decides them; they are
made here when they go, so their links are signed then, and an address suppressed, changed
or deleted since is not written to.
"""

from django.urls import reverse

from dateline.core.email import Composed, NotToBeSent, email_kind
from dateline.core.links import absolute_url
from dateline.core.models import TransactionalEmail

from . import tokens
from .addresses import email_key
from .models import Subscriber
from .selectors import is_suppressed


def _subscriber(email: TransactionalEmail) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=email.params.get("subscriber_id")).first()
    if subscriber is None:
        raise NotToBeSent("the reader has left the list and taken their data")
    return subscriber


def signup_email_compose(email: TransactionalEmail) -> Composed:
    subscriber = _subscriber(email)
    if subscriber.email_key != email_key(email.to):
        raise NotToBeSent("the reader's address has changed since")
    if is_suppressed(subscriber.email):
        raise NotToBeSent("the address is on the suppression list")
    unsubscribe_url = absolute_url(
        reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber)])
    )
    # Mail to someone on the list carries RFC 8058 one-click unsubscribe; a confirmation
    # request goes to someone not on it yet.
    headers = (
        {}
        if email.kind == "newsletter/confirm"
        else {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    )
    return Composed(
        template=email.kind,
        headers=headers,
        context={
            "confirm_url": absolute_url(
                reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)])
            ),
            "unsubscribe_url": unsubscribe_url,
            "manage_url": absolute_url(
                reverse("newsletter:manage", args=[tokens.manage_token(subscriber)])
            ),
            "subscriber": subscriber,
        },
    )


def change_confirmation_compose(email: TransactionalEmail) -> Composed:
    subscriber = _subscriber(email)
    if is_suppressed(email.to):
        raise NotToBeSent("the new address is on the suppression list")
    token = tokens.change_token(subscriber, email.to)
    return Composed(
        template="newsletter/change",
        context={"confirm_url": absolute_url(reverse("newsletter:change", args=[token]))},
    )


email_kind(
    "newsletter/confirm",
    label="Mailing list: confirm your subscription",
    compose=signup_email_compose,
)
email_kind(
    "newsletter/already", label="Mailing list: you are subscribed", compose=signup_email_compose
)
email_kind("newsletter/welcome", label="Mailing list: welcome", compose=signup_email_compose)
email_kind(
    "newsletter/change",
    label="Mailing list: confirm a new address",
    compose=change_confirmation_compose,
)
